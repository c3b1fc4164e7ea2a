// sigflow kafka init --config FILE: create the events, alerts and dead-letter topics with the
// configured partitions, replication factor and retention, and report what exists.
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"
#include "kafka/kafka_client.hpp"

namespace sigflow::app {

Command add_kafka_commands(CLI::App& app) {
  CLI::App* kafka = app.add_subcommand("kafka", "Kafka administration.");
  kafka->require_subcommand(1);
  CLI::App* init = kafka->add_subcommand("init", "Create the sigflow topics (events, alerts, dead letters) if missing.");
  auto config = std::make_shared<std::string>();
  auto timeout = std::make_shared<int>(30);
  init->add_option("-c,--config", *config, "configuration file with a kafka: section")->envname("SIGFLOW_CONFIG")->required();
  init->add_option("--timeout", *timeout, "seconds to wait for the cluster")->capture_default_str();
  return [init, config, timeout]() -> std::optional<int> {
    if (!init->parsed()) return std::nullopt;
    auto loaded = load_config(*config, /*require_rules=*/false);
    if (!loaded) return kExitUsage;
    if (!loaded->kafka) {
      fmt::print(stderr, "error: {} has no kafka: section (or set SIGFLOW_KAFKA_BROKERS)\n", *config);
      return kExitUsage;
    }
    const KafkaConfig& k = *loaded->kafka;
    auto reports = kafka::create_topics(k, std::chrono::seconds(*timeout));
    if (!reports) {
      fmt::print(stderr, "error: {}\n", reports.error().message);
      return kExitFailure;
    }
    bool ok = true;
    fmt::print("{:<32} {}\n", "topic", "outcome");
    for (const auto& r : *reports) {
      fmt::print("{:<32} {}\n", r.topic, r.outcome);
      ok = ok && r.ok;
    }
    fmt::print(stderr, "sigflow kafka init: {} partitions, replication factor {}, retention {}h\n", k.partitions, k.replication_factor,
               std::chrono::duration_cast<std::chrono::hours>(k.retention).count());
    return ok ? kExitOk : kExitFailure;
  };
}

}  // namespace sigflow::app
