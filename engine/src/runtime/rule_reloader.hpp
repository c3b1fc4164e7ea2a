#pragma once
// RuleReloader: replaces the live rule set while sigflow runs, on SIGHUP, when the config file
// or a rule file changes (inotify, debounced by reload.debounce) and on POST /-/reload.
//
// A reload re-reads the config file (rule paths, currency rates and log level apply at once),
// loads the rule files and, unless their contents are unchanged, compiles them on the
// reloader's own thread, then swaps the set in (LiveRules). Any error keeps the running set:
// each diagnostic is logged as file:line:col, and sigflow_rules_last_reload_success turns 0.
// Other config changes (sources, sinks, routes, kafka, admin, ...) cannot apply to a running
// process: they are logged and raise sigflow_config_restart_required. Asio stays in the .cpp.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/app_config.hpp"
#include "metrics/metrics.hpp"
#include "runtime/admin_endpoint.hpp"
#include "runtime/live_rules.hpp"

namespace sigflow {

struct ReloadOutcome {
  enum class Kind { reloaded, unchanged, failed };
  Kind kind = Kind::unchanged;
  std::string hash;  // of the set running afterwards
  std::size_t rules = 0;
  double seconds = 0;
  std::vector<std::string> errors;            // file:line:col: message, when failed
  std::vector<std::string> restart_required;  // config sections changed since start-up
};

// Reads the config file again, with the same environment overrides as at start-up.
using ConfigReader = std::function<LoadResult<AppConfig>()>;

// Compile options from the config (its currency_rates over the built-in table).
rules::CompileOptions rule_compile_options(const AppConfig& config);

class RuleReloader {
 public:
  // `config` is the running configuration; `keep_log_level` when --log-level overrides the
  // file's. Records the initial set's metrics.
  RuleReloader(const AppConfig& config, ConfigReader read_config, LiveRules& live, Metrics& metrics, bool keep_log_level);
  ~RuleReloader();  // stops watching; SIGHUP is ignored from then on
  RuleReloader(const RuleReloader&) = delete;
  RuleReloader& operator=(const RuleReloader&) = delete;

  // Starts the watcher thread: SIGHUP always, file changes when reload.watch is on.
  void start();
  // Reloads now (serialised with the watcher's reloads). `trigger` is logged.
  ReloadOutcome reload(const std::string& trigger);
  // POST /-/reload (200 with the outcome, 422 with the errors) and GET /rules (the loaded
  // rules with their hit counts).
  std::vector<AdminRoute> admin_routes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow
