// sigflow config check --config FILE [--no-rules]
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"

namespace sigflow::app {
namespace {

// What `run` would load, without starting anything: the config with its environment
// overrides, then the rules. Exit 0 when both are valid, 2 otherwise.
int check(const std::string& file, bool with_rules) {
  auto config = load_config(file, with_rules);
  if (!config) {
    fmt::print(stderr, "config check: {} has errors\n", file);
    return kExitUsage;
  }
  std::string rules = "rules not checked";
  if (with_rules) {
    const auto compiled = compile_configured_rules(*config);
    if (!compiled) {
      fmt::print(stderr, "config check: the rules of {} have errors\n", file);
      return kExitUsage;
    }
    rules = fmt::format("{} rules (hash {})", compiled->rules().size(), compiled->hash());
  }
  fmt::print("config check: ok: {} mode, {} sources, {} sinks, {} routes, {}\n", config->kafka ? "Kafka" : "standalone",
             config->sources.size(), config->sinks.size(), config->routes.size(), rules);
  return kExitOk;
}

}  // namespace

Command add_config_commands(CLI::App& app) {
  CLI::App* config = app.add_subcommand("config", "Check configuration files.");
  config->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto no_rules = std::make_shared<bool>(false);
  CLI::App* check_cmd = config->add_subcommand("check", "Validate a config file (with SIGFLOW_* overrides) and compile its rules, as `run` would.");
  check_cmd->add_option("-c,--config", *file, "configuration file (YAML)")->envname("SIGFLOW_CONFIG")->required();
  check_cmd->add_flag("--no-rules", *no_rules, "skip the rules (a config only `sigflow connect` uses)");
  return [=]() -> std::optional<int> {
    if (check_cmd->parsed()) return check(*file, !*no_rules);
    return std::nullopt;
  };
}

}  // namespace sigflow::app
