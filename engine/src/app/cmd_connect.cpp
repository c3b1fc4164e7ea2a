// sigflow connect --config FILE [--once] | --list-types: run the sources alone; events go to
// stdout as CloudEvents JSON lines, or to the events topic in Kafka mode.
#include <CLI/CLI.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/settings_listing.hpp"
#include "app/startup.hpp"
#include "connectors.hpp"
#include "kafka/kafka_producer.hpp"
#include "runtime/standalone_runtime.hpp"
#include "runtime/stop_signals.hpp"
#include "sigflow/log.hpp"

namespace sigflow::app {
namespace {

// Every connector type with its settings (docs/connectors.md carries the Markdown form).
void list_types(bool markdown) {
  SourceRegistry registry;
  register_builtin_connectors(registry);
  static const SettingsTable common = {
      {"id", SettingType::string, "", "unique source id: letters, digits, '-', '_', '.'", true},
      {"type", SettingType::string, "", "the connector type", true},
      {"url", SettingType::url, "", "what to fetch (http(s)://, file://, or a path relative to the config file); webhook: where to listen", true},
      {"interval", SettingType::duration, "5m", "time between polls (at least 1s; failures back off)"},
  };
  std::vector<TypeListing> listing;
  for (const auto& f : registry.all()) listing.push_back({f.type, f.description, {&common, &f.settings}});
  print_type_listing(listing, markdown);
}

}  // namespace

Command add_connect_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("connect", "Run the sources only and print their events as CloudEvents JSON lines.");
  struct Options {
    std::string config;
    bool once = false;
    bool list_types = false;
    bool markdown = false;
    std::string log_level;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("-c,--config", opts->config, "configuration file (YAML); rules and sinks are not used")->envname("SIGFLOW_CONFIG");
  cmd->add_flag("--once", opts->once, "poll every source once, drain, and exit");
  cmd->add_flag("--list-types", opts->list_types, "list the connector types and their settings");
  cmd->add_flag("--markdown", opts->markdown, "with --list-types: Markdown tables (as in docs/connectors.md)");
  cmd->add_option("--log-level", opts->log_level, "trace, debug, info, warn, error, critical or off");
  return [cmd, opts]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    if (!opts->once && !opts->list_types) catch_stop_signals_early();
    if (opts->list_types) {
      list_types(opts->markdown);
      return kExitOk;
    }
    if (opts->config.empty()) {
      fmt::print(stderr, "error: --config is required (or set SIGFLOW_CONFIG); --list-types needs none\n");
      return kExitUsage;
    }
    auto startup = start_up(opts->config, opts->log_level, /*with_rules=*/false);
    if (!startup) return kExitUsage;
    Metrics metrics;
    const std::size_t source_count = startup->sources.size();
    // Kafka mode: events go to the events topic, and a source's state advances only after the
    // brokers acknowledged its events. Otherwise they are printed as JSON lines.
    std::unique_ptr<kafka::KafkaProducer> producer;
    std::unique_ptr<kafka::KafkaEventPublisher> publisher;
    std::string destination = "stdout";
    if (const auto& k = startup->config.kafka) {
      auto created = kafka::KafkaProducer::create(*k);
      if (!created) {
        fmt::print(stderr, "error: {}\n", created.error().message);
        return kExitUsage;
      }
      producer = std::move(*created);
      publisher = std::make_unique<kafka::KafkaEventPublisher>(*producer, k->topics.events);
      destination = "Kafka topic " + k->topics.events;
    }
    StandaloneRuntime runtime(startup->config, nullptr, std::move(startup->sources), {}, metrics, publisher.get());
    auto summarize = [&](const RunStats& s) {
      fmt::print(stderr, "sigflow connect: {} sources, {} polls ({} failed), {} events to {} in {:.2f}s\n", source_count, s.polls,
                 s.failed_polls, s.events, destination, s.seconds);
    };
    if (opts->once) {
      const RunStats stats = runtime.run_once();
      summarize(stats);
      return stats.failed_sources.empty() && stats.sink_errors == 0 ? kExitOk : kExitFailure;
    }
    // A failed Kafka delivery is final for this producer (nothing behind it can be acknowledged),
    // so the connector stops, like the engine: a restart resumes from the committed source state.
    std::atomic<bool> running{true};
    std::optional<std::string> kafka_failure;
    std::thread watchdog;
    if (producer) {
      watchdog = std::thread([&] {
        while (running.load()) {
          if (auto f = producer->failure()) {
            kafka_failure = *f;
            logger("connect")->error("stopping: {}; a restart resumes from the last events Kafka acknowledged", *f);
            runtime.request_stop();
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
      });
    }
    auto stats = runtime.run_until_stopped();
    running = false;
    if (watchdog.joinable()) watchdog.join();
    if (!stats) {
      fmt::print(stderr, "error: {}\n", stats.error().message);
      return kExitUsage;
    }
    summarize(*stats);
    if (kafka_failure) {
      fmt::print(stderr, "error: {}\n", *kafka_failure);
      return kExitFailure;
    }
    return stats->sink_errors == 0 ? kExitOk : kExitFailure;
  };
}

}  // namespace sigflow::app
