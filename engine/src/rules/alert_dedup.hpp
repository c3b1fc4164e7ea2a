#pragma once
// AlertDeduplicator: suppresses repeats of an alert with the same rule and dedup key within
// the rule's ttl. In memory; expired keys are dropped as time advances. Owned by one thread
// (the engine thread, or a replay).
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <utility>

#include "sigflow/alert.hpp"

namespace sigflow::rules {

class AlertDeduplicator {
 public:
  using Clock = std::chrono::system_clock;

  // True when the alert should be delivered; false when it repeats a key still within ttl.
  // Alerts without a dedup key, or with ttl <= 0, are always admitted.
  bool admit(const Alert& alert, std::chrono::milliseconds ttl, Clock::time_point now);
  // Takes an admitted alert back (it could not be handed to its sinks), so that its next
  // occurrence is admitted again.
  void forget(const Alert& alert) { expiry_.erase({alert.rule, alert.dedup_key}); }
  std::size_t size() const { return expiry_.size(); }

 private:
  void expire(Clock::time_point now);
  std::map<std::pair<std::string, std::string>, Clock::time_point> expiry_;  // (rule, key) -> until
  Clock::time_point last_sweep_{};
};

}  // namespace sigflow::rules
