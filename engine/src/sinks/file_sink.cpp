// Alerts appended as JSON lines to a file; fsync on flush (drain and shutdown).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "sinks/builtin_sinks.hpp"

namespace sigflow {
namespace {

class FileSink final : public Sink {
 public:
  FileSink(SinkSpec spec, int fd) : spec_(std::move(spec)), fd_(fd) {}
  ~FileSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  const SinkSpec& spec() const override { return spec_; }

  Status write(const Alert& alert) override {
    std::string line = alert.to_json();
    line.push_back('\n');
    std::size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return make_error("sink.io", fmt::format("cannot write {}: {}", spec_.settings.get("path"), std::strerror(errno)));
      written += static_cast<std::size_t>(n);
    }
    return Ok{};
  }

  Status flush() override {
    if (::fsync(fd_) != 0) return make_error("sink.io", fmt::format("cannot fsync {}: {}", spec_.settings.get("path"), std::strerror(errno)));
    return Ok{};
  }

 private:
  SinkSpec spec_;
  int fd_;
};

}  // namespace

SinkFactory file_sink_factory() {
  return {"file",
          "Alerts appended as JSON lines to a file (created if missing, fsync at drain and shutdown).",
          {{"path", SettingType::string, "", "file to append alerts to; relative paths are relative to the config file", true}},
          [](SinkSpec spec) -> Result<std::unique_ptr<Sink>> {
            const std::string& path = spec.settings.get("path");
            std::error_code ec;
            const auto parent = std::filesystem::path(path).parent_path();
            if (!parent.empty()) std::filesystem::create_directories(parent, ec);
            const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
            if (fd < 0) {
              return make_error("sink.io", fmt::format("sink '{}': cannot open {}: {}", spec.id, path, std::strerror(errno)));
            }
            return std::unique_ptr<Sink>(new FileSink(std::move(spec), fd));
          }};
}

}  // namespace sigflow
