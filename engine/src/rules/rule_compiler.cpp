#include <hs/hs.h>
#include <opencc/opencc.h>
#include <re2/re2.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/yaml_reader.hpp"
#include "rules/compat_text.hpp"
#include "rules/rule_set.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/text.hpp"

namespace sigflow::rules {
namespace {

// Script variants of a term through OpenCC: a term written in either script also matches its
// Simplified, Traditional, Taiwan and Hong Kong forms. Events are never converted. One instance
// per process (opening the dictionaries costs ~80 ms); conversions are serialized.
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

  static ScriptVariants& instance() {
    static ScriptVariants variants;
    return variants;
  }

  std::vector<std::string> of(const std::string& term) {
    std::vector<std::string> out{term};
    const bool ascii = std::all_of(term.begin(), term.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii || !error_.empty()) return out;
    std::lock_guard lock(mutex_);
    // Through Simplified to every Traditional standard: a Traditional term also gets its
    // Simplified form and the other regions' Traditional forms.
    const std::string simplified = convert(handles_[0], term);
    add(out, simplified);
    for (std::size_t i = 1; i < handles_.size(); ++i) add(out, convert(handles_[i], simplified));
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
  std::mutex mutex_;
};

bool is_ascii_word(unsigned char c) { return std::isalnum(c) || c == '_'; }

// A term as a Vectorscan literal: trimmed, inner whitespace runs become one space (event text
// is whitespace-collapsed by the connectors).
std::string term_literal(const std::string& term) {
  std::string out;
  bool space = false;
  for (char c : term) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}


constexpr std::string_view kEventFields[] = {"title", "summary", "content", "url", "source", "type", "lang", "guid",
                                              "time", "authors", "categories"};
constexpr std::string_view kBuiltinPlaceholders[] = {"title", "url", "source", "time", "signal", "rule"};

std::optional<FieldRef::Kind> event_field_kind(std::string_view name) {
  using K = FieldRef::Kind;
  static const std::map<std::string_view, K> kinds = {
      {"title", K::title}, {"summary", K::summary}, {"content", K::content}, {"url", K::url},
      {"source", K::source}, {"type", K::type}, {"lang", K::lang}, {"guid", K::guid}, {"time", K::time},
      {"authors", K::authors}, {"categories", K::categories}, {"amount_usd", K::amount_usd},
      {"amount", K::amount}, {"currency", K::currency}, {"percent", K::percent}};
  auto it = kinds.find(name);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

std::string_view op_text(Expr::Op op) {
  switch (op) {
    case Expr::Op::eq: return "==";
    case Expr::Op::ne: return "!=";
    case Expr::Op::lt: return "<";
    case Expr::Op::le: return "<=";
    case Expr::Op::gt: return ">";
    case Expr::Op::ge: return ">=";
    case Expr::Op::contains: return "contains";
    case Expr::Op::icontains: return "icontains";
    case Expr::Op::startswith: return "startswith";
    case Expr::Op::endswith: return "endswith";
  }
  return "?";
}

std::string literal_text(const Literal& l) { return l.is_number ? l.text : fmt::format("\"{}\"", l.text); }

std::string fields_suffix(std::uint8_t fields) {
  if (fields == kAllTextFields) return "";
  for (TextField f : kTextFields) {
    if (fields == static_cast<std::uint8_t>(f)) return fmt::format(", {}", to_string(f));
  }
  return "";
}

// Names available to one rule's condition and templates beyond the event fields.
struct RuleScope {
  std::map<std::string, const ExtractSpec*> entities;
};

class Compiler {
 public:
  Compiler(const RuleSources& src, const CompileOptions& options) : src_(src), options_(options) {}

  LoadResult<std::shared_ptr<const CompiledRuleSet>> run() {
    if (!variants_.error().empty()) {
      error({}, "rules.opencc", variants_.error());
      return finish(nullptr);
    }
    index_lists();
    index_macros();
    std::set<std::string> rule_ids;
    for (const RuleDef& def : src_.rules) {
      if (!rule_ids.insert(def.id).second) {
        error(def.mark, "rules.duplicate_id", fmt::format("duplicate rule id '{}'", def.id));
        continue;
      }
      parts_.rules.push_back(compile_rule(def));
    }
    for (const MacroDef& def : src_.macros) {  // unused macros still get a syntax check
      if (used_macros_.contains(def.name)) continue;
      ParseOutcome parsed = parse_expression(def.condition);
      if (!parsed.errors.empty()) error(offset_mark(def.condition_mark, parsed.errors[0].offset), "rules.syntax", parsed.errors[0].message);
    }
    if (has_errors(diagnostics_)) return finish(nullptr);  // "unused" would be noise next to errors
    warn_unused();
    build_prefilter();
    build_databases();
    build_regex_database();
    if (has_errors(diagnostics_)) {
      for (hs_database_t* db : parts_.databases) hs_free_database(db);
      parts_.databases.clear();
      if (parts_.regex_database != nullptr) hs_free_database(parts_.regex_database);
      parts_.regex_database = nullptr;
      return finish(nullptr);
    }
    parts_.tests = src_.tests;
    parts_.rates = options_.rates;
    parts_.files = src_.files;
    parts_.hash = rule_set_hash(src_, options_);
    return finish(std::make_shared<const CompiledRuleSet>(std::move(parts_)));
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
      const int index = static_cast<int>(parts_.lists.size());
      list_index_[def.name] = index;
      CompiledList list{def.name, {}, static_cast<int>(parts_.entry_list.size()), {}};
      std::vector<int> pattern_ids;
      for (const ListEntryDef& entry : def.entries) {
        const int entry_index = static_cast<int>(parts_.entry_list.size());
        parts_.entry_list.push_back(index);
        list.entry_names.push_back(entry.name);
        for (const std::string& term : entry.terms) {
          // Event text with full-width letters or digits is NFKC-folded before matching, which
          // also folds its full-width punctuation; a term is therefore compiled as written and
          // folded, so "评论：" matches in both kinds of text.
          std::vector<std::string> forms{term};
          const bool ascii = std::all_of(term.begin(), term.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
          if (!ascii) {
            std::string folded = nfkc(term);
            if (folded != term) forms.push_back(std::move(folded));
          }
          std::vector<std::string> variants;
          for (const std::string& form : forms) {
            for (std::string& v : variants_.of(form)) {
              if (std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(std::move(v));
            }
          }
          for (const std::string& variant : variants) {
            list.exact.insert(ascii_lower(variant));
            std::string literal = term_literal(variant);
            if (literal.empty()) continue;
            pattern_ids.push_back(static_cast<int>(parts_.patterns.size()));
            CompiledPattern p{entry_index, term, literal.size(), is_ascii_word(static_cast<unsigned char>(literal.front())),
                              is_ascii_word(static_cast<unsigned char>(literal.back())), false};
            parts_.patterns.push_back(std::move(p));
            expressions_.push_back(std::move(literal));
            pattern_marks_.push_back(entry.mark);
          }
        }
      }
      list_patterns_.push_back(std::move(pattern_ids));
      parts_.lists.push_back(std::move(list));
    }
    list_positional_.assign(parts_.lists.size(), false);
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

  // Parses a condition and resolves names and types; macros are inlined (recursion is an error).
  std::optional<Expr> resolve_condition(const std::string& text, const SourceMark& mark, const RuleScope& scope,
                                        std::vector<std::string>& stack) {
    ParseOutcome parsed = parse_expression(text);
    if (!parsed.errors.empty()) {
      error(offset_mark(mark, parsed.errors[0].offset), "rules.syntax", parsed.errors[0].message);
      return std::nullopt;
    }
    Expr e = std::move(parsed.expr[0]);
    if (!resolve(e, mark, scope, stack)) return std::nullopt;
    return e;
  }

  int resolve_list(const std::string& name, const SourceMark& at) {
    auto it = list_index_.find(name);
    if (it == list_index_.end()) {
      error(at, "rules.unknown_list", fmt::format("unknown list '{}'{}", name, suggestion(name, list_index_)));
      return -1;
    }
    used_lists_.insert(name);
    return it->second;
  }

  std::optional<FieldRef> resolve_field(const std::string& name, const SourceMark& at, const RuleScope& scope) {
    FieldRef f;
    if (name.rfind("data.", 0) == 0 && name.size() > 5) {
      f.kind = FieldRef::Kind::data;
      f.key = name.substr(5);
      return f;
    }
    if (auto it = scope.entities.find(name); it != scope.entities.end()) {
      const ExtractSpec& spec = *it->second;
      if (spec.kind == ExtractSpec::Kind::list) {
        f.kind = FieldRef::Kind::entity;
        f.key = name;
        f.list_index = spec.list_index;
        return f;
      }
    }
    if (auto kind = event_field_kind(name)) {
      f.kind = *kind;
      return f;
    }
    std::map<std::string, int> known;
    for (auto n : kEventFields) known.emplace(std::string(n), 0);
    for (auto n : {"amount_usd", "amount", "currency", "percent"}) known.emplace(n, 0);
    for (const auto& [n, unused] : scope.entities) known.emplace(n, 0);
    error(at, "rules.unknown_field",
          fmt::format("unknown field '{}'{} (fields: event fields such as title or data.<key>, amount_usd, amount, currency, percent, "
                      "or a list entity named in extract)",
                      name, suggestion(name, known)));
    return std::nullopt;
  }

  bool resolve(Expr& e, const SourceMark& mark, const RuleScope& scope, std::vector<std::string>& stack) {
    const SourceMark at = offset_mark(mark, e.offset);
    switch (e.kind) {
      case Expr::Kind::and_:
      case Expr::Kind::or_:
      case Expr::Kind::not_: {
        bool ok = true;
        for (Expr& c : e.children) ok = resolve(c, mark, scope, stack) && ok;
        return ok;
      }
      case Expr::Kind::any:
      case Expr::Kind::all:
        e.list_index = resolve_list(e.name, at);
        return e.list_index >= 0;
      case Expr::Kind::near: {
        e.list_index = resolve_list(e.name, at);
        const std::size_t second = e.name.size() + 1;  // "a, b": close enough to point at b's neighbourhood
        e.list_index2 = resolve_list(e.name2, offset_mark(mark, e.offset + second));
        if (e.list_index < 0 || e.list_index2 < 0) return false;
        for (int l : {e.list_index, e.list_index2}) list_positional_[static_cast<std::size_t>(l)] = true;
        return true;
      }
      case Expr::Kind::macro: {
        auto it = macros_.find(e.name);
        if (it == macros_.end()) {
          std::string hint = list_index_.contains(e.name) ? fmt::format(" ('{}' is a list: write any({}))", e.name, e.name)
                             : event_field_kind(e.name) || scope.entities.contains(e.name)
                                 ? fmt::format(" ('{}' is a field: test it, as in {} exists)", e.name, e.name)
                                 : suggestion(e.name, macros_);
          error(at, "rules.unknown_macro", fmt::format("unknown macro '{}'{}", e.name, hint));
          return false;
        }
        if (std::find(stack.begin(), stack.end(), e.name) != stack.end()) {
          error(at, "rules.macro_cycle", fmt::format("macro '{}' refers to itself", e.name));
          return false;
        }
        if (stack.size() >= 32) {
          error(at, "rules.macro_depth", fmt::format("macros nested more than 32 deep at '{}'", e.name));
          return false;
        }
        used_macros_.insert(e.name);
        stack.push_back(e.name);
        auto inlined = resolve_condition(it->second->condition, it->second->condition_mark, scope, stack);
        stack.pop_back();
        if (!inlined) return false;
        e = std::move(*inlined);
        return true;
      }
      default:
        return resolve_test(e, mark, scope);
    }
  }

  bool resolve_test(Expr& e, const SourceMark& mark, const RuleScope& scope) {
    const SourceMark at = offset_mark(mark, e.offset);
    const SourceMark value_at = offset_mark(mark, e.value_offset);
    auto field = resolve_field(e.name, at, scope);
    if (!field) return false;
    e.field = *field;
    const ValueType type = field->type();
    const bool stringy = type == ValueType::string || type == ValueType::strings;
    switch (e.kind) {
      case Expr::Kind::exists:
        return true;
      case Expr::Kind::compare:
      case Expr::Kind::in_values:
        for (const Literal& v : e.values) {
          if (v.is_number != (type == ValueType::number)) {
            error(value_at, "rules.type",
                  fmt::format("'{}' is {} but {} is {}", e.name, to_string(type), literal_text(v),
                              v.is_number ? "a number" : "a string"));
            return false;
          }
        }
        return true;
      case Expr::Kind::in_list:
        if (!stringy) {
          error(at, "rules.type", fmt::format("'{} in {}' needs a string field, but '{}' is {}", e.name, e.name2, e.name, to_string(type)));
          return false;
        }
        e.list_index = resolve_list(e.name2, value_at);
        return e.list_index >= 0;
      case Expr::Kind::string_op:
        if (!stringy) {
          error(at, "rules.type", fmt::format("'{}' needs a string field, but '{}' is {}", op_text(e.op), e.name, to_string(type)));
          return false;
        }
        return true;
      case Expr::Kind::regex: {
        if (!stringy) {
          error(at, "rules.type", fmt::format("'regex' needs a string field, but '{}' is {}", e.name, to_string(type)));
          return false;
        }
        re2::RE2::Options options;
        options.set_log_errors(false);
        auto re = std::make_shared<re2::RE2>(e.values[0].text, options);
        if (!re->ok()) {
          error(value_at, "rules.regex", fmt::format("invalid regex: {}", re->error()));
          return false;
        }
        e.regex = std::move(re);
        const bool text_field = e.field.kind == FieldRef::Kind::title || e.field.kind == FieldRef::Kind::summary ||
                                e.field.kind == FieldRef::Kind::content;
        if (text_field) e.trigger = register_regex(e.values[0].text);
        return true;
      }
      default:
        return false;
    }
  }

  template <typename Map>
  static std::string suggestion(const std::string& name, const Map& known) {
    // Closest known name by edit distance, offered when it is a plausible typo.
    std::string best;
    std::size_t best_distance = 3;
    for (const auto& [candidate, unused] : known) {
      // Optimal string alignment distance: a swapped pair of letters counts as one edit.
      std::vector<std::size_t> before(candidate.size() + 1), prev(candidate.size() + 1), cur(candidate.size() + 1);
      for (std::size_t j = 0; j <= candidate.size(); ++j) prev[j] = j;
      for (std::size_t i = 1; i <= name.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= candidate.size(); ++j) {
          cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (name[i - 1] == candidate[j - 1] ? 0 : 1)});
          if (i > 1 && j > 1 && name[i - 1] == candidate[j - 2] && name[i - 2] == candidate[j - 1]) {
            cur[j] = std::min(cur[j], before[j - 2] + 1);
          }
        }
        before = prev;
        std::swap(prev, cur);
      }
      if (prev[candidate.size()] < best_distance) {
        best_distance = prev[candidate.size()];
        best = candidate;
      }
    }
    return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
  }

  Template compile_template(const std::string& text, const SourceMark& mark, const std::set<std::string>& names,
                            const char* what) {
    Template t;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text.compare(i, 2, "{{") == 0 || text.compare(i, 2, "}}") == 0) {
        literal.push_back(text[i]);
        ++i;
        continue;
      }
      if (text[i] != '{') {
        literal.push_back(text[i]);
        continue;
      }
      const std::size_t close = text.find('}', i);
      if (close == std::string::npos) {
        error(offset_mark(mark, i), "rules.template", fmt::format("unclosed '{{' in {} (write {{{{ for a literal brace)", what));
        return t;
      }
      const std::string name = text.substr(i + 1, close - i - 1);
      if (!names.contains(name)) {
        error(offset_mark(mark, i + 1), "rules.template",
              fmt::format("unknown placeholder '{{{}}}' in {} (use {})", name, what, fmt::join(names, ", ")));
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
    std::set<std::string> placeholders(std::begin(kBuiltinPlaceholders), std::end(kBuiltinPlaceholders));
    for (const ExtractDef& ex : def.extract) {
      ExtractSpec spec;
      spec.entity = ex.entity;
      if (ex.source == "money") {
        spec.kind = ExtractSpec::Kind::money;
        placeholders.insert({ex.entity, "currency", "amount_usd"});
      } else if (ex.source == "percent" || ex.source == "date") {
        spec.kind = ex.source == "percent" ? ExtractSpec::Kind::percent : ExtractSpec::Kind::date;
        placeholders.insert(ex.entity);
      } else {
        auto it = list_index_.find(ex.source);
        if (it == list_index_.end()) {
          error(ex.mark, "rules.unknown_list",
                fmt::format("extract '{}' names unknown list '{}'{} (or use money, percent or date)", ex.entity, ex.source,
                            suggestion(ex.source, list_index_)));
          continue;
        }
        used_lists_.insert(ex.source);
        spec.list_index = it->second;
        placeholders.insert(ex.entity);
      }
      r.extract.push_back(std::move(spec));
    }
    RuleScope scope;
    for (const ExtractSpec& spec : r.extract) scope.entities.emplace(spec.entity, &spec);
    std::vector<std::string> stack;
    if (!def.condition.empty()) {
      if (auto cond = resolve_condition(def.condition, def.condition_mark, scope, stack)) r.condition = std::move(*cond);
    }
    std::set<std::string> exception_names;
    for (const ExceptionDef& ex : def.exceptions) {
      if (!exception_names.insert(ex.name).second) {
        error(ex.mark, "rules.duplicate_exception", fmt::format("rule '{}' has two exceptions named '{}'", def.id, ex.name));
      }
      if (auto cond = resolve_condition(ex.condition, ex.condition_mark, scope, stack)) {
        r.exceptions.push_back({ex.name, std::move(*cond)});
      }
    }
    r.summary = compile_template(def.summary.empty() ? std::string("{title}") : def.summary, def.summary_mark, placeholders, "summary");
    if (def.dedup) {
      r.dedup_key = compile_template(def.dedup->key, def.dedup->key_mark, placeholders, "the dedup key");
      r.dedup_ttl = def.dedup->ttl;
      if (r.dedup_ttl.count() <= 0) error(def.dedup->ttl_mark, "rules.ttl", fmt::format("rule '{}': dedup ttl must be positive", def.id));
    }
    if (!has_errors(diagnostics_)) warn_never_fires(r, def);
    return r;
  }

  // A conjunction that requires a test and its negation can never be true.
  void warn_never_fires(const CompiledRule& r, const RuleDef& def) {
    std::function<bool(const Expr&)> contradictory = [&](const Expr& e) -> bool {
      if (e.kind == Expr::Kind::and_) {
        std::set<std::string> positive, negative;
        for (const Expr& c : e.children) {
          if (c.kind == Expr::Kind::not_) negative.insert(describe_untyped(c.children[0]));
          else positive.insert(describe_untyped(c));
        }
        for (const auto& p : positive) {
          if (negative.contains(p)) return true;
        }
        return std::any_of(e.children.begin(), e.children.end(), contradictory);
      }
      if (e.kind == Expr::Kind::or_) return std::all_of(e.children.begin(), e.children.end(), contradictory);
      return false;
    };
    if (contradictory(r.condition)) {
      warning(def.condition_mark, "rules.never_fires", fmt::format("rule '{}' can never fire: its condition requires a test and its negation", def.id));
    }
  }

  std::string describe_untyped(const Expr& e) const {
    // Structural key for comparisons; list indexes are resolved by now.
    switch (e.kind) {
      case Expr::Kind::and_:
      case Expr::Kind::or_: {
        std::vector<std::string> parts;
        for (const Expr& c : e.children) parts.push_back(describe_untyped(c));
        return fmt::format("({})", fmt::join(parts, e.kind == Expr::Kind::and_ ? " and " : " or "));
      }
      case Expr::Kind::not_: return "not " + describe_untyped(e.children[0]);
      default: break;
    }
    std::vector<std::string> values;
    for (const auto& v : e.values) values.push_back(literal_text(v));
    return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", static_cast<int>(e.kind), e.name, e.name2, e.fields, e.distance,
                       static_cast<int>(e.op), fmt::join(values, ","), e.list_index);
  }

