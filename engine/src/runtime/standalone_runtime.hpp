#pragma once
// StandaloneRuntime: sources, the in-process bus and the engine in one process (the embedded
// default, no Kafka).
//
// Threads: a control thread runs the io_context (source timers, admin HTTP, signals); a pool
// of `fetch_workers` threads runs blocking source polls and publishes to the bus (blocking on
// backpressure); one engine thread takes events off the bus, evaluates the rules and hands
// alerts to their sinks' outboxes (AlertDelivery's workers deliver them). Shutdown order: stop
// timers, finish in-flight polls, close the bus, drain it through the engine, sync the outbox,
// wait up to delivery.drain_timeout for deliveries. Without a rule set (`sigflow connect`),
// the engine thread writes the events themselves to stdout as JSON lines.
#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/app_config.hpp"
#include "metrics/metrics.hpp"
#include "rules/rule_set.hpp"
#include "runtime/admin_endpoint.hpp"
#include "runtime/event_processor.hpp"
#include "runtime/live_rules.hpp"
#include "sigflow/bus.hpp"
#include "sigflow/source.hpp"

namespace sigflow {

struct RunStats {
  std::size_t polls = 0;
  std::size_t failed_polls = 0;
  std::size_t events = 0;
  std::size_t alerts = 0;
  std::size_t suppressed = 0;  // repeats within a rule's dedup ttl
  std::size_t sink_errors = 0;
  std::size_t evaluation_errors = 0;
  std::size_t dead_letters = 0;  // Kafka mode
  std::size_t undelivered = 0;   // alerts still in outboxes at exit
  std::size_t dead_lettered = 0;  // alerts receivers refused (see sigflow outbox list)
  std::map<std::string, std::size_t> alerts_by_signal;
  std::vector<std::string> failed_sources;
  double seconds = 0;

  // Adds what the engine thread counted.
  void add(const EngineCounts& engine) {
    alerts += engine.alerts;
    suppressed += engine.suppressed;
    sink_errors += engine.sink_errors;
    evaluation_errors += engine.evaluation_errors;
    for (const auto& [signal, n] : engine.alerts_by_signal) alerts_by_signal[signal] += n;
  }
};

class StandaloneRuntime {
 public:
  // With `publisher` (Kafka mode of `sigflow connect`), sources hand their events to it
  // instead of the in-process bus, and no engine thread runs. `rules` is null for `sigflow
  // connect`. `admin_routes` join /outbox on the admin endpoint (the reloader's).
  StandaloneRuntime(const AppConfig& config, LiveRules* rules, std::vector<std::unique_ptr<Source>> sources,
                    std::unique_ptr<delivery::AlertDelivery> delivery, Metrics& metrics, EventPublisher* publisher = nullptr,
                    std::vector<AdminRoute> admin_routes = {});
  ~StandaloneRuntime();
  StandaloneRuntime(const StandaloneRuntime&) = delete;
  StandaloneRuntime& operator=(const StandaloneRuntime&) = delete;

  // Polls every source once, drains, flushes; returns what happened.
  RunStats run_once();
  // Polls each source on its interval and serves the admin endpoint until SIGINT/SIGTERM or
  // request_stop(), then drains and flushes. Fails only when the admin address can't be bound.
  Result<RunStats> run_until_stopped();
  // Thread-safe; also what SIGINT/SIGTERM do.
  void request_stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow
