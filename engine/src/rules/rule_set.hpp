#pragma once
// CompiledRuleSet: the immutable product of the rule compiler. Shared by pointer; the engine
// swaps a new set in atomically (reload) while evaluators finish with the old one.
//
// RuleEvaluator: per-thread evaluation state (Vectorscan scratch, hit buffers, extraction
// cache). Owned by one engine thread; never shared.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/diagnostic.hpp"
#include "rules/expression.hpp"
#include "rules/extractors.hpp"
#include "rules/rule_sources.hpp"
#include "sigflow/alert.hpp"
#include "sigflow/event.hpp"

struct hs_database;
struct hs_scratch;

namespace sigflow::rules {

struct CompiledList {
  std::string name;
  std::vector<std::string> entry_names;       // canonical names
  int first_entry = 0;                        // index into the set's global entry table
  std::unordered_set<std::string> exact;      // lower-cased term variants, for `FIELD in LIST`
};

// One Vectorscan literal: a script/width variant of a written term.
struct CompiledPattern {
  int entry = 0;            // global entry index
  std::string term;         // the term as written in the rule file
  std::size_t length = 0;   // bytes of the variant: a match starts `length` before its end
  bool word_start = false;  // begins with an ASCII word character: must follow a boundary
  bool word_end = false;    // ends with one: must precede a boundary
  bool positional = false;  // its list is used by near(): every occurrence is kept
};

// A summary or dedup-key template: literal text and {placeholders}.
struct Template {
  struct Part {
    bool placeholder = false;
    std::string text;  // literal text, or the placeholder name
  };
  std::vector<Part> parts;
};

struct ExtractSpec {
  enum class Kind { list, money, percent, date };
  std::string entity;
  Kind kind = Kind::list;
  int list_index = -1;
};

struct CompiledException {
  std::string name;
  Expr condition;
};

struct CompiledRule {
  std::string id;
  std::string description;
  std::string signal;
  Severity severity = Severity::info;
  std::map<std::string, std::string> labels;
  Expr condition;  // macros inlined, names and types resolved
  std::vector<CompiledException> exceptions;
  std::vector<ExtractSpec> extract;
  Template summary;
  Template dedup_key;  // empty: no dedup
  std::chrono::milliseconds dedup_ttl{0};
  bool enabled = true;
};


struct RuleSetParts {
  std::vector<CompiledList> lists;
  std::vector<int> entry_list;  // global entry index -> list index
  std::vector<CompiledPattern> patterns;
  std::vector<CompiledRule> rules;
  // Literal databases, each a slice of the patterns (Vectorscan id = pattern index). Large sets
  // are split so that compile time stays linear; each is scanned once per text field.
  std::vector<hs_database*> databases;
  // Text-field regexes compiled in Vectorscan's prefilter mode (a superset of RE2's matches):
  // Vectorscan id i fires trigger regex_trigger_base + i. Null when there are none.
  hs_database* regex_database = nullptr;
  int regex_trigger_base = 0;
  // Prefilter triggers: lists [0, lists) then prefiltered regexes. A rule is a candidate when
  // one of its required triggers fired; always_rules can fire without any.
  std::vector<std::vector<int>> rules_by_trigger;
  std::vector<int> always_rules;
  std::vector<RuleTestDef> tests;
  CurrencyRates rates;
  std::vector<std::string> files;
  std::string hash;  // of the files' contents and the rates: equal hashes, equal behaviour
};

class CompiledRuleSet {
 public:
  explicit CompiledRuleSet(RuleSetParts parts);
  ~CompiledRuleSet();
  CompiledRuleSet(const CompiledRuleSet&) = delete;
  CompiledRuleSet& operator=(const CompiledRuleSet&) = delete;

  const std::vector<CompiledList>& lists() const { return p_.lists; }
  const std::vector<CompiledRule>& rules() const { return p_.rules; }
  const std::vector<CompiledPattern>& patterns() const { return p_.patterns; }
  const std::vector<RuleTestDef>& tests() const { return p_.tests; }
  std::size_t entry_count() const { return p_.entry_list.size(); }
  int list_of_entry(int entry) const { return p_.entry_list[static_cast<std::size_t>(entry)]; }
  const std::vector<hs_database*>& databases() const { return p_.databases; }
  const hs_database* regex_database() const { return p_.regex_database; }
  int regex_trigger_base() const { return p_.regex_trigger_base; }
  const std::vector<int>& rules_by_trigger(int trigger) const { return p_.rules_by_trigger[static_cast<std::size_t>(trigger)]; }
  const std::vector<int>& always_rules() const { return p_.always_rules; }
  const Extractors& extractors() const { return extractors_; }
  const std::vector<std::string>& files() const { return p_.files; }
  // 16 hex digits of SHA-256 over the rule files and currency rates (sigflow_rules_info).
  const std::string& hash() const { return p_.hash; }
  // The dedup ttl of a rule (zero: no dedup, or no such rule).
  std::chrono::milliseconds dedup_ttl(const std::string& rule_id) const;
  // Unique per compiled set in this process (addresses can be reused after a reload).
  std::uint64_t serial() const { return serial_; }