  void warn_unused() {
    for (const ListDef& def : src_.lists) {
      if (!used_lists_.contains(def.name)) warning(def.mark, "rules.unused_list", fmt::format("list '{}' is never used", def.name));
    }
    for (const MacroDef& def : src_.macros) {
      if (used_macros_.contains(def.name)) continue;
      warning(def.mark, "rules.unused_macro", fmt::format("macro '{}' is never used", def.name));
    }
  }

  // The triggers (lists, prefiltered regexes) of which at least one must fire for `e` to be
  // true; nullopt when `e` can be true without any (a field test, a negation).
  std::optional<std::set<int>> required_lists(const Expr& e) const {
    switch (e.kind) {
      case Expr::Kind::any:
      case Expr::Kind::all:
      case Expr::Kind::near:
        return std::set<int>{e.list_index};
      case Expr::Kind::regex:
        if (e.trigger >= 0) return std::set<int>{e.trigger};
        return std::nullopt;
      case Expr::Kind::and_: {
        std::optional<std::set<int>> best;
        for (const Expr& c : e.children) {
          auto need = required_lists(c);
          if (need && (!best || need->size() < best->size())) best = std::move(need);
        }
        return best;
      }
      case Expr::Kind::or_: {
        std::set<int> all;
        for (const Expr& c : e.children) {
          auto need = required_lists(c);
          if (!need) return std::nullopt;
          all.insert(need->begin(), need->end());
        }
        return all;
      }
      default:
        return std::nullopt;
    }
  }

