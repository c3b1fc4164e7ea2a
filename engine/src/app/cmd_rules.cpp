// sigflow rules check PATH...   sigflow rules test PATH... [--explain]
#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"
#include "rules/rule_tests.hpp"

namespace sigflow::app {
namespace {

std::size_t count_warnings(const std::vector<Diagnostic>& ds) {
  return static_cast<std::size_t>(std::count_if(ds.begin(), ds.end(), [](const Diagnostic& d) { return d.level == Diagnostic::Level::warning; }));
}

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

// Loads and compiles; prints diagnostics. nullptr when the rules have errors.
std::shared_ptr<const rules::CompiledRuleSet> load(const std::vector<std::string>& paths, std::vector<Diagnostic>& diagnostics) {
  auto result = rules::load_and_compile_rules(paths);
  diagnostics = std::move(result.diagnostics);
  report(diagnostics);
  return result.value ? *result.value : nullptr;
}

int check(const std::vector<std::string>& paths) {
  std::vector<Diagnostic> diagnostics;
  auto set = load(paths, diagnostics);
  const std::size_t warnings = count_warnings(diagnostics);
  if (!set) {
    fmt::print(stderr, "rules check: {}, {}\n", plural(diagnostics.size() - warnings, "error"), plural(warnings, "warning"));
    return kExitFailure;
  }
  fmt::print("rules check: ok: {}, {}, {} term patterns, {}{}\n", plural(set->rules().size(), "rule"), plural(set->lists().size(), "list"),
             set->patterns().size(), plural(set->tests().size(), "test"), warnings ? fmt::format(", {}", plural(warnings, "warning")) : "");
  return kExitOk;
}

int test(const std::vector<std::string>& paths, bool explain) {
  std::vector<Diagnostic> diagnostics;
  auto set = load(paths, diagnostics);
  if (!set) {
    fmt::print(stderr, "rules test: the rules have errors; fix them first (sigflow rules check)\n");
    return kExitFailure;
  }
  const auto results = rules::run_rule_tests(*set, explain);
  std::size_t failed = 0;
  for (const auto& r : results) {
    if (r.passed && !explain) continue;
    const auto& m = r.test->mark;
    fmt::print("{} {}:{}: test '{}'\n", r.passed ? "PASS" : "FAIL", m.file, m.line, r.test->name);
    for (const auto& p : r.problems) fmt::print("    {}\n", p);
    for (const auto& line : r.explain) fmt::print("    | {}\n", line);
    failed += r.passed ? 0 : 1;
  }
  fmt::print("{} passed, {} failed\n", results.size() - failed, failed);
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

Command add_rules_commands(CLI::App& app) {
  CLI::App* rules = app.add_subcommand("rules", "Check and test rule files.");
  rules->require_subcommand(1);
  auto paths = std::make_shared<std::vector<std::string>>();
  auto explain = std::make_shared<bool>(false);
  CLI::App* check_cmd = rules->add_subcommand("check", "Load and compile rule files; report errors as file:line:col.");
  check_cmd->add_option("paths", *paths, "rule files or directories of *.yaml")->required();
  CLI::App* test_cmd = rules->add_subcommand("test", "Run the inline tests of rule files; exit 1 if any fails.");
  test_cmd->add_option("paths", *paths, "rule files or directories of *.yaml")->required();
  test_cmd->add_flag("--explain", *explain, "show, for every test, which terms, conditions and exceptions matched");
  return [=]() -> std::optional<int> {
    if (check_cmd->parsed()) return check(*paths);
    if (test_cmd->parsed()) return test(*paths, *explain);
    return std::nullopt;
  };
}

}  // namespace sigflow::app
