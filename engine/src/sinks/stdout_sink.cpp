// Alerts as JSON lines on standard output, flushed per message so pipes see them at once.
#include <cstdio>
#include <mutex>

#include "sinks/builtin_sinks.hpp"

namespace sigflow::sinks {
namespace {

class StdoutSink final : public Sink {
 public:
  explicit StdoutSink(SinkSpec spec) : spec_(std::move(spec)) {}
  const SinkSpec& spec() const override { return spec_; }

  DeliveryOutcome deliver(const Delivery& d) override {
    std::string lines;
    for (const auto& a : d.alerts) lines += a.to_json() + "\n";
    std::lock_guard lock(mutex_);
    if (std::fwrite(lines.data(), 1, lines.size(), stdout) != lines.size() || std::fflush(stdout) != 0) {
      return {Verdict::retry, "io", "cannot write to standard output", std::nullopt};
    }
    return {Verdict::delivered, "ok", "", std::nullopt};
  }

 private:
  SinkSpec spec_;
  std::mutex mutex_;
};

}  // namespace

SinkFactory stdout_sink_factory() {
  SinkFactory f;
  f.type = "stdout";
  f.description = "Alerts as JSON lines on standard output.";
  f.settings = {{"concurrency", SettingType::integer, "1", "messages in flight at once"}};
  f.create = [](SinkSpec spec, const SinkContext&) -> Result<std::unique_ptr<Sink>> { return std::unique_ptr<Sink>(new StdoutSink(std::move(spec))); };
  return f;
}

}  // namespace sigflow::sinks
