// Alerts appended as JSON lines to a file; each message is fsynced before it counts as
// delivered, so the outbox lets go of an alert only once it is on disk.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "sinks/builtin_sinks.hpp"

namespace sigflow::sinks {
namespace {

class FileSink final : public Sink {
 public:
  FileSink(SinkSpec spec, int fd) : spec_(std::move(spec)), fd_(fd) {}
  ~FileSink() override { ::close(fd_); }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  const SinkSpec& spec() const override { return spec_; }

  DeliveryOutcome deliver(const Delivery& d) override {
    std::string lines;
    for (const auto& a : d.alerts) lines += a.to_json() + "\n";
    std::lock_guard lock(mutex_);
    std::size_t written = 0;
    while (written < lines.size()) {
      const ssize_t n = ::write(fd_, lines.data() + written, lines.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return failed("write");
      written += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_) != 0) return failed("fsync");
    return {Verdict::delivered, "ok", "", std::nullopt};
  }

 private:
  DeliveryOutcome failed(const char* what) const {
    return {Verdict::retry, "io", fmt::format("cannot {} {}: {}", what, spec_.settings.get("path"), std::strerror(errno)), std::nullopt};
  }
  SinkSpec spec_;
  int fd_;
  std::mutex mutex_;
};

}  // namespace

SinkFactory file_sink_factory() {
  SinkFactory f;
  f.type = "file";
  f.description = "Alerts appended as JSON lines to a file (created if missing; fsynced before an alert counts as delivered).";
  f.settings = {{"path", SettingType::string, "", "file to append alerts to; relative paths are relative to the config file", true},
                {"concurrency", SettingType::integer, "1", "messages in flight at once"}};
  f.create = [](SinkSpec spec, const SinkContext&) -> Result<std::unique_ptr<Sink>> {
    const std::string& path = spec.settings.get("path");
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return make_error("sink.io", fmt::format("sink '{}': cannot open {}: {}", spec.id, path, std::strerror(errno)));
    return std::unique_ptr<Sink>(new FileSink(std::move(spec), fd));
  };
  return f;
}

}  // namespace sigflow::sinks
