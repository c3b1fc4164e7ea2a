#include <hs/hs.h>
#include <opencc/opencc.h>

#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/yaml_reader.hpp"
#include "rules/rule_set.hpp"

namespace sigflow::rules {
namespace {

// Script variants of a term through OpenCC: a term written in either script also matches its
// Simplified, Traditional, Taiwan and Hong Kong forms. Events are never converted.
class ScriptVariants {
 public:
  ScriptVariants() {
    for (const char* config : {"t2s.json", "s2t.json", "s2tw.json", "s2twp.json", "s2hk.json"}) {
      opencc_t h = opencc_open(config);
      if (h == reinterpret_cast<opencc_t>(-1)) {
        error_ = fmt::format("cannot open OpenCC config {} (install the opencc package)", config);
        return;
      }
      handles_.push_back(h);
    }
  }
  ~ScriptVariants() {
    for (opencc_t h : handles_) opencc_close(h);
  }
  ScriptVariants(const ScriptVariants&) = delete;
  ScriptVariants& operator=(const ScriptVariants&) = delete;

  const std::string& error() const { return error_; }

  std::vector<std::string> of(const std::string& term) const {
    std::vector<std::string> out{term};
    const bool ascii = std::all_of(term.begin(), term.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii || !error_.empty()) return out;
    const std::string simplified = convert(handles_[0], term);
    add(out, simplified);
    for (std::size_t i = 1; i < handles_.size(); ++i) {
      add(out, convert(handles_[i], term));
      add(out, convert(handles_[i], simplified));
    }
    return out;
  }

 private:
  static void add(std::vector<std::string>& out, std::string v) {
    if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  }
  static std::string convert(opencc_t h, const std::string& text) {
    char* converted = opencc_convert_utf8(h, text.data(), text.size());
    if (converted == nullptr) return {};
    std::string s(converted);
    opencc_convert_utf8_free(converted);
    return s;
  }
  std::vector<opencc_t> handles_;
  std::string error_;
};

bool is_ascii_word(unsigned char c) { return std::isalnum(c) || c == '_'; }

// A literal term as a Vectorscan regex: punctuation escaped, whitespace runs match any
// whitespace, and ASCII word characters at either end must sit on a word boundary so "AWS"
// does not match inside "laws" (CJK neighbours count as boundaries).
std::string term_pattern(const std::string& term) {
  std::string p;
  std::size_t begin = term.find_first_not_of(" \t\n");
  std::size_t end = term.find_last_not_of(" \t\n");
  if (begin == std::string::npos) return p;
  if (is_ascii_word(static_cast<unsigned char>(term[begin]))) p += "\\b";
  bool in_space = false;
  for (std::size_t i = begin; i <= end; ++i) {
    const auto c = static_cast<unsigned char>(term[i]);
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!in_space) p += "\\s+";
      in_space = true;
      continue;
    }
    in_space = false;
    if (c >= 0x80 || std::isalnum(c)) p.push_back(static_cast<char>(c));
    else {
      p.push_back('\\');
      p.push_back(static_cast<char>(c));
    }
  }
  if (is_ascii_word(static_cast<unsigned char>(term[end]))) p += "\\b";
  return p;
}

const std::set<std::string>& builtin_placeholders() {
  static const std::set<std::string> names{"title", "url", "source", "time", "signal", "rule"};
  return names;
}

class Compiler {
 public:
  explicit Compiler(const RuleSources& src) : src_(src) {}

