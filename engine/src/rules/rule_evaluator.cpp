#include <hs/hs.h>

#include <algorithm>

#include <fmt/format.h>

#include "rules/rule_set.hpp"

namespace sigflow::rules {
namespace {

struct ScanContext {
  std::vector<PatternHit>* hits;
  std::uint8_t field;
};

int on_match(unsigned int id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned int /*flags*/,
             void* user) {
  auto* ctx = static_cast<ScanContext*>(user);
  ctx->hits->push_back({static_cast<int>(id), ctx->field});
  return 0;  // keep scanning
}

std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

}  // namespace

RuleEvaluator::RuleEvaluator() = default;

RuleEvaluator::~RuleEvaluator() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
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
      const CompiledList& list = current_->lists()[static_cast<std::size_t>(e.list_index)];
      const auto begin = entry_fields_.begin() + list.first_entry;
      const auto end = begin + static_cast<std::ptrdiff_t>(list.entry_names.size());
      auto found = [&](std::uint8_t fields) { return (fields & e.fields) != 0; };
      return e.kind == Expr::Kind::any ? std::any_of(begin, end, found) : std::all_of(begin, end, found);
    }
    case Expr::Kind::macro:
      return false;  // inlined by the compiler; never reached
  }
  return false;
}

// Collects the terms behind the parts of a fired rule's condition that made it true: true
// branches of `or`, every part of `and`, never anything under `not`.
void RuleEvaluator::explain(const Expr& e, const CompiledRuleSet& set, std::vector<MatchedTerm>& out) const {
  if (e.kind == Expr::Kind::not_ || !eval(e)) return;
  for (const Expr& c : e.children) explain(c, set, out);
  if (e.kind != Expr::Kind::any && e.kind != Expr::Kind::all) return;
  for (const PatternHit& hit : hits_) {
    const CompiledPattern& p = set.patterns()[static_cast<std::size_t>(hit.pattern)];
    if (set.list_of_entry(p.entry) != e.list_index || (hit.field & e.fields) == 0) continue;
    MatchedTerm m{set.lists()[static_cast<std::size_t>(e.list_index)].name, p.term,
                  std::string(to_string(static_cast<TextField>(hit.field)))};
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(std::move(m));
  }
}

Result<std::vector<Alert>> RuleEvaluator::evaluate(const CompiledRuleSet& set, const Event& event,
                                                   const std::string& fired_at) {
  current_ = &set;
  hits_.clear();
  entry_fields_.assign(set.entry_count(), 0);
  if (const hs_database_t* db = set.database()) {
    if (hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) {
      return make_error("rules.scratch", "cannot allocate Vectorscan scratch space");
    }
    const std::pair<TextField, const std::string*> fields[] = {
        {TextField::title, &event.data.title}, {TextField::summary, &event.data.summary}, {TextField::content, &event.data.content}};
    for (const auto& [field, text] : fields) {
      if (text->empty()) continue;
      ScanContext ctx{&hits_, static_cast<std::uint8_t>(field)};
      if (hs_scan(db, text->data(), static_cast<unsigned int>(text->size()), 0, scratch_, &on_match, &ctx) != HS_SUCCESS) {
        return make_error("rules.scan", fmt::format("Vectorscan scan failed on event {}", event.id));
      }
    }
    for (const PatternHit& hit : hits_) {
      entry_fields_[static_cast<std::size_t>(set.patterns()[static_cast<std::size_t>(hit.pattern)].entry)] |= hit.field;
    }
  }

  std::vector<Alert> alerts;
  for (const CompiledRule& rule : set.rules()) {
    if (!rule.enabled || !eval(rule.condition)) continue;
    Alert a;
    a.id = make_alert_id(rule.id, event.id);
    a.rule = rule.id;
    a.signal = rule.signal;
    a.severity = rule.severity;
    a.labels = rule.labels;
    for (const auto& [entity, list_index] : rule.extract) {
      const CompiledList& list = set.lists()[static_cast<std::size_t>(list_index)];
      std::vector<std::string> values;
      for (std::size_t i = 0; i < list.entry_names.size(); ++i) {
        if (entry_fields_[static_cast<std::size_t>(list.first_entry) + i] == 0) continue;
        if (std::find(values.begin(), values.end(), list.entry_names[i]) == values.end()) values.push_back(list.entry_names[i]);
      }
      if (!values.empty()) a.entities[entity] = std::move(values);
    }
    for (const auto& part : rule.summary.parts) {
      if (!part.placeholder) a.summary += part.text;
      else if (part.text == "title") a.summary += event.data.title;
      else if (part.text == "url") a.summary += event.data.url;
      else if (part.text == "source") a.summary += event.source;
      else if (part.text == "time") a.summary += event.time;
      else if (part.text == "signal") a.summary += rule.signal;
      else if (part.text == "rule") a.summary += rule.id;
      else if (auto it = a.entities.find(part.text); it != a.entities.end()) a.summary += join(it->second);
    }
    a.event = {event.id, event.source, event.data.url, event.data.title, event.time};
    a.fired_at = fired_at;
    explain(rule.condition, set, a.matched);
    alerts.push_back(std::move(a));
  }
  current_ = nullptr;
  return alerts;
}

}  // namespace sigflow::rules
