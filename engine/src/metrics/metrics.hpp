#pragma once
// Metrics: the Prometheus registry of one sigflow process and typed accessors for the series
// the runtime updates. Names follow Prometheus conventions (docs/operations.md lists them).
// Thread-safe: prometheus-cpp counters, gauges and histograms are atomic; family lookups lock.
#include <memory>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace sigflow {

class Metrics {
 public:
  Metrics();

  // Creates a source's zero-valued series so dashboards see it before its first poll.
  void add_source(const std::string& source);
  // Per source: fetch results by outcome ("ok" or an error code with '.' -> '_'), events
  // handed to the bus, parse errors, fetch latency, last success time.
  void fetch_result(const std::string& source, const std::string& result);
  void events_in(const std::string& source, double n);
  void parse_error(const std::string& source);
  void fetch_duration(const std::string& source, double seconds);
  void last_success(const std::string& source, double unix_seconds);
  void duplicates(const std::string& source, double n);
  void rejected_items(const std::string& source, double n);
  // Health: up is 1 while the last poll succeeded; empty is 1 while an extraction that used to
  // yield items yields none (source_empty).
  void source_up(const std::string& source, bool up);
  void source_empty(const std::string& source, bool empty);

  void event_processed(double evaluation_seconds);
  void alert(const std::string& rule, const std::string& signal);
  void alert_suppressed(const std::string& rule);
  // Delivery, per sink: alerts delivered (with their time from outbox to receiver), failed
  // attempts by reason, retries scheduled, dead letters by reason, the outbox's contents, the
  // circuit breaker and whether the outbox is full (the engine waits).
  void add_sink(const std::string& sink);
  void sink_sent(const std::string& sink, double latency_seconds);
  void sink_failed(const std::string& sink, const std::string& reason);
  void sink_retried(const std::string& sink);
  void sink_suppressed(const std::string& sink);  // a repeat within its rule's dedup ttl, not sent here
  void sink_dead_lettered(const std::string& sink, const std::string& reason);
  void outbox(const std::string& sink, double depth, double bytes, double dead_letters);
  void sink_breaker(const std::string& sink, bool open);
  void outbox_full(const std::string& sink, bool full);
  void bus_depth(double depth);
  // The active rule set: its rule count and content hash (sigflow_rules_info{hash}).
  void rule_set(double count, const std::string& hash);
  // A reload attempt: its outcome, its duration and, on success, its time.
  void rules_reloaded(bool success, double seconds);
  // The rules loaded at start-up: a success at this time, not counted as a reload.
  void rules_started();
  // 1 while the config file has changes that a reload cannot apply (sources, sinks, ...).
  void config_restart_required(bool required);
  void set_ready(bool ready);

  // Kafka mode (engine side).
  void kafka_consumed(double n);
  void kafka_dead_lettered(const std::string& reason);
  void kafka_produce_error();
  void kafka_commit(double seconds);
  void kafka_lag(const std::string& topic, int partition, double lag);
  // A partition this engine no longer owns: its lag is another member's to report.
  void kafka_lag_gone(const std::string& topic, int partition);
  void end_to_end(double seconds);  // event CreateTime -> its alert produced

  std::string serialize() const;  // Prometheus text exposition format 0.0.4

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& fetches_;
  prometheus::Family<prometheus::Counter>& events_in_;
  prometheus::Family<prometheus::Counter>& parse_errors_;
  prometheus::Family<prometheus::Histogram>& fetch_duration_;
  prometheus::Family<prometheus::Gauge>& last_success_;
  prometheus::Family<prometheus::Counter>& duplicates_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Gauge>& source_up_;
  prometheus::Family<prometheus::Gauge>& source_empty_;
  prometheus::Counter& events_processed_;
  prometheus::Histogram& evaluation_seconds_;
  prometheus::Family<prometheus::Counter>& alerts_;
  prometheus::Family<prometheus::Counter>& suppressed_;
  prometheus::Family<prometheus::Counter>& sink_sent_;
  prometheus::Family<prometheus::Counter>& sink_failed_;
  prometheus::Family<prometheus::Counter>& sink_retried_;
  prometheus::Family<prometheus::Counter>& sink_suppressed_;
  prometheus::Family<prometheus::Counter>& sink_dead_;
  prometheus::Family<prometheus::Histogram>& sink_latency_;
  prometheus::Family<prometheus::Gauge>& outbox_depth_;
  prometheus::Family<prometheus::Gauge>& outbox_bytes_;
  prometheus::Family<prometheus::Gauge>& outbox_dead_;
  prometheus::Family<prometheus::Gauge>& sink_breaker_;
  prometheus::Family<prometheus::Gauge>& outbox_full_;
  prometheus::Gauge& bus_depth_;
  prometheus::Gauge& rules_loaded_;
  prometheus::Family<prometheus::Gauge>& rules_info_;
  std::mutex rules_hash_mutex_;
  std::string rules_hash_;  // the label of rules_info_'s one series
  prometheus::Gauge& reload_success_;
  prometheus::Gauge& reload_success_time_;
  prometheus::Gauge& reload_seconds_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Gauge& restart_required_;
  prometheus::Gauge& ready_;
  prometheus::Counter& kafka_consumed_;
  prometheus::Family<prometheus::Counter>& kafka_dlq_;
  prometheus::Counter& kafka_produce_errors_;
  prometheus::Histogram& kafka_commit_seconds_;
  prometheus::Family<prometheus::Gauge>& kafka_lag_;
  prometheus::Histogram& end_to_end_seconds_;
};

}  // namespace sigflow