  LoadResult<std::shared_ptr<const CompiledRuleSet>> run() {
    if (!variants_.error().empty()) {
      error({}, "rules.opencc", variants_.error());
      return finish(nullptr);
    }
    index_lists();
    index_macros();
    std::vector<CompiledRule> rules;
    std::set<std::string> rule_ids;
    for (const RuleDef& def : src_.rules) {
      if (!rule_ids.insert(def.id).second) {
        error(def.mark, "rules.duplicate_id", fmt::format("duplicate rule id '{}'", def.id));
        continue;
      }
      rules.push_back(compile_rule(def));
    }
    if (has_errors(diagnostics_)) return finish(nullptr);  // "unused" would be noise next to errors
    warn_unused();
    hs_database_t* db = build_database();
    if (has_errors(diagnostics_)) return finish(nullptr);
    return finish(std::make_shared<const CompiledRuleSet>(std::move(lists_), std::move(entry_list_),
                                                          std::move(patterns_), std::move(rules), db));
  }

 private:
  LoadResult<std::shared_ptr<const CompiledRuleSet>> finish(std::shared_ptr<const CompiledRuleSet> set) {
    LoadResult<std::shared_ptr<const CompiledRuleSet>> r;
    if (set) r.value = std::move(set);
    r.diagnostics = std::move(diagnostics_);
    return r;
  }

  void error(const SourceMark& at, std::string code, std::string message) {
    diagnostics_.push_back(error_at(at, std::move(code), std::move(message)));
  }
  void warning(const SourceMark& at, std::string code, std::string message) {
    diagnostics_.push_back(warning_at(at, std::move(code), std::move(message)));
  }

  void index_lists() {
    for (const ListDef& def : src_.lists) {
      if (list_index_.contains(def.name)) {
        error(def.mark, "rules.duplicate_list", fmt::format("duplicate list '{}' (list names are shared across files)", def.name));
        continue;
      }
      const int index = static_cast<int>(lists_.size());
      list_index_[def.name] = index;
      list_marks_.push_back(def.mark);
      CompiledList list{def.name, {}, static_cast<int>(entry_list_.size())};
      for (const ListEntryDef& entry : def.entries) {
        const int entry_index = static_cast<int>(entry_list_.size());
        entry_list_.push_back(index);
        list.entry_names.push_back(entry.name);
        for (const std::string& term : entry.terms) {
          for (const std::string& variant : variants_.of(term)) {
            const std::string pattern = term_pattern(variant);
            if (pattern.empty()) continue;
            patterns_.push_back({entry_index, term});
            expressions_.push_back(pattern);
            pattern_marks_.push_back(entry.mark);
          }
        }
      }
      lists_.push_back(std::move(list));
    }
  }

  void index_macros() {
    for (const MacroDef& def : src_.macros) {
      if (macros_.contains(def.name)) {
        error(def.mark, "rules.duplicate_macro", fmt::format("duplicate macro '{}' (macro names are shared across files)", def.name));
        continue;
      }
      macros_.emplace(def.name, &def);
    }
  }

  // Parses a condition and resolves names; macros are inlined (recursion is an error).
  std::optional<Expr> resolve_condition(const std::string& text, const SourceMark& mark, std::vector<std::string>& stack) {
    ParseOutcome parsed = parse_expression(text);
    if (!parsed.errors.empty()) {
      error(offset_mark(mark, parsed.errors[0].offset), "rules.syntax", parsed.errors[0].message);
      return std::nullopt;
    }
    Expr e = std::move(parsed.expr[0]);
    if (!resolve(e, text, mark, stack)) return std::nullopt;
    return e;
  }

