#include <hs/hs.h>
#include <re2/re2.h>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "rules/compat_text.hpp"
#include "rules/rule_set.hpp"
#include "sigflow/text.hpp"

namespace sigflow::rules {
namespace {

// Occurrences kept per scan for near(): enough for real text, bounded for hostile text.
constexpr std::size_t kMaxHits = 4096;

bool is_ascii_word(unsigned char c) { return std::isalnum(c) || c == '_'; }

}  // namespace

struct ScanContext {
  RuleEvaluator* self;
  const CompiledRuleSet* set;
  std::string_view text;
  std::uint8_t field;
};

// Called by Vectorscan for each literal match: checks word boundaries, records the entry, and
// keeps the hit (first per entry and field, or every one for near()).
int on_match(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int /*flags*/, void* user) {
  auto* ctx = static_cast<ScanContext*>(user);
  RuleEvaluator& ev = *ctx->self;
  const CompiledPattern& p = ctx->set->patterns()[id];
  const std::size_t end = static_cast<std::size_t>(to);
  const std::size_t begin = end - p.length;
  const auto* text = reinterpret_cast<const unsigned char*>(ctx->text.data());
  if (p.word_start && begin > 0 && is_ascii_word(text[begin - 1])) return 0;
  if (p.word_end && end < ctx->text.size() && is_ascii_word(text[end])) return 0;
  std::uint8_t& mask = ev.entry_fields_[static_cast<std::size_t>(p.entry)];
  const bool first_in_field = (mask & ctx->field) == 0;
  if (mask == 0) {
    ev.touched_entries_.push_back(p.entry);
    ev.touched_triggers_.push_back(ctx->set->list_of_entry(p.entry));
  }
  mask |= ctx->field;
  if ((first_in_field || p.positional) && ev.hits_.size() < kMaxHits) {
    ev.hits_.push_back({static_cast<int>(id), ctx->field, static_cast<std::uint32_t>(end)});
  }
  return 0;  // keep scanning
}

// A possible match of a prefiltered regex: its trigger makes the rules that need it candidates.
int on_regex_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* user) {
  auto* ctx = static_cast<ScanContext*>(user);
  ctx->self->touched_triggers_.push_back(ctx->set->regex_trigger_base() + static_cast<int>(id));
  return 0;
}

namespace {


// Characters (code points) in text[begin, end).
std::size_t char_count(std::string_view text, std::size_t begin, std::size_t end) {
  std::size_t n = 0;
  for (std::size_t i = begin; i < end && i < text.size(); ++i) n += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return n;
}

bool string_test(Expr::Op op, const std::string& value, const std::string& arg) {
  switch (op) {
    case Expr::Op::contains: return value.find(arg) != std::string::npos;
    case Expr::Op::icontains: return ascii_lower(value).find(ascii_lower(arg)) != std::string::npos;
    case Expr::Op::startswith: return value.rfind(arg, 0) == 0;
    case Expr::Op::endswith: return value.size() >= arg.size() && value.compare(value.size() - arg.size(), arg.size(), arg) == 0;
    default: return false;
  }
}

template <typename T>
bool ordered(Expr::Op op, const T& a, const T& b) {
  switch (op) {
    case Expr::Op::eq: return a == b;
    case Expr::Op::ne: return a != b;
    case Expr::Op::lt: return a < b;
    case Expr::Op::le: return a <= b;
    case Expr::Op::gt: return a > b;
    case Expr::Op::ge: return a >= b;
    default: return false;
  }
}

std::string format_number(double v) { return fmt::format("{}", v); }

}  // namespace

RuleEvaluator::RuleEvaluator() = default;

RuleEvaluator::~RuleEvaluator() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

const Extraction& RuleEvaluator::extraction() const {
  if (!extraction_) {
    std::string text;
    for (std::string_view field : scanned_) {
      text.append(field);
      text.push_back('\n');
    }
    extraction_ = set_->extractors().extract(text);
  }
  return *extraction_;
}

