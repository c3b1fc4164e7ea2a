#pragma once
// Start-up steps shared by subcommands: logging, config and rule loading with diagnostics
// printed to stderr, and building sources and sinks from their factories.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/app_config.hpp"
#include "rules/rule_set.hpp"
#include "sigflow/http_client.hpp"
#include "sigflow/sink.hpp"
#include "sigflow/source.hpp"
#include "sigflow/state_store.hpp"

namespace sigflow::app {

// Prints diagnostics to stderr; returns true when there were no errors.
bool report(const std::vector<Diagnostic>& diagnostics);

struct Startup {
  SourceRegistry registry;
  SinkRegistry sink_factories;
  AppConfig config;
  std::shared_ptr<const rules::CompiledRuleSet> rules;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<StateStore> state;  // outlives the sources that hold its SourceStates
  std::vector<std::unique_ptr<Source>> sources;
  std::unique_ptr<HttpClient> delivery_http;  // the HTTP sinks' client; outlives the sinks
  std::vector<std::unique_ptr<Sink>> sinks;     // for delivery::AlertDelivery::create
};

// The configuration validated against the built-in connectors and sinks, with its diagnostics.
LoadResult<AppConfig> read_config(const std::string& config_file, bool require_rules);
// The same, or nullopt after printing the diagnostics.
std::optional<AppConfig> load_config(const std::string& config_file, bool require_rules);

// The rules of `config` compiled with its currency rates, or nullptr after printing the
// diagnostics (warnings are printed either way).
std::shared_ptr<const rules::CompiledRuleSet> compile_configured_rules(const AppConfig& config);

// Everything `run` (with_rules) or `connect` (without) needs, or nullopt after printing what
// to fix. In Kafka mode `run` builds no sources (`connect` runs them, and owns their state).
std::optional<Startup> start_up(const std::string& config_file, const std::string& log_level_override, bool with_rules = true);

}  // namespace sigflow::app
