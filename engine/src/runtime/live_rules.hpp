#pragma once
// LiveRules: the rule set the engine evaluates now. A reload replaces it whole; the engine
// thread picks the new set up before its next event (one atomic load per event, a lock only
// after a swap), so every event is evaluated by exactly one set. Also counts each rule's hits
// (matches before dedup) since the process started, for GET /rules. Thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rules/rule_set.hpp"

namespace sigflow {

class LiveRules {
 public:
  explicit LiveRules(std::shared_ptr<const rules::CompiledRuleSet> initial);

  std::shared_ptr<const rules::CompiledRuleSet> current() const;
  // Changes at every swap; lets a reader skip current() while it still holds the live set.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  void swap(std::shared_ptr<const rules::CompiledRuleSet> next);

  void hit(const std::string& rule_id);
  struct Hits {
    std::uint64_t count = 0;
    std::string last;  // RFC 3339; empty: never
  };
  std::map<std::string, Hits> hits() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const rules::CompiledRuleSet> set_;
  std::atomic<std::uint64_t> version_{1};
  struct Counted {
    std::uint64_t count = 0;
    std::chrono::system_clock::time_point last;  // formatted only when asked for
  };
  std::map<std::string, Counted> hits_;
};

}  // namespace sigflow