std::vector<std::string> RuleEvaluator::field_strings(const FieldRef& f) const {
  using K = FieldRef::Kind;
  const EventData& d = event_->data;
  switch (f.kind) {
    // Text fields read as they were scanned (width-folded, whitespace-collapsed), so field
    // tests and regexes agree with term matching and the regex prefilter.
    case K::title: return {std::string(scanned_[0])};
    case K::summary: return {std::string(scanned_[1])};
    case K::content: return {std::string(scanned_[2])};
    case K::url: return {d.url};
    case K::source: return {event_->source};
    case K::type: return {event_->type};
    case K::lang: return {d.lang};
    case K::guid: return {d.guid};
    case K::time: return {event_->time};
    case K::authors: return d.authors;
    case K::categories: return d.categories;
    case K::data: {
      auto it = d.extra.find(f.key);
      if (it == d.extra.end()) return {};
      return {it->second};
    }
    case K::entity: {
      std::vector<std::string> out;
      const CompiledList& list = set_->lists()[static_cast<std::size_t>(f.list_index)];
      for (std::size_t i = 0; i < list.entry_names.size(); ++i) {
        if (entry_fields_[static_cast<std::size_t>(list.first_entry) + i] == 0) continue;
        if (std::find(out.begin(), out.end(), list.entry_names[i]) == out.end()) out.push_back(list.entry_names[i]);
      }
      return out;
    }
    case K::currency: {
      const MoneyAmount* m = extraction().largest();
      if (m == nullptr) return {};
      return {m->currency};
    }
    default: return {};
  }
}

std::optional<double> RuleEvaluator::field_number(const FieldRef& f) const {
  switch (f.kind) {
    case FieldRef::Kind::amount_usd: return extraction().max_usd();
    case FieldRef::Kind::amount: {
      const MoneyAmount* m = extraction().largest();
      if (m == nullptr) return std::nullopt;
      return m->value;
    }
    case FieldRef::Kind::percent: return extraction().max_percent();
    default: return std::nullopt;
  }
}

bool RuleEvaluator::eval_near(const Expr& e) const {
  for (const PatternHit& a : hits_) {
    if ((a.field & e.fields) == 0 || set_->list_of_entry(set_->patterns()[static_cast<std::size_t>(a.pattern)].entry) != e.list_index) continue;
    const std::size_t field_index = a.field == 1 ? 0 : a.field == 2 ? 1 : 2;
    const std::string_view text = scanned_[field_index];
    const std::size_t a_end = a.end;
    const std::size_t a_begin = a_end - std::min<std::size_t>(a_end, set_->patterns()[static_cast<std::size_t>(a.pattern)].length);
    for (const PatternHit& b : hits_) {
      if (&b == &a) continue;  // near(x, x, N) needs two occurrences
      if (b.field != a.field || set_->list_of_entry(set_->patterns()[static_cast<std::size_t>(b.pattern)].entry) != e.list_index2) continue;
      const std::size_t b_end = b.end;
      const std::size_t b_begin = b_end - std::min<std::size_t>(b_end, set_->patterns()[static_cast<std::size_t>(b.pattern)].length);
      std::size_t gap = 0;
      if (a_end <= b_begin) gap = char_count(text, a_end, b_begin);
      else if (b_end <= a_begin) gap = char_count(text, b_end, a_begin);
      if (gap <= e.distance) return true;
    }
  }
  return false;
}