  void build_prefilter() {
    parts_.rules_by_trigger.assign(parts_.lists.size() + regex_patterns_.size(), {});
    for (std::size_t i = 0; i < parts_.rules.size(); ++i) {
      const CompiledRule& r = parts_.rules[i];
      if (!r.enabled) continue;
      auto need = required_lists(r.condition);
      if (!need) {
        parts_.always_rules.push_back(static_cast<int>(i));
        continue;
      }
      for (int trigger : *need) parts_.rules_by_trigger[static_cast<std::size_t>(trigger)].push_back(static_cast<int>(i));
    }
  }

  // Literal databases: literal matching compiles and scans far faster than regexes, and word
  // boundaries are checked on each match instead. Large sets are split into slices
  // (options_.patterns_per_database) compiled on parallel threads.
  void build_databases() {
    const std::size_t n = expressions_.size();
    if (n == 0) return;
    std::vector<unsigned int> flags(n);
    for (std::size_t p = 0; p < n; ++p) {
      CompiledPattern& pattern = parts_.patterns[p];
      pattern.positional = list_positional_[static_cast<std::size_t>(parts_.entry_list[static_cast<std::size_t>(pattern.entry)])];
      // One report per pattern and scan is enough, unless a boundary check may reject the
      // first occurrence or near() needs every position.
      const bool every = pattern.word_start || pattern.word_end || pattern.positional;
      flags[p] = HS_FLAG_CASELESS | (every ? 0u : HS_FLAG_SINGLEMATCH);
    }
    const std::size_t limit = std::max<std::size_t>(1, options_.patterns_per_database);
    const std::size_t slices = (n + limit - 1) / limit;
    const std::size_t per_slice = (n + slices - 1) / slices;
    std::vector<hs_database_t*> dbs(slices, nullptr);
    std::vector<std::string> errors(slices);
    std::vector<int> error_at(slices, -1);
    auto compile_slice = [&](std::size_t s) {
      const std::size_t begin = s * per_slice;
      const std::size_t end = std::min(n, begin + per_slice);
      std::vector<const char*> exprs;
      std::vector<std::size_t> lengths;
      std::vector<unsigned int> ids;
      for (std::size_t p = begin; p < end; ++p) {
        exprs.push_back(expressions_[p].data());
        lengths.push_back(expressions_[p].size());
        ids.push_back(static_cast<unsigned int>(p));
      }
      hs_compile_error_t* compile_error = nullptr;
      if (hs_compile_lit_multi(exprs.data(), flags.data() + begin, ids.data(), lengths.data(), static_cast<unsigned int>(exprs.size()),
                               HS_MODE_BLOCK, nullptr, &dbs[s], &compile_error) != HS_SUCCESS) {
        errors[s] = compile_error->message;
        error_at[s] = compile_error->expression >= 0 ? static_cast<int>(begin) + compile_error->expression : -1;
        hs_free_compile_error(compile_error);
        dbs[s] = nullptr;
      }
    };
    std::vector<std::thread> threads;
    const std::size_t workers = std::min<std::size_t>(slices, std::max(1u, std::thread::hardware_concurrency()));
    std::atomic<std::size_t> next{0};
    for (std::size_t w = 1; w < workers; ++w) {
      threads.emplace_back([&] {
        for (std::size_t s = next++; s < slices; s = next++) compile_slice(s);
      });
    }
    for (std::size_t s = next++; s < slices; s = next++) compile_slice(s);
    for (auto& t : threads) t.join();
    for (std::size_t s = 0; s < slices; ++s) {
      if (!errors[s].empty()) {
        const int at = error_at[s];
        error(at >= 0 ? pattern_marks_[static_cast<std::size_t>(at)] : SourceMark{}, "rules.pattern",
              fmt::format("cannot compile term{}: {}", at >= 0 ? fmt::format(" '{}'", parts_.patterns[static_cast<std::size_t>(at)].term) : "",
                          errors[s]));
      }
      if (dbs[s] != nullptr) parts_.databases.push_back(dbs[s]);
    }
  }

