#pragma once
// Runs the inline `tests:` of rule files against a compiled rule set (`sigflow rules test`).
#include <string>
#include <vector>

#include "rules/rule_set.hpp"

namespace sigflow::rules {

struct RuleTestResult {
  const RuleTestDef* test = nullptr;
  bool passed = false;
  std::vector<std::string> problems;  // what differed, one line each
  std::vector<Alert> alerts;          // what fired
  std::vector<std::string> explain;   // with explain: the evaluation trace
};

// Each test runs alone (no dedup state between tests). An expected alert matches a fired one
// with the same signal (and rule, when given) whose entities include every listed value. A
// fired alert is unexpected unless an expectation names its signal (and, when that expectation
// names a rule, its rule too), so silence is asserted by `expect: []`.
std::vector<RuleTestResult> run_rule_tests(const CompiledRuleSet& set, bool explain);

}  // namespace sigflow::rules
