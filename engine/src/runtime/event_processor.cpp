#include "runtime/event_processor.hpp"

#include <chrono>

#include "sigflow/log.hpp"
#include "sigflow/time.hpp"

namespace sigflow {

EventProcessor::EventProcessor(std::shared_ptr<const rules::CompiledRuleSet> rules, std::vector<std::unique_ptr<Sink>>& sinks,
                               Metrics& metrics)
    : rules_(std::move(rules)), sinks_(sinks), metrics_(metrics) {}

Result<std::vector<Alert>> EventProcessor::process(const Event& event) {
  const auto t0 = std::chrono::steady_clock::now();
  auto alerts = evaluator_.evaluate(*rules_, event, now_rfc3339());
  metrics_.event_processed(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!alerts) {
    logger("engine")->error("event {} from '{}' could not be evaluated: {}", event.id, event.source, alerts.error().message);
    ++counts_.evaluation_errors;
    return alerts.error();
  }
  std::vector<Alert> admitted;
  for (Alert& alert : *alerts) {
    if (!dedup_.admit(alert, rules_->dedup_ttl(alert.rule), std::chrono::system_clock::now())) {
      metrics_.alert_suppressed(alert.rule);
      ++counts_.suppressed;
      continue;
    }
    metrics_.alert(alert.rule, alert.signal);
    for (auto& sink : sinks_) {
      auto written = sink->write(alert);
      metrics_.sink_write(sink->spec().id, written.ok());
      if (!written) {
        ++counts_.sink_errors;
        logger("engine")->error("sink '{}' lost alert {}: {}", sink->spec().id, alert.id, written.error().message);
      }
    }
    ++counts_.alerts;
    ++counts_.alerts_by_signal[alert.signal];
    admitted.push_back(std::move(alert));
  }
  return admitted;
}

void EventProcessor::flush_sinks() {
  for (auto& sink : sinks_) {
    if (auto flushed = sink->flush(); !flushed) {
      logger("engine")->error("sink '{}' flush failed: {}", sink->spec().id, flushed.error().message);
      ++counts_.sink_errors;
    }
  }
}

}  // namespace sigflow