bool RuleEvaluator::eval(const Expr& e) const {
  switch (e.kind) {
    case Expr::Kind::and_:
      return std::all_of(e.children.begin(), e.children.end(), [&](const Expr& c) { return eval(c); });
    case Expr::Kind::or_:
      return std::any_of(e.children.begin(), e.children.end(), [&](const Expr& c) { return eval(c); });
    case Expr::Kind::not_:
      return !eval(e.children[0]);
    case Expr::Kind::any:
    case Expr::Kind::all: {
      const CompiledList& list = set_->lists()[static_cast<std::size_t>(e.list_index)];
      const auto begin = entry_fields_.begin() + list.first_entry;
      const auto end = begin + static_cast<std::ptrdiff_t>(list.entry_names.size());
      auto found = [&](std::uint8_t fields) { return (fields & e.fields) != 0; };
      return e.kind == Expr::Kind::any ? std::any_of(begin, end, found) : std::all_of(begin, end, found);
    }
    case Expr::Kind::near:
      return eval_near(e);
    case Expr::Kind::exists: {
      if (e.field.type() == ValueType::number) return field_number(e.field).has_value();
      const auto values = field_strings(e.field);
      return std::any_of(values.begin(), values.end(), [](const std::string& v) { return !v.empty(); });
    }
    case Expr::Kind::compare:
    case Expr::Kind::in_values: {
      if (e.field.type() == ValueType::number) {
        const auto v = field_number(e.field);
        if (!v) return false;  // an absent number satisfies no comparison
        if (e.kind == Expr::Kind::in_values) {
          return std::any_of(e.values.begin(), e.values.end(), [&](const Literal& l) { return *v == l.number; });
        }
        return ordered(e.op, *v, e.values[0].number);
      }
      const auto values = field_strings(e.field);
      if (e.kind == Expr::Kind::in_values) {
        return std::any_of(values.begin(), values.end(), [&](const std::string& v) {
          return std::any_of(e.values.begin(), e.values.end(), [&](const Literal& l) { return v == l.text; });
        });
      }
      if (e.op == Expr::Op::ne) {  // present (non-empty), and no value equal
        const bool present = std::any_of(values.begin(), values.end(), [](const std::string& v) { return !v.empty(); });
        return present && std::none_of(values.begin(), values.end(), [&](const std::string& v) { return v == e.values[0].text; });
      }
      return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return ordered(e.op, v, e.values[0].text); });
    }
    case Expr::Kind::in_list: {
      const CompiledList& list = set_->lists()[static_cast<std::size_t>(e.list_index)];
      const auto values = field_strings(e.field);
      return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return list.exact.contains(ascii_lower(v)); });
    }
    case Expr::Kind::string_op: {
      const auto values = field_strings(e.field);
      return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return string_test(e.op, v, e.values[0].text); });
    }
    case Expr::Kind::regex: {
      const auto values = field_strings(e.field);
      return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return re2::RE2::PartialMatch(v, *e.regex); });
    }
    case Expr::Kind::macro:
      return false;  // inlined by the compiler; never reached
  }
  return false;
}

// The terms behind the parts of a fired rule's condition that made it true: true branches of
// `or`, every part of `and`, never anything under `not`.
void RuleEvaluator::matched_terms(const Expr& e, std::vector<MatchedTerm>& out) const {
  if (e.kind == Expr::Kind::not_ || !eval(e)) return;
  for (const Expr& c : e.children) matched_terms(c, out);
  if (e.kind == Expr::Kind::and_ || e.kind == Expr::Kind::or_) return;
  if (e.kind != Expr::Kind::any && e.kind != Expr::Kind::all && e.kind != Expr::Kind::near) {
    // A field test that held: named by its condition, with no list.
    MatchedTerm m{"", describe(e, *set_), e.name};
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(std::move(m));
    return;
  }
  for (const PatternHit& hit : hits_) {
    const CompiledPattern& p = set_->patterns()[static_cast<std::size_t>(hit.pattern)];
    const int list = set_->list_of_entry(p.entry);
    if ((list != e.list_index && list != e.list_index2) || (hit.field & e.fields) == 0) continue;
    MatchedTerm m{set_->lists()[static_cast<std::size_t>(list)].name, p.term, std::string(to_string(static_cast<TextField>(hit.field)))};
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(std::move(m));
  }
}

