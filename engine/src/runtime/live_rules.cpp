#include "runtime/live_rules.hpp"

#include "sigflow/time.hpp"

namespace sigflow {

LiveRules::LiveRules(std::shared_ptr<const rules::CompiledRuleSet> initial) : set_(std::move(initial)) {}

std::shared_ptr<const rules::CompiledRuleSet> LiveRules::current() const {
  std::lock_guard lock(mutex_);
  return set_;
}

void LiveRules::swap(std::shared_ptr<const rules::CompiledRuleSet> next) {
  std::lock_guard lock(mutex_);
  set_ = std::move(next);
  version_.fetch_add(1, std::memory_order_release);
}

void LiveRules::hit(const std::string& rule_id) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mutex_);
  Counted& h = hits_[rule_id];
  ++h.count;
  h.last = now;
}

std::map<std::string, LiveRules::Hits> LiveRules::hits() const {
  std::map<std::string, Counted> counted;
  {
    std::lock_guard lock(mutex_);
    counted = hits_;
  }
  std::map<std::string, Hits> out;
  for (const auto& [rule, h] : counted) out[rule] = {h.count, format_rfc3339_ms(h.last)};
  return out;
}

}  // namespace sigflow
