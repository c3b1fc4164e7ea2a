// sigflow rules check PATH...
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"

namespace sigflow::app {

Command add_rules_commands(CLI::App& app) {
  CLI::App* rules = app.add_subcommand("rules", "Work with rule files.");
  rules->require_subcommand(1);
  CLI::App* check = rules->add_subcommand("check", "Load and compile rule files; report errors as file:line:col.");
  auto paths = std::make_shared<std::vector<std::string>>();
  check->add_option("paths", *paths, "rule files or directories of *.yaml")->required();
  return [check, paths]() -> std::optional<int> {
    if (!check->parsed()) return std::nullopt;
    auto result = rules::load_and_compile_rules(*paths);
    const bool ok = report(result.diagnostics);
    std::size_t warnings = 0;
    for (const auto& d : result.diagnostics) warnings += d.level == Diagnostic::Level::warning ? 1 : 0;
    if (!ok) {
      std::size_t errors = result.diagnostics.size() - warnings;
      fmt::print(stderr, "rules check: {} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
      return kExitFailure;
    }
    const auto& set = **result.value;
    fmt::print("rules check: ok: {} rules, {} lists, {} term patterns{}\n", set.rules().size(), set.lists().size(),
               set.patterns().size(), warnings ? fmt::format(", {} warning{}", warnings, warnings == 1 ? "" : "s") : "");
    return kExitOk;
  };
}

}  // namespace sigflow::app