 private:
  RuleSetParts p_;
  std::uint64_t serial_;
  std::map<std::string, std::chrono::milliseconds> dedup_ttls_;
  Extractors extractors_;
};

struct CompileOptions {
  CurrencyRates rates = default_currency_rates();
  // Literal patterns per Vectorscan database: Vectorscan's literal compile time grows faster
  // than linearly, so large sets are split into slices compiled in parallel.
  std::size_t patterns_per_database = 16384;
};

// What CompiledRuleSet::hash() of these sources compiled with these options will be: a reload
// compares it with the running set's to skip compiling unchanged files.
std::string rule_set_hash(const RuleSources& sources, const CompileOptions& options);

// Compiles loaded rule files: resolves lists, macros and fields, type-checks conditions and
// templates, expands terms into Simplified/Traditional and width variants (OpenCC, ICU) and
// builds Vectorscan literal databases (plus a prefilter database for text-field regexes). Errors are located diagnostics; warnings
// flag unused lists and macros and rules that can never fire.
LoadResult<std::shared_ptr<const CompiledRuleSet>> compile_rules(const RuleSources& sources, const CompileOptions& options = {});

// Loads and compiles in one step (what `rules check`, `rules test`, `replay` and `run` use).
LoadResult<std::shared_ptr<const CompiledRuleSet>> load_and_compile_rules(const std::vector<std::string>& paths,
                                                                          const CompileOptions& options = {});

// A human-readable rendering of a condition, for --explain.
std::string describe(const Expr& e, const CompiledRuleSet& set);

struct PatternHit {
  int pattern;
  std::uint8_t field;  // a TextField bit
  std::uint32_t end;   // byte offset just past the match in the scanned text
};

class RuleEvaluator {
 public:
  RuleEvaluator();
  ~RuleEvaluator();
  RuleEvaluator(const RuleEvaluator&) = delete;
  RuleEvaluator& operator=(const RuleEvaluator&) = delete;

  // Matches one event against every enabled rule. `fired_at` stamps the alerts. With
  // `explain`, every rule that was considered adds lines saying which tests held.
  Result<std::vector<Alert>> evaluate(const CompiledRuleSet& set, const Event& event, const std::string& fired_at,
                                      std::vector<std::string>* explain = nullptr);

 private:
  bool eval(const Expr& e) const;
  bool eval_near(const Expr& e) const;
  void matched_terms(const Expr& e, std::vector<MatchedTerm>& out) const;
  void trace(const Expr& e, int depth, std::vector<std::string>& out) const;
  const Extraction& extraction() const;
  std::vector<std::string> field_strings(const FieldRef& f) const;
  std::optional<double> field_number(const FieldRef& f) const;
  std::string render(const Template& t, const CompiledRule& rule, const Alert& alert) const;

  hs_scratch* scratch_ = nullptr;
  std::uint64_t scratch_for_ = 0;  // serial of the rule set scratch_ was last sized for
  const CompiledRuleSet* set_ = nullptr;
  const Event* event_ = nullptr;
  std::array<std::string, 3> normalized_;          // NFKC copies, when a field needed one
  std::array<std::string_view, 3> scanned_;        // the text each field was scanned as
  std::vector<std::uint8_t> entry_fields_;          // global entry -> fields it was found in
  std::vector<int> touched_entries_;                // entries with a non-zero mask, to reset
  std::vector<int> touched_triggers_;               // lists (and regex triggers) with a hit this event
  std::vector<PatternHit> hits_;                    // first hit per entry and field; every hit of positional patterns
  std::vector<std::uint32_t> candidate_mark_;       // rule index -> generation it was queued in
  std::uint32_t generation_ = 0;
  mutable std::optional<Extraction> extraction_;    // computed on first use per event

  friend int on_match(unsigned int, unsigned long long, unsigned long long, unsigned int, void*);
  friend int on_regex_match(unsigned int, unsigned long long, unsigned long long, unsigned int, void*);
};

}  // namespace sigflow::rules