  // Text-field regexes also go into a Vectorscan prefilter database, so a rule that needs a
  // regex match is evaluated only when Vectorscan saw a possible match. A regex Vectorscan
  // cannot parse is simply not prefiltered: its rules are evaluated for every event.
  int register_regex(const std::string& pattern) {
    if (auto it = regex_triggers_.find(pattern); it != regex_triggers_.end()) return it->second;
    const unsigned int flags = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY;
    hs_database_t* probe = nullptr;
    hs_compile_error_t* compile_error = nullptr;
    if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &probe, &compile_error) != HS_SUCCESS) {
      hs_free_compile_error(compile_error);
      return -1;
    }
    hs_free_database(probe);
    regex_patterns_.push_back(pattern);
    const int trigger = static_cast<int>(parts_.lists.size() + regex_patterns_.size() - 1);
    regex_triggers_.emplace(pattern, trigger);
    return trigger;
  }

  void build_regex_database() {
    parts_.regex_trigger_base = static_cast<int>(parts_.lists.size());
    if (regex_patterns_.empty()) return;
    std::vector<const char*> exprs;
    std::vector<unsigned int> flags;
    std::vector<unsigned int> ids;
    for (std::size_t i = 0; i < regex_patterns_.size(); ++i) {
      exprs.push_back(regex_patterns_[i].c_str());
      flags.push_back(HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_UTF8 | HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY);
      ids.push_back(static_cast<unsigned int>(i));
    }
    hs_compile_error_t* compile_error = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned int>(exprs.size()), HS_MODE_BLOCK, nullptr,
                         &parts_.regex_database, &compile_error) != HS_SUCCESS) {
      error({}, "rules.regex", fmt::format("cannot build the regex prefilter: {}", compile_error->message));
      hs_free_compile_error(compile_error);
      parts_.regex_database = nullptr;
    }
  }

  const RuleSources& src_;
  const CompileOptions& options_;
  ScriptVariants& variants_ = ScriptVariants::instance();
  std::vector<Diagnostic> diagnostics_;
  RuleSetParts parts_;
  std::map<std::string, int> list_index_;
  std::map<std::string, const MacroDef*> macros_;
  std::set<std::string> used_lists_;
  std::set<std::string> used_macros_;
  std::vector<std::vector<int>> list_patterns_;  // list -> its pattern indexes
  std::vector<bool> list_positional_;            // list -> used by near()
  std::vector<std::string> expressions_;
  std::vector<SourceMark> pattern_marks_;
  std::vector<std::string> regex_patterns_;      // prefiltered regexes, in trigger order
  std::map<std::string, int> regex_triggers_;    // pattern -> trigger
};

}  // namespace

