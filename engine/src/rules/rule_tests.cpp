#include "rules/rule_tests.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sigflow::rules {
namespace {

bool entities_include(const Alert& a, const std::map<std::string, std::vector<std::string>>& want) {
  for (const auto& [name, values] : want) {
    auto it = a.entities.find(name);
    if (it == a.entities.end()) return false;
    for (const auto& v : values) {
      const bool found = std::any_of(it->second.begin(), it->second.end(), [&](const EntityValue& e) {
        if (e.text == v) return true;
        if (!e.number) return false;
        try {
          return std::abs(std::stod(v) - *e.number) <= 1e-9 * std::max(1.0, std::abs(*e.number));
        } catch (...) {
          return false;
        }
      });
      if (!found) return false;
    }
  }
  return true;
}

std::string describe_alert(const Alert& a) {
  std::vector<std::string> ents;
  for (const auto& [k, values] : a.entities) {
    std::vector<std::string> texts;
    for (const auto& v : values) texts.push_back(v.text);
    ents.push_back(fmt::format("{}=[{}]", k, fmt::join(texts, ", ")));
  }
  return fmt::format("{} ({}){}", a.signal, a.rule, ents.empty() ? "" : fmt::format(" {}", fmt::join(ents, " ")));
}

std::string describe_expected(const ExpectedAlert& e) {
  std::vector<std::string> ents;
  for (const auto& [k, values] : e.entities) ents.push_back(fmt::format("{}=[{}]", k, fmt::join(values, ", ")));
  return fmt::format("{}{}{}", e.signal, e.rule.empty() ? "" : fmt::format(" ({})", e.rule),
                     ents.empty() ? "" : fmt::format(" {}", fmt::join(ents, " ")));
}

}  // namespace

std::vector<RuleTestResult> run_rule_tests(const CompiledRuleSet& set, bool explain) {
  std::vector<RuleTestResult> results;
  RuleEvaluator evaluator;
  for (const RuleTestDef& test : set.tests()) {
    RuleTestResult r;
    r.test = &test;
    auto alerts = evaluator.evaluate(set, test.event, "1970-01-01T00:00:00.000Z", explain ? &r.explain : nullptr);
    if (!alerts) {
      r.problems.push_back(alerts.error().message);
      results.push_back(std::move(r));
      continue;
    }
    r.alerts = std::move(*alerts);
    for (const ExpectedAlert& want : test.expect) {
      const bool found = std::any_of(r.alerts.begin(), r.alerts.end(), [&](const Alert& a) {
        return a.signal == want.signal && (want.rule.empty() || a.rule == want.rule) && entities_include(a, want.entities);
      });
      if (!found) r.problems.push_back(fmt::format("expected {}, not raised", describe_expected(want)));
    }
    for (const Alert& a : r.alerts) {
      const bool expected = std::any_of(test.expect.begin(), test.expect.end(), [&](const ExpectedAlert& want) {
        return a.signal == want.signal && (want.rule.empty() || a.rule == want.rule);
      });
      if (!expected) r.problems.push_back(fmt::format("unexpected alert {}", describe_alert(a)));
    }
    r.passed = r.problems.empty();
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace sigflow::rules
