#pragma once
// KafkaEngine: `sigflow run` in Kafka mode. One member of a consumer group on the events topic
// (cooperative-sticky): each message is evaluated, its alerts go to the sinks and to the alerts
// topic (key = the alert's dedup key), and bad messages go to the dead-letter topic with the
// reason, source topic, partition and offset in headers.
//
// At-least-once: an input offset is committed only when every alert and dead letter produced
// for it and for the messages before it was acknowledged by the brokers. On a revocation the
// engine has no message of that partition in flight (it processes one message at a time);
// it waits for its outputs to be acknowledged and commits before the partitions go.
#include <memory>
#include <vector>

#include "config/app_config.hpp"
#include "metrics/metrics.hpp"
#include "rules/rule_set.hpp"
#include "runtime/admin_endpoint.hpp"
#include "runtime/live_rules.hpp"
#include "runtime/standalone_runtime.hpp"
#include "delivery/alert_delivery.hpp"

namespace sigflow::kafka {

class KafkaEngine {
 public:
  // `admin_routes` join /outbox on the admin endpoint (the reloader's).
  KafkaEngine(const AppConfig& config, LiveRules& rules, std::unique_ptr<delivery::AlertDelivery> delivery, Metrics& metrics,
              std::vector<AdminRoute> admin_routes = {});
  ~KafkaEngine();

  // Consumes until SIGINT/SIGTERM or request_stop(), then commits what was acknowledged and
  // leaves the group. Fails when Kafka clients cannot be created, the admin address cannot be
  // bound, or an output could not be delivered (nothing behind it was committed).
  Result<RunStats> run_until_stopped();
  void request_stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow::kafka
