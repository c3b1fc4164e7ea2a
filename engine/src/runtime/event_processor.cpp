#include "runtime/event_processor.hpp"

#include <chrono>
#include <optional>

#include "sigflow/log.hpp"
#include "sigflow/time.hpp"

namespace sigflow {

EventProcessor::EventProcessor(LiveRules& rules, delivery::AlertDelivery* delivery, Metrics& metrics)
    : live_(rules), delivery_(delivery), metrics_(metrics) {}

Result<std::vector<Alert>> EventProcessor::process(const Event& event) {
  if (const auto version = live_.version(); version != version_) {
    rules_ = live_.current();
    version_ = version;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto alerts = evaluator_.evaluate(*rules_, event, now_rfc3339());
  metrics_.event_processed(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (!alerts) {
    logger("engine")->error("event {} from '{}' could not be evaluated: {}", event.id, event.source, alerts.error().message);
    ++counts_.evaluation_errors;
    return alerts.error();
  }
  std::vector<Alert> admitted;
  std::optional<Error> not_handed_off;  // the first; every alert is still tried
  for (Alert& alert : *alerts) {
    live_.hit(alert.rule);
    if (!dedup_.admit(alert, rules_->dedup_ttl(alert.rule), std::chrono::system_clock::now())) {
      metrics_.alert_suppressed(alert.rule);
      if (delivery_ != nullptr) delivery_->suppressed(alert);
      ++counts_.suppressed;
      continue;
    }
    metrics_.alert(alert.rule, alert.signal);
    if (delivery_ != nullptr) {
      if (auto handed = delivery_->accept(alert); !handed) {
        ++counts_.sink_errors;
        logger("engine")->error("alert {} of event {} not handed to its sinks: {}", alert.id, event.id, handed.error().message);
        dedup_.forget(alert);  // its next occurrence must not count as a repeat
        if (!not_handed_off) not_handed_off = handed.error();
        continue;
      }
    }
    ++counts_.alerts;
    ++counts_.alerts_by_signal[alert.signal];
    admitted.push_back(std::move(alert));
  }
  if (not_handed_off) return *not_handed_off;
  return admitted;
}

Status EventProcessor::sync_outbox() {
  if (delivery_ == nullptr) return Ok{};
  auto synced = delivery_->sync();
  if (!synced) {
    logger("engine")->error("cannot sync the outbox: {}", synced.error().message);
    ++counts_.sink_errors;
  }
  return synced;
}

}  // namespace sigflow
