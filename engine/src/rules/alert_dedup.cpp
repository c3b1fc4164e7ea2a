#include "rules/alert_dedup.hpp"

namespace sigflow::rules {

bool AlertDeduplicator::admit(const Alert& alert, std::chrono::milliseconds ttl, Clock::time_point now) {
  if (alert.dedup_key.empty() || ttl.count() <= 0) return true;
  expire(now);
  auto [it, inserted] = expiry_.try_emplace({alert.rule, alert.dedup_key}, now + ttl);
  if (inserted) return true;
  if (it->second > now) return false;
  it->second = now + ttl;
  return true;
}

void AlertDeduplicator::expire(Clock::time_point now) {
  // A sweep per minute of (event or wall) time keeps memory bounded by the keys seen per ttl.
  if (now - last_sweep_ < std::chrono::minutes(1)) return;
  last_sweep_ = now;
  std::erase_if(expiry_, [&](const auto& entry) { return entry.second <= now; });
}

}  // namespace sigflow::rules