void RuleEvaluator::trace(const Expr& e, int depth, std::vector<std::string>& out) const {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  std::string detail;
  if (e.kind == Expr::Kind::any || e.kind == Expr::Kind::all || e.kind == Expr::Kind::near) {
    std::vector<MatchedTerm> terms;
    for (const PatternHit& hit : hits_) {
      const CompiledPattern& p = set_->patterns()[static_cast<std::size_t>(hit.pattern)];
      const int list = set_->list_of_entry(p.entry);
      if ((list != e.list_index && list != e.list_index2) || (hit.field & e.fields) == 0) continue;
      MatchedTerm m{"", p.term, std::string(to_string(static_cast<TextField>(hit.field)))};
      if (std::find(terms.begin(), terms.end(), m) == terms.end()) terms.push_back(m);
    }
    std::vector<std::string> parts;
    for (const auto& t : terms) parts.push_back(fmt::format("{} in {}", t.term, t.field));
    if (!parts.empty()) detail = fmt::format("  [{}]", fmt::join(parts, ", "));
  } else if (e.kind != Expr::Kind::and_ && e.kind != Expr::Kind::or_ && e.kind != Expr::Kind::not_) {
    if (e.field.type() == ValueType::number) {
      const auto v = field_number(e.field);
      detail = fmt::format("  [{} = {}]", e.name, v ? format_number(*v) : "absent");
    } else {
      const auto values = field_strings(e.field);
      std::string shown = values.empty() ? "absent" : fmt::format("{}", fmt::join(values, ", "));
      if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
      if (e.field.kind != FieldRef::Kind::title && e.field.kind != FieldRef::Kind::content && e.field.kind != FieldRef::Kind::summary) {
        detail = fmt::format("  [{} = {}]", e.name, shown);
      }
    }
  }
  if (e.kind == Expr::Kind::and_ || e.kind == Expr::Kind::or_) {
    out.push_back(fmt::format("{}{}: {}", indent, e.kind == Expr::Kind::and_ ? "all of" : "any of", eval(e) ? "true" : "false"));
    for (const Expr& c : e.children) trace(c, depth + 1, out);
    return;
  }
  out.push_back(fmt::format("{}{}: {}{}", indent, describe(e, *set_), eval(e) ? "true" : "false", detail));
}

std::string RuleEvaluator::render(const Template& t, const CompiledRule& rule, const Alert& alert) const {
  std::string out;
  for (const auto& part : t.parts) {
    if (!part.placeholder) out += part.text;
    else if (part.text == "title") out += event_->data.title;
    else if (part.text == "url") out += event_->data.url;
    else if (part.text == "source") out += event_->source;
    else if (part.text == "time") out += event_->time;
    else if (part.text == "signal") out += rule.signal;
    else if (part.text == "rule") out += rule.id;
    else if (auto it = alert.entities.find(part.text); it != alert.entities.end()) {
      std::vector<std::string> texts;
      for (const auto& v : it->second) texts.push_back(v.text);
      out += fmt::format("{}", fmt::join(texts, ", "));
    }
  }
  return out;
}

