// Alerts as JSON lines on standard output, flushed per alert so pipes see them at once.
#include <cstdio>

#include <fmt/format.h>

#include "sinks/builtin_sinks.hpp"

namespace sigflow {
namespace {

class StdoutSink final : public Sink {
 public:
  explicit StdoutSink(SinkSpec spec) : spec_(std::move(spec)) {}
  const SinkSpec& spec() const override { return spec_; }

  Status write(const Alert& alert) override {
    std::string line = alert.to_json();
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
      return make_error("sink.io", "cannot write to standard output");
    }
    return Ok{};
  }

  Status flush() override {
    if (std::fflush(stdout) != 0) return make_error("sink.io", "cannot flush standard output");
    return Ok{};
  }

 private:
  SinkSpec spec_;
};

}  // namespace

SinkFactory stdout_sink_factory() {
  return {"stdout", "Alerts as JSON lines on standard output.", {},
          [](SinkSpec spec) -> Result<std::unique_ptr<Sink>> { return std::unique_ptr<Sink>(new StdoutSink(std::move(spec))); }};
}

}  // namespace sigflow
