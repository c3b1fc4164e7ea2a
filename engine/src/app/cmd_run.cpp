// sigflow run --config FILE [--once]
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"
#include "delivery/alert_delivery.hpp"
#include "kafka/kafka_engine.hpp"
#include "runtime/rule_reloader.hpp"
#include "runtime/standalone_runtime.hpp"
#include "runtime/stop_signals.hpp"
#include "sigflow/log.hpp"

namespace sigflow::app {
namespace {

void print_summary(const RunStats& s, std::size_t sources) {
  std::string by_signal;
  for (const auto& [signal, n] : s.alerts_by_signal) by_signal += fmt::format("{}{} {}", by_signal.empty() ? "" : ", ", signal, n);
  std::string delivery;
  if (s.undelivered > 0) delivery += fmt::format(", {} waiting in outboxes", s.undelivered);
  if (s.dead_lettered > 0) delivery += fmt::format(", {} dead-lettered (sigflow outbox list)", s.dead_lettered);
  fmt::print(stderr, "sigflow: {} sources, {} polls ({} failed), {} events, {} alerts{}{}, {} sink errors{} in {:.2f}s\n", sources,
             s.polls, s.failed_polls, s.events, s.alerts, by_signal.empty() ? "" : fmt::format(" ({})", by_signal),
             s.suppressed ? fmt::format(", {} repeat{} suppressed", s.suppressed, s.suppressed == 1 ? "" : "s") : "", s.sink_errors,
             delivery, s.seconds);
}

}  // namespace

Command add_run_command(CLI::App& app) {
  CLI::App* run = app.add_subcommand("run", "Run sources, rules and sinks (standalone mode: one process, in-process bus).");
  struct Options {
    std::string config;
    bool once = false;
    std::string log_level;
  };
  auto opts = std::make_shared<Options>();
  run->add_option("-c,--config", opts->config, "configuration file (YAML)")->envname("SIGFLOW_CONFIG")->required();
  run->add_flag("--once", opts->once, "poll every source once, drain, and exit");
  run->add_option("--log-level", opts->log_level, "trace, debug, info, warn, error, critical or off");
  return [run, opts]() -> std::optional<int> {
    if (!run->parsed()) return std::nullopt;
    if (!opts->once) catch_stop_signals_early();  // a SIGTERM while rules compile still shuts down cleanly
    auto startup = start_up(opts->config, opts->log_level);
    if (!startup) return kExitUsage;
    Metrics metrics;
    auto delivery = delivery::AlertDelivery::create(startup->config, std::move(startup->sinks), metrics);
    if (!delivery) {
      fmt::print(stderr, "error: {}\n", delivery.error().message);
      return kExitUsage;
    }
    if (!(*delivery)->durable()) {
      const bool only_stdout = std::all_of(startup->config.sinks.begin(), startup->config.sinks.end(),
                                           [](const SinkSpec& s) { return s.type == "stdout"; });
      auto log = logger("run");
      log->log(only_stdout ? spdlog::level::info : spdlog::level::warn,
               "no state.dir: alerts wait for delivery in memory and are lost if sigflow stops before delivering them");
    }
    if (startup->config.kafka && opts->once) {
      fmt::print(stderr, "error: --once is for standalone mode; in Kafka mode the engine consumes until stopped\n");
      return kExitUsage;
    }
    LiveRules live(startup->rules);
    std::optional<RuleReloader> reloader;  // a --once run has nothing to reload
    std::vector<AdminRoute> routes;
    if (!opts->once) {
      reloader.emplace(startup->config, [file = opts->config] { return read_config(file, true); }, live, metrics, !opts->log_level.empty());
      reloader->start();
      routes = reloader->admin_routes();
    }
    if (startup->config.kafka) {
      kafka::KafkaEngine engine(startup->config, live, std::move(*delivery), metrics, std::move(routes));
      auto stats = engine.run_until_stopped();
      if (!stats) {
        fmt::print(stderr, "error: {}\n", stats.error().message);
        return kExitFailure;
      }
      fmt::print(stderr, "sigflow: {} events, {} alerts, {} dead letters, {} sink errors in {:.2f}s\n", stats->events, stats->alerts,
                 stats->dead_letters, stats->sink_errors, stats->seconds);
      return stats->sink_errors > 0 ? kExitFailure : kExitOk;
    }
    const std::size_t source_count = startup->sources.size();
    if (source_count == 0) logger("run")->warn("no sources configured: nothing will be polled");
    StandaloneRuntime runtime(startup->config, &live, std::move(startup->sources), std::move(*delivery), metrics, nullptr, std::move(routes));
    if (opts->once) {
      const RunStats stats = runtime.run_once();
      print_summary(stats, source_count);
      if (!stats.failed_sources.empty() || stats.sink_errors > 0 || stats.evaluation_errors > 0 || stats.dead_lettered > 0 ||
          stats.undelivered > 0) {
        return kExitFailure;
      }
      return kExitOk;
    }
    auto stats = runtime.run_until_stopped();
    if (!stats) {
      fmt::print(stderr, "error: {}\n", stats.error().message);
      return kExitUsage;
    }
    print_summary(*stats, source_count);
    return stats->sink_errors > 0 ? kExitFailure : kExitOk;
  };
}

}  // namespace sigflow::app