  bool resolve(Expr& e, const std::string& text, const SourceMark& mark, std::vector<std::string>& stack) {
    switch (e.kind) {
      case Expr::Kind::and_:
      case Expr::Kind::or_:
      case Expr::Kind::not_: {
        bool ok = true;
        for (Expr& c : e.children) ok = resolve(c, text, mark, stack) && ok;
        return ok;
      }
      case Expr::Kind::any:
      case Expr::Kind::all: {
        auto it = list_index_.find(e.name);
        if (it == list_index_.end()) {
          error(offset_mark(mark, e.offset), "rules.unknown_list", fmt::format("unknown list '{}'{}", e.name, suggestion(e.name, list_index_)));
          return false;
        }
        e.list_index = it->second;
        used_lists_.insert(e.name);
        return true;
      }
      case Expr::Kind::macro: {
        auto it = macros_.find(e.name);
        if (it == macros_.end()) {
          std::string hint = list_index_.contains(e.name) ? fmt::format(" ('{}' is a list: write any({}))", e.name, e.name)
                                                          : suggestion(e.name, macros_);
          error(offset_mark(mark, e.offset), "rules.unknown_macro", fmt::format("unknown macro '{}'{}", e.name, hint));
          return false;
        }
        if (std::find(stack.begin(), stack.end(), e.name) != stack.end()) {
          error(offset_mark(mark, e.offset), "rules.macro_cycle", fmt::format("macro '{}' refers to itself", e.name));
          return false;
        }
        used_macros_.insert(e.name);
        stack.push_back(e.name);
        auto inlined = resolve_condition(it->second->condition, it->second->condition_mark, stack);
        stack.pop_back();
        if (!inlined) return false;
        e = std::move(*inlined);
        return true;
      }
    }
    return false;
  }

