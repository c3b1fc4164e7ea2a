#pragma once
// EventProcessor: the engine's step for one event, shared by the standalone and Kafka runtimes.
// It evaluates the live rules (a reloaded set from the next event on), drops repeats within a rule's dedup ttl, writes the admitted alerts to
// their sinks' outboxes and counts everything. One per engine thread; not thread-safe.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "rules/alert_dedup.hpp"
#include "rules/rule_set.hpp"
#include "runtime/live_rules.hpp"
#include "delivery/alert_delivery.hpp"

namespace sigflow {

struct EngineCounts {
  std::size_t alerts = 0;
  std::size_t suppressed = 0;
  std::size_t sink_errors = 0;
  std::size_t evaluation_errors = 0;
  std::map<std::string, std::size_t> alerts_by_signal;
};

class EventProcessor {
 public:
  // `delivery` may be null: alerts are then only returned (Kafka mode without sinks, benchmarks).
  EventProcessor(LiveRules& rules, delivery::AlertDelivery* delivery, Metrics& metrics);

  // The alerts admitted for `event`, already in their sinks' outboxes, or the first error:
  // evaluation (logged and counted) or outbox (outbox.io, outbox.full at shutdown).
  Result<std::vector<Alert>> process(const Event& event);
  // Makes the outboxes durable (fsync); call before committing the input. Failures are logged
  // and counted.
  Status sync_outbox();
  const EngineCounts& counts() const { return counts_; }

 private:
  LiveRules& live_;
  std::uint64_t version_ = 0;  // of rules_
  std::shared_ptr<const rules::CompiledRuleSet> rules_;
  delivery::AlertDelivery* delivery_;
  Metrics& metrics_;
  rules::RuleEvaluator evaluator_;
  rules::AlertDeduplicator dedup_;
  EngineCounts counts_;
};

}  // namespace sigflow