Result<std::vector<Alert>> RuleEvaluator::evaluate(const CompiledRuleSet& set, const Event& event, const std::string& fired_at,
                                                   std::vector<std::string>* explain) {
  set_ = &set;
  event_ = &event;
  extraction_.reset();
  hits_.clear();
  if (entry_fields_.size() != set.entry_count()) {
    entry_fields_.assign(set.entry_count(), 0);
  } else {
    for (int e : touched_entries_) entry_fields_[static_cast<std::size_t>(e)] = 0;
  }
  touched_entries_.clear();
  touched_triggers_.clear();

  const std::string* texts[] = {&event.data.title, &event.data.summary, &event.data.content};
  for (std::size_t f = 0; f < 3; ++f) {
    // Width/compatibility forms and loose whitespace are folded only where a cheap scan finds them.
    if (auto normalized = normalize_for_matching(*texts[f])) {
      normalized_[f] = std::move(*normalized);
      scanned_[f] = normalized_[f];
    } else {
      scanned_[f] = *texts[f];
    }
    if (scanned_[f].empty()) continue;
    // hs_alloc_scratch is costly even when the scratch fits: size it once per rule set, for
    // every database of the set.
    if (set.serial() != scratch_for_) {
      for (const hs_database_t* db : set.databases()) {
        if (hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) return make_error("rules.scratch", "cannot allocate Vectorscan scratch space");
      }
      if (set.regex_database() != nullptr && hs_alloc_scratch(set.regex_database(), &scratch_) != HS_SUCCESS) {
        return make_error("rules.scratch", "cannot allocate Vectorscan scratch space");
      }
      scratch_for_ = set.serial();
    }
    ScanContext ctx{this, &set, scanned_[f], static_cast<std::uint8_t>(kTextFields[f])};
    const auto length = static_cast<unsigned int>(scanned_[f].size());
    for (const hs_database_t* db : set.databases()) {
      if (hs_scan(db, scanned_[f].data(), length, 0, scratch_, &on_match, &ctx) != HS_SUCCESS) {
        return make_error("rules.scan", fmt::format("Vectorscan scan failed on event {}", event.id));
      }
    }
    if (set.regex_database() != nullptr &&
        hs_scan(set.regex_database(), scanned_[f].data(), length, 0, scratch_, &on_regex_match, &ctx) != HS_SUCCESS) {
      return make_error("rules.scan", fmt::format("Vectorscan regex prefilter failed on event {}", event.id));
    }
  }

  // Prefilter: only rules whose required lists hit, plus rules that need no hit.
  if (candidate_mark_.size() != set.rules().size()) {
    candidate_mark_.assign(set.rules().size(), 0);
    generation_ = 0;
  }
  if (++generation_ == 0) {
    std::fill(candidate_mark_.begin(), candidate_mark_.end(), 0);
    generation_ = 1;
  }
  std::vector<int> candidates = set.always_rules();
  for (int r : candidates) candidate_mark_[static_cast<std::size_t>(r)] = generation_;
  for (int trigger : touched_triggers_) {
    for (int r : set.rules_by_trigger(trigger)) {
      if (candidate_mark_[static_cast<std::size_t>(r)] == generation_) continue;
      candidate_mark_[static_cast<std::size_t>(r)] = generation_;
      candidates.push_back(r);
    }
  }
  std::sort(candidates.begin(), candidates.end());

  std::vector<Alert> alerts;
  for (int index : candidates) {
    const CompiledRule& rule = set.rules()[static_cast<std::size_t>(index)];
    const bool fired = eval(rule.condition);
    std::string excepted;
    if (fired) {
      for (const CompiledException& ex : rule.exceptions) {
        if (eval(ex.condition)) {
          excepted = ex.name;
          break;
        }
      }
    }
    if (explain != nullptr) {
      explain->push_back(fmt::format("rule {}: {}", rule.id,
                                     !fired ? "condition false" : excepted.empty() ? "fired" : fmt::format("suppressed by exception '{}'", excepted)));
      trace(rule.condition, 1, *explain);
      for (const CompiledException& ex : rule.exceptions) {
        explain->push_back(fmt::format("  exception '{}': {}", ex.name, eval(ex.condition) ? "true" : "false"));
      }
    }
    if (!fired || !excepted.empty()) continue;
    Alert a;
    a.id = make_alert_id(rule.id, event.id);
    a.rule = rule.id;
    a.signal = rule.signal;
    a.severity = rule.severity;
    a.labels = rule.labels;
    for (const ExtractSpec& spec : rule.extract) {
      switch (spec.kind) {
        case ExtractSpec::Kind::list: {
          FieldRef f;
          f.kind = FieldRef::Kind::entity;
          f.list_index = spec.list_index;
          auto names = field_strings(f);
          if (!names.empty()) a.entities[spec.entity].assign(names.begin(), names.end());
          break;
        }
        case ExtractSpec::Kind::money:
          if (const MoneyAmount* m = extraction().largest()) {
            a.entities[spec.entity] = {EntityValue::of(m->value)};
            a.entities["currency"] = {EntityValue(m->currency)};
            if (m->usd) a.entities["amount_usd"] = {EntityValue::of(*m->usd)};
          }
          break;
        case ExtractSpec::Kind::percent:
          for (double p : extraction().percents) a.entities[spec.entity].push_back(EntityValue::of(p));
          break;
        case ExtractSpec::Kind::date:
          for (const auto& d : extraction().dates) a.entities[spec.entity].emplace_back(d);
          break;
      }
    }
    a.summary = render(rule.summary, rule, a);
    if (!rule.dedup_key.parts.empty()) a.dedup_key = render(rule.dedup_key, rule, a);
    a.event = {event.id, event.source, event.data.url, event.data.title, event.time};
    a.fired_at = fired_at;
    matched_terms(rule.condition, a.matched);
    alerts.push_back(std::move(a));
  }
  set_ = nullptr;
  event_ = nullptr;
  return alerts;
}

}  // namespace sigflow::rules
