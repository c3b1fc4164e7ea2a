#include "app/startup.hpp"

#include <fmt/format.h>

#include "connectors.hpp"
#include "runtime/rule_reloader.hpp"
#include "sigflow/log.hpp"
#include "sinks/builtin_sinks.hpp"

namespace sigflow::app {

bool report(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) fmt::print(stderr, "{}\n", format_diagnostic(d));
  return !has_errors(diagnostics);
}

LoadResult<AppConfig> read_config(const std::string& config_file, bool require_rules) {
  SourceRegistry sources;
  register_builtin_connectors(sources);
  SinkRegistry sinks;
  register_builtin_sinks(sinks);
  return load_app_config(config_file, sources, sinks, sigflow_environment(), require_rules);
}

std::optional<AppConfig> load_config(const std::string& config_file, bool require_rules) {
  auto loaded = read_config(config_file, require_rules);
  if (!report(loaded.diagnostics)) return std::nullopt;
  return std::move(*loaded.value);
}

std::shared_ptr<const rules::CompiledRuleSet> compile_configured_rules(const AppConfig& config) {
  auto compiled = rules::load_and_compile_rules(config.rule_paths, rule_compile_options(config));
  if (!report(compiled.diagnostics)) return nullptr;
  return std::move(*compiled.value);
}

std::optional<Startup> start_up(const std::string& config_file, const std::string& log_level_override, bool with_rules) {
  Startup s;
  register_builtin_connectors(s.registry);
  register_builtin_sinks(s.sink_factories);
  auto config = load_config(config_file, with_rules);
  if (!config) return std::nullopt;
  s.config = std::move(*config);
  const std::string level = log_level_override.empty() ? s.config.log_level : log_level_override;
  set_log_format(s.config.log_format);
  if (!set_log_level(level)) {
    fmt::print(stderr, "error: unknown log level '{}' (use trace, debug, info, warn, error, critical or off)\n", level);
    return std::nullopt;
  }
  if (with_rules) {
    logger("run")->info("compiling the rules of {} path{}", s.config.rule_paths.size(), s.config.rule_paths.size() == 1 ? "" : "s");
    s.rules = compile_configured_rules(s.config);
    if (!s.rules) return std::nullopt;
  }

  if (with_rules && s.config.kafka) {
    if (!s.config.sources.empty()) logger("run")->info("Kafka mode: sources run in `sigflow connect`; this engine consumes {}", s.config.kafka->topics.events);
    s.config.sources.clear();
  }
  s.http = make_curl_http_client({.max_per_host = s.config.fetch_per_host});
  if (s.config.state.dir.empty() || s.config.sources.empty()) {  // only sources keep state
    s.state = make_memory_state_store(s.config.state.memory_items);
  } else {
    auto store = open_rocksdb_state_store(s.config.state.dir + "/sources", s.config.state.retention);
    if (!store) {
      fmt::print(stderr, "error: {}\n", store.error().message);
      return std::nullopt;
    }
    s.state = std::move(*store);
  }
  SourceDeps deps{*s.http, *s.state};
  for (const SourceSpec& spec : s.config.sources) {
    auto source = s.registry.find(spec.type)->create(spec, deps);
    if (!source) {
      fmt::print(stderr, "error: {}\n", source.error().message);
      return std::nullopt;
    }
    s.sources.push_back(std::move(*source));
  }
  s.delivery_http = make_curl_http_client({.max_per_host = 64});
  SinkContext sink_context{*s.delivery_http, s.config.kafka ? s.config.kafka->properties : std::map<std::string, std::string>{}};
  for (const SinkSpec& spec : with_rules ? s.config.sinks : std::vector<SinkSpec>{}) {
    auto sink = s.sink_factories.find(spec.type)->create(spec, sink_context);
    if (!sink) {
      fmt::print(stderr, "error: {}\n", sink.error().message);
      return std::nullopt;
    }
    s.sinks.push_back(std::move(*sink));
  }
  return s;
}

}  // namespace sigflow::app
