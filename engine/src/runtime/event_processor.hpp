#pragma once
// EventProcessor: the engine's step for one event, shared by the standalone and Kafka runtimes.
// It evaluates the rules, drops repeats within a rule's dedup ttl, writes the admitted alerts to
// the sinks and counts everything. One per engine thread; not thread-safe.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"
#include "rules/alert_dedup.hpp"
#include "rules/rule_set.hpp"
#include "sigflow/sink.hpp"

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
  EventProcessor(std::shared_ptr<const rules::CompiledRuleSet> rules, std::vector<std::unique_ptr<Sink>>& sinks, Metrics& metrics);

  // The alerts admitted for `event` (already written to every sink; sink failures are logged
  // and counted), or the evaluation error (logged and counted).
  Result<std::vector<Alert>> process(const Event& event);
  // Flushes (fsyncs) every sink; failures are logged and counted.
  void flush_sinks();
  const EngineCounts& counts() const { return counts_; }

 private:
  std::shared_ptr<const rules::CompiledRuleSet> rules_;
  std::vector<std::unique_ptr<Sink>>& sinks_;
  Metrics& metrics_;
  rules::RuleEvaluator evaluator_;
  rules::AlertDeduplicator dedup_;
  EngineCounts counts_;
};

}  // namespace sigflow