  template <typename Map>
  static std::string suggestion(const std::string& name, const Map& known) {
    // Closest known name by edit distance, offered when it is a plausible typo.
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& [candidate, unused] : known) {
      std::vector<std::size_t> prev(candidate.size() + 1), cur(candidate.size() + 1);
      for (std::size_t j = 0; j <= candidate.size(); ++j) prev[j] = j;
      for (std::size_t i = 1; i <= name.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= candidate.size(); ++j) {
          cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (name[i - 1] == candidate[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
      }
      if (prev[candidate.size()] < best_distance) {
        best_distance = prev[candidate.size()];
        best = candidate;
      }
    }
    return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
  }

  SummaryTemplate compile_summary(const RuleDef& def) {
    SummaryTemplate t;
    const std::string& s = def.summary.empty() ? std::string("{title}") : def.summary;
    std::set<std::string> entities;
    for (const auto& ex : def.extract) entities.insert(ex.entity);
    std::string literal;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 2, "{{") == 0 || s.compare(i, 2, "}}") == 0) {
        literal.push_back(s[i]);
        ++i;
        continue;
      }
      if (s[i] != '{') {
        literal.push_back(s[i]);
        continue;
      }
      const std::size_t close = s.find('}', i);
      if (close == std::string::npos) {
        error(offset_mark(def.summary_mark, i), "rules.template", "unclosed '{' in summary (write {{ for a literal brace)");
        return t;
      }
      const std::string name = s.substr(i + 1, close - i - 1);
      if (!builtin_placeholders().contains(name) && !entities.contains(name)) {
        error(offset_mark(def.summary_mark, i + 1), "rules.template",
              fmt::format("unknown placeholder '{{{}}}' in summary (use title, url, source, time, signal, rule or an extract name)", name));
      }
      if (!literal.empty()) t.parts.push_back({false, std::move(literal)});
      literal.clear();
      t.parts.push_back({true, name});
      i = close;
    }
    if (!literal.empty()) t.parts.push_back({false, std::move(literal)});
    return t;
  }

  CompiledRule compile_rule(const RuleDef& def) {
    CompiledRule r;
    r.id = def.id;
    r.description = def.description;
    r.signal = def.signal;
    r.severity = def.severity;
    r.labels = def.labels;
    r.enabled = def.enabled;
    if (def.signal.find_first_of(" \t") != std::string::npos) {
      error(def.mark, "rules.signal", fmt::format("rule '{}': signal '{}' must be a single word such as funding_round", def.id, def.signal));
    }
    std::vector<std::string> stack;
    if (!def.condition.empty()) {
      if (auto cond = resolve_condition(def.condition, def.condition_mark, stack)) r.condition = std::move(*cond);
    }
    for (const ExtractDef& ex : def.extract) {
      auto it = list_index_.find(ex.list);
      if (it == list_index_.end()) {
        error(ex.mark, "rules.unknown_list", fmt::format("extract '{}' names unknown list '{}'{}", ex.entity, ex.list, suggestion(ex.list, list_index_)));
        continue;
      }
      used_lists_.insert(ex.list);
      r.extract.emplace_back(ex.entity, it->second);
    }
    r.summary = compile_summary(def);
    return r;
  }

  void warn_unused() {
    for (const ListDef& def : src_.lists) {
      if (!used_lists_.contains(def.name)) warning(def.mark, "rules.unused_list", fmt::format("list '{}' is never used", def.name));
    }
    for (const MacroDef& def : src_.macros) {
      if (used_macros_.contains(def.name)) continue;
      warning(def.mark, "rules.unused_macro", fmt::format("macro '{}' is never used", def.name));
      std::vector<std::string> stack{def.name};
      resolve_condition(def.condition, def.condition_mark, stack);  // still report its errors
    }
  }

  hs_database_t* build_database() {
    if (expressions_.empty()) return nullptr;
    std::vector<const char*> exprs;
    std::vector<unsigned int> flags;
    std::vector<unsigned int> ids;
    for (std::size_t i = 0; i < expressions_.size(); ++i) {
      exprs.push_back(expressions_[i].c_str());
      flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8);
      ids.push_back(static_cast<unsigned int>(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* compile_error = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned int>(exprs.size()), HS_MODE_BLOCK,
                         nullptr, &db, &compile_error) != HS_SUCCESS) {
      const int at = compile_error->expression;
      const SourceMark mark = at >= 0 ? pattern_marks_[static_cast<std::size_t>(at)] : SourceMark{};
      error(mark, "rules.pattern", fmt::format("cannot compile term{}: {}",
                                               at >= 0 ? fmt::format(" '{}'", patterns_[static_cast<std::size_t>(at)].term) : "",
                                               compile_error->message));
      hs_free_compile_error(compile_error);
      return nullptr;
    }
    return db;
  }

  const RuleSources& src_;
  ScriptVariants variants_;
  std::vector<Diagnostic> diagnostics_;
  std::map<std::string, int> list_index_;
  std::vector<SourceMark> list_marks_;
  std::map<std::string, const MacroDef*> macros_;
  std::set<std::string> used_lists_;
  std::set<std::string> used_macros_;
  std::vector<CompiledList> lists_;
  std::vector<int> entry_list_;
  std::vector<CompiledPattern> patterns_;
  std::vector<std::string> expressions_;
  std::vector<SourceMark> pattern_marks_;
};

}  // namespace

CompiledRuleSet::CompiledRuleSet(std::vector<CompiledList> lists, std::vector<int> entry_list,
                                 std::vector<CompiledPattern> patterns, std::vector<CompiledRule> rules, hs_database* db)
    : lists_(std::move(lists)),
      entry_list_(std::move(entry_list)),
      patterns_(std::move(patterns)),
      rules_(std::move(rules)),
      db_(db) {}

CompiledRuleSet::~CompiledRuleSet() {
  if (db_ != nullptr) hs_free_database(db_);
}

LoadResult<std::shared_ptr<const CompiledRuleSet>> compile_rules(const RuleSources& sources) {
  return Compiler(sources).run();
}

LoadResult<std::shared_ptr<const CompiledRuleSet>> load_and_compile_rules(const std::vector<std::string>& paths) {
  auto loaded = load_rule_files(paths);
  if (!loaded.value) return {std::nullopt, std::move(loaded.diagnostics)};
  auto compiled = compile_rules(*loaded.value);
  loaded.diagnostics.insert(loaded.diagnostics.end(), compiled.diagnostics.begin(), compiled.diagnostics.end());
  return {std::move(compiled.value), std::move(loaded.diagnostics)};
}

}  // namespace sigflow::rules
