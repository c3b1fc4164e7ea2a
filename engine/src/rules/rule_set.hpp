#pragma once
// CompiledRuleSet: the immutable product of RuleCompiler. Shared by pointer; the engine swaps
// a new set in atomically (reload) while evaluators finish with the old one.
//
// RuleEvaluator: per-thread evaluation state (Vectorscan scratch, hit buffers). Owned by one
// engine thread; never shared.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "rules/expression.hpp"
#include "rules/rule_sources.hpp"
#include "sigflow/alert.hpp"
#include "sigflow/event.hpp"

struct hs_database;
struct hs_scratch;

namespace sigflow::rules {

struct CompiledList {
  std::string name;
  std::vector<std::string> entry_names;  // canonical names
  int first_entry = 0;                   // index into the set's global entry table
};

// One Vectorscan pattern: a script/width variant of a written term.
struct CompiledPattern {
  int entry = 0;            // global entry index
  std::string term;         // the term as written in the rule file
};

struct SummaryTemplate {
  struct Part {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder name
  };
  std::vector<Part> parts;
};

struct CompiledRule {
  std::string id;
  std::string description;
  std::string signal;
  Severity severity = Severity::info;
  std::map<std::string, std::string> labels;
  Expr condition;  // macros inlined, lists resolved
  std::vector<std::pair<std::string, int>> extract;  // entity -> list index
  SummaryTemplate summary;
  bool enabled = true;
};

class CompiledRuleSet {
 public:
  CompiledRuleSet(std::vector<CompiledList> lists, std::vector<int> entry_list,
                  std::vector<CompiledPattern> patterns, std::vector<CompiledRule> rules, hs_database* db);
  ~CompiledRuleSet();
  CompiledRuleSet(const CompiledRuleSet&) = delete;
  CompiledRuleSet& operator=(const CompiledRuleSet&) = delete;

  const std::vector<CompiledList>& lists() const { return lists_; }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<CompiledPattern>& patterns() const { return patterns_; }
  std::size_t entry_count() const { return entry_list_.size(); }
  int list_of_entry(int entry) const { return entry_list_[static_cast<std::size_t>(entry)]; }
  const hs_database* database() const { return db_; }

 private:
  std::vector<CompiledList> lists_;
  std::vector<int> entry_list_;  // global entry index -> list index
  std::vector<CompiledPattern> patterns_;
  std::vector<CompiledRule> rules_;
  hs_database* db_;  // null when the set has no terms
};

// Compiles loaded rule files: resolves lists and macros, type-checks conditions and summary
// templates, expands terms into Simplified/Traditional variants (OpenCC) and builds one
// Vectorscan database. Errors are located diagnostics; warnings flag unused lists and macros.
LoadResult<std::shared_ptr<const CompiledRuleSet>> compile_rules(const RuleSources& sources);

// Loads and compiles in one step (what `rules check` and `run` use).
LoadResult<std::shared_ptr<const CompiledRuleSet>> load_and_compile_rules(const std::vector<std::string>& paths);

struct PatternHit {
  int pattern;
  std::uint8_t field;  // a TextField bit
};

class RuleEvaluator {
 public:
  RuleEvaluator();
  ~RuleEvaluator();
  RuleEvaluator(const RuleEvaluator&) = delete;
  RuleEvaluator& operator=(const RuleEvaluator&) = delete;

  // Matches one event against every enabled rule. `fired_at` stamps the alerts.
  Result<std::vector<Alert>> evaluate(const CompiledRuleSet& set, const Event& event, const std::string& fired_at);

 private:
  bool eval(const Expr& e) const;
  void explain(const Expr& e, const CompiledRuleSet& set, std::vector<MatchedTerm>& out) const;

  hs_scratch* scratch_ = nullptr;
  std::vector<std::uint8_t> entry_fields_;  // global entry -> mask of fields it was found in
  std::vector<PatternHit> hits_;
  const CompiledRuleSet* current_ = nullptr;
};

}  // namespace sigflow::rules