CompiledRuleSet::CompiledRuleSet(RuleSetParts parts) : p_(std::move(parts)), extractors_(p_.rates) {
  static std::atomic<std::uint64_t> next_serial{1};
  serial_ = next_serial.fetch_add(1);
  for (const CompiledRule& r : p_.rules) {
    if (r.dedup_ttl.count() > 0) dedup_ttls_.emplace(r.id, r.dedup_ttl);
  }
}

std::chrono::milliseconds CompiledRuleSet::dedup_ttl(const std::string& rule_id) const {
  auto it = dedup_ttls_.find(rule_id);
  return it == dedup_ttls_.end() ? std::chrono::milliseconds(0) : it->second;
}

CompiledRuleSet::~CompiledRuleSet() {
  for (hs_database* db : p_.databases) hs_free_database(db);
  if (p_.regex_database != nullptr) hs_free_database(p_.regex_database);
}

std::string describe(const Expr& e, const CompiledRuleSet& set) {
  auto list_name = [&](int i) { return i >= 0 ? set.lists()[static_cast<std::size_t>(i)].name : std::string("?"); };
  switch (e.kind) {
    case Expr::Kind::and_:
    case Expr::Kind::or_: {
      std::vector<std::string> parts;
      for (const Expr& c : e.children) parts.push_back(describe(c, set));
      return fmt::format("({})", fmt::join(parts, e.kind == Expr::Kind::and_ ? " and " : " or "));
    }
    case Expr::Kind::not_: return "not " + describe(e.children[0], set);
    case Expr::Kind::any: return fmt::format("any({}{})", list_name(e.list_index), fields_suffix(e.fields));
    case Expr::Kind::all: return fmt::format("all({}{})", list_name(e.list_index), fields_suffix(e.fields));
    case Expr::Kind::near:
      return fmt::format("near({}, {}, {}{})", list_name(e.list_index), list_name(e.list_index2), e.distance, fields_suffix(e.fields));
    case Expr::Kind::compare: return fmt::format("{} {} {}", e.name, op_text(e.op), literal_text(e.values[0]));
    case Expr::Kind::in_values: {
      std::vector<std::string> values;
      for (const auto& v : e.values) values.push_back(literal_text(v));
      return fmt::format("{} in ({})", e.name, fmt::join(values, ", "));
    }
    case Expr::Kind::in_list: return fmt::format("{} in {}", e.name, list_name(e.list_index));
    case Expr::Kind::string_op: return fmt::format("{} {} {}", e.name, op_text(e.op), literal_text(e.values[0]));
    case Expr::Kind::regex: return fmt::format("{} regex '{}'", e.name, e.values[0].text);
    case Expr::Kind::exists: return fmt::format("{} exists", e.name);
    case Expr::Kind::macro: return e.name;
  }
  return "?";
}

std::string rule_set_hash(const RuleSources& sources, const CompileOptions& options) {
  std::string rates;
  for (const auto& [code, rate] : options.rates) rates += fmt::format("{}={};", code, rate);
  return stable_hash({sources.fingerprint, rates}, 16);
}

LoadResult<std::shared_ptr<const CompiledRuleSet>> compile_rules(const RuleSources& sources, const CompileOptions& options) {
  return Compiler(sources, options).run();
}

LoadResult<std::shared_ptr<const CompiledRuleSet>> load_and_compile_rules(const std::vector<std::string>& paths,
                                                                          const CompileOptions& options) {
  auto loaded = load_rule_files(paths);
  if (!loaded.value) return {std::nullopt, std::move(loaded.diagnostics)};
  auto compiled = compile_rules(*loaded.value, options);
  loaded.diagnostics.insert(loaded.diagnostics.end(), compiled.diagnostics.begin(), compiled.diagnostics.end());
  return {std::move(compiled.value), std::move(loaded.diagnostics)};
}

}  // namespace sigflow::rules
