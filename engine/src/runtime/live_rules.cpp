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
  std::string now = now_rfc3339();
  std::lock_guard lock(mutex_);
  Hits& h = hits_[rule_id];
  ++h.count;
  h.last = std::move(now);
}

std::map<std::string, LiveRules::Hits> LiveRules::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace sigflow
