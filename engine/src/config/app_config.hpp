#pragma once
// The sigflow configuration file (docs/configuration.md): sources, rules, sinks, admin, bus,
// log, reload. Loaded at start-up and again at each reload; every problem is a located
// diagnostic naming the key.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "delivery/alert_router.hpp"
#include "kafka/kafka_config.hpp"
#include "sigflow/sink.hpp"
#include "sigflow/source.hpp"

namespace sigflow {

struct AdminConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";
  std::uint16_t port = 9464;  // 0 picks a free port (logged at start-up)
  // Bearer token for POST endpoints (may be a ${env:} or ${file:} secret); empty: POST only on
  // a loopback address.
  std::string token;
};

struct StateConfig {
  std::string dir;  // absolute; empty: in memory only (state is lost at exit)
  std::chrono::seconds retention{std::chrono::hours(24 * 90)};
  std::size_t memory_items = 100000;  // per source, without a dir
};

struct ReloadConfig {
  bool watch = true;  // reload when the config file or a rule file changes (inotify)
  std::chrono::milliseconds debounce{1000};  // quiet time after the last change before reloading
};

struct AppConfig {
  std::string file;
  std::vector<SourceSpec> sources;
  std::vector<std::string> rule_paths;  // absolute
  std::vector<SinkSpec> sinks;
  std::vector<delivery::Route> routes;  // empty: every alert to every sink
  // At shutdown and at the end of --once, how long to wait for outboxes to empty.
  std::chrono::milliseconds drain_timeout{10'000};
  AdminConfig admin;
  StateConfig state;
  ReloadConfig reload;
  std::size_t bus_capacity = 1024;
  std::size_t fetch_workers = 4;
  std::size_t fetch_per_host = 2;  // requests to one host at once
  std::string log_level = "info";
  std::string log_format = "text";  // text or json
  std::optional<KafkaConfig> kafka;  // set: Kafka mode (connect produces, run consumes)
  // US dollars per unit of a currency, overriding the built-in table (amount_usd).
  std::map<std::string, double> currency_rates;
};

// SIGFLOW_* environment variables by name: a snapshot, so tests can pass their own.
using Environment = std::map<std::string, std::string>;
Environment sigflow_environment();

// Loads `file`, validates sources and sinks against their factories' settings tables, then
// applies SIGFLOW_* environment overrides (see docs/configuration.md).
// `require_rules` is false for `sigflow connect`, which runs sources only.
LoadResult<AppConfig> load_app_config(const std::string& file, const SourceRegistry& sources,
                                      const SinkRegistry& sinks, const Environment& env, bool require_rules = true);

}  // namespace sigflow
