#include "metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>

#include "sigflow/version.hpp"

namespace sigflow {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

prometheus::Histogram::BucketBoundaries fetch_buckets() { return {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}; }
prometheus::Histogram::BucketBoundaries delivery_buckets() { return {0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600}; }
prometheus::Histogram::BucketBoundaries evaluation_buckets() {
  return {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1};
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      fetches_(BuildCounter().Name("sigflow_source_fetches_total").Help("Source polls by result (ok or the error kind).").Register(*registry_)),
      events_in_(BuildCounter().Name("sigflow_events_in_total").Help("Events a source handed to the bus.").Register(*registry_)),
      parse_errors_(BuildCounter().Name("sigflow_parse_errors_total").Help("Source responses that could not be parsed.").Register(*registry_)),
      fetch_duration_(BuildHistogram().Name("sigflow_source_fetch_duration_seconds").Help("Time to fetch and parse a source.").Register(*registry_)),
      last_success_(BuildGauge().Name("sigflow_source_last_success_timestamp_seconds").Help("Unix time of the last successful poll.").Register(*registry_)),
      duplicates_(BuildCounter().Name("sigflow_source_duplicates_total").Help("Items a source found again and skipped (delivered before).").Register(*registry_)),
      rejected_(BuildCounter().Name("sigflow_source_rejected_items_total").Help("Items in a source's response that could not become events (logged with the reason).").Register(*registry_)),
      source_up_(BuildGauge().Name("sigflow_source_up").Help("1 while the source's last poll succeeded, 0 while it fails.").Register(*registry_)),
      source_empty_(BuildGauge().Name("sigflow_source_empty").Help("1 while an extraction that used to yield items yields none (site redesign?).").Register(*registry_)),
      events_processed_(BuildCounter().Name("sigflow_events_processed_total").Help("Events evaluated against the rules.").Register(*registry_).Add({})),
      evaluation_seconds_(BuildHistogram().Name("sigflow_rule_evaluation_seconds").Help("Time to match one event against all rules.").Register(*registry_).Add({}, evaluation_buckets())),
      alerts_(BuildCounter().Name("sigflow_alerts_total").Help("Alerts fired, by rule and signal.").Register(*registry_)),
      suppressed_(BuildCounter().Name("sigflow_alerts_suppressed_total").Help("Alerts dropped as repeats within their rule's dedup ttl.").Register(*registry_)),
      sink_sent_(BuildCounter().Name("sigflow_sink_alerts_sent_total").Help("Alerts a sink's receiver accepted.").Register(*registry_)),
      sink_failed_(BuildCounter().Name("sigflow_sink_failures_total").Help("Failed delivery attempts per sink, by reason.").Register(*registry_)),
      sink_retried_(BuildCounter().Name("sigflow_sink_retries_total").Help("Alerts scheduled for another delivery attempt.").Register(*registry_)),
      sink_suppressed_(BuildCounter().Name("sigflow_sink_suppressed_total").Help("Repeats within their rule's dedup ttl that this sink would have received.").Register(*registry_)),
      sink_dead_(BuildCounter().Name("sigflow_sink_dead_letters_total").Help("Alerts moved to a sink's dead letters, by reason.").Register(*registry_)),
      sink_latency_(BuildHistogram().Name("sigflow_sink_delivery_latency_seconds").Help("From an alert entering the outbox to its receiver accepting it.").Register(*registry_)),
      outbox_depth_(BuildGauge().Name("sigflow_outbox_depth").Help("Alerts waiting in a sink's outbox.").Register(*registry_)),
      outbox_bytes_(BuildGauge().Name("sigflow_outbox_bytes").Help("Bytes a sink's outbox holds (waiting alerts and dead letters).").Register(*registry_)),
      outbox_dead_(BuildGauge().Name("sigflow_outbox_dead_letters").Help("Dead letters kept for a sink (see sigflow outbox list).").Register(*registry_)),
      sink_breaker_(BuildGauge().Name("sigflow_sink_circuit_open").Help("1 while a sink's circuit breaker holds deliveries.").Register(*registry_)),
      outbox_full_(BuildGauge().Name("sigflow_outbox_full").Help("1 while a sink's outbox is at its disk budget and the engine waits.").Register(*registry_)),
      bus_depth_(BuildGauge().Name("sigflow_bus_depth").Help("Events waiting on the in-process bus.").Register(*registry_).Add({})),
      rules_loaded_(BuildGauge().Name("sigflow_rules_loaded").Help("Rules in the active rule set.").Register(*registry_).Add({})),
      rules_info_(BuildGauge().Name("sigflow_rules_info").Help("1, labelled with the content hash of the active rule set (rule files and currency rates).").Register(*registry_)),
      reload_success_(BuildGauge().Name("sigflow_rules_last_reload_success").Help("1 if the last rule reload succeeded (or none was tried), 0 if it failed and the previous set still runs.").Register(*registry_).Add({})),
      reload_success_time_(BuildGauge().Name("sigflow_rules_last_reload_success_timestamp_seconds").Help("Unix time of the last successful rule load.").Register(*registry_).Add({})),
      reload_seconds_(BuildGauge().Name("sigflow_rules_reload_duration_seconds").Help("Time the last rule load took to read and compile.").Register(*registry_).Add({})),
      reloads_(BuildCounter().Name("sigflow_rules_reloads_total").Help("Rule reloads tried, by result (success or failure).").Register(*registry_)),
      restart_required_(BuildGauge().Name("sigflow_config_restart_required").Help("1 while the config file has changes a reload cannot apply; restart to apply them.").Register(*registry_).Add({})),
      ready_(BuildGauge().Name("sigflow_ready").Help("1 while the pipeline accepts work.").Register(*registry_).Add({})),
      kafka_consumed_(BuildCounter().Name("sigflow_kafka_events_consumed_total").Help("Messages the engine consumed from the events topic.").Register(*registry_).Add({})),
      kafka_dlq_(BuildCounter().Name("sigflow_kafka_dead_letters_total").Help("Messages sent to the dead-letter topic, by reason.").Register(*registry_)),
      kafka_produce_errors_(BuildCounter().Name("sigflow_kafka_produce_errors_total").Help("Alerts or dead letters Kafka did not accept.").Register(*registry_).Add({})),
      kafka_commit_seconds_(BuildHistogram().Name("sigflow_kafka_commit_duration_seconds").Help("Time to commit consumer offsets.").Register(*registry_).Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})),
      kafka_lag_(BuildGauge().Name("sigflow_kafka_consumer_lag").Help("Messages behind the end of each assigned partition.").Register(*registry_)),
      end_to_end_seconds_(BuildHistogram().Name("sigflow_end_to_end_latency_seconds").Help("From an event's Kafka timestamp to its alert produced.").Register(*registry_).Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5})) {
  // Known label values start at 0, so that increase() sees the first one.
  for (const char* reason : {"invalid", "too_large", "evaluation", "outbox"}) kafka_dlq_.Add({{"reason", reason}});
  reloads_.Add({{"result", "success"}});
  reloads_.Add({{"result", "failure"}});
  reload_success_.Set(1);  // no reload has failed (and `sigflow connect` has no rules to reload)
  BuildGauge().Name("sigflow_build_info").Help("Build information.").Register(*registry_).Add({{"version", std::string(kVersion)}}).Set(1);
}

void Metrics::add_source(const std::string& source) {
  fetches_.Add({{"source", source}, {"result", "ok"}});
  events_in_.Add({{"source", source}});
  parse_errors_.Add({{"source", source}});
  duplicates_.Add({{"source", source}});
  rejected_.Add({{"source", source}});
  source_up_.Add({{"source", source}}).Set(1);
  source_empty_.Add({{"source", source}}).Set(0);
}

void Metrics::fetch_result(const std::string& source, const std::string& result) {
  std::string r = result;
  std::replace(r.begin(), r.end(), '.', '_');
  fetches_.Add({{"source", source}, {"result", r}}).Increment();
}
void Metrics::events_in(const std::string& source, double n) { events_in_.Add({{"source", source}}).Increment(n); }
void Metrics::parse_error(const std::string& source) { parse_errors_.Add({{"source", source}}).Increment(); }
void Metrics::fetch_duration(const std::string& source, double seconds) {
  fetch_duration_.Add({{"source", source}}, fetch_buckets()).Observe(seconds);
}
void Metrics::last_success(const std::string& source, double unix_seconds) { last_success_.Add({{"source", source}}).Set(unix_seconds); }
void Metrics::duplicates(const std::string& source, double n) { duplicates_.Add({{"source", source}}).Increment(n); }
void Metrics::rejected_items(const std::string& source, double n) { rejected_.Add({{"source", source}}).Increment(n); }
void Metrics::source_up(const std::string& source, bool up) { source_up_.Add({{"source", source}}).Set(up ? 1 : 0); }
void Metrics::source_empty(const std::string& source, bool empty) { source_empty_.Add({{"source", source}}).Set(empty ? 1 : 0); }
void Metrics::event_processed(double evaluation_seconds) {
  events_processed_.Increment();
  evaluation_seconds_.Observe(evaluation_seconds);
}
void Metrics::alert(const std::string& rule, const std::string& signal) { alerts_.Add({{"rule", rule}, {"signal", signal}}).Increment(); }
void Metrics::alert_suppressed(const std::string& rule) { suppressed_.Add({{"rule", rule}}).Increment(); }
void Metrics::add_sink(const std::string& sink) {
  sink_sent_.Add({{"sink", sink}});
  sink_retried_.Add({{"sink", sink}});
  sink_suppressed_.Add({{"sink", sink}});
  sink_latency_.Add({{"sink", sink}}, delivery_buckets());
  outbox(sink, 0, 0, 0);
  sink_breaker(sink, false);
  outbox_full(sink, false);
}
void Metrics::sink_sent(const std::string& sink, double latency_seconds) {
  sink_sent_.Add({{"sink", sink}}).Increment();
  sink_latency_.Add({{"sink", sink}}, delivery_buckets()).Observe(latency_seconds);
}
void Metrics::sink_failed(const std::string& sink, const std::string& reason) { sink_failed_.Add({{"sink", sink}, {"reason", reason}}).Increment(); }
void Metrics::sink_retried(const std::string& sink) { sink_retried_.Add({{"sink", sink}}).Increment(); }
void Metrics::sink_suppressed(const std::string& sink) { sink_suppressed_.Add({{"sink", sink}}).Increment(); }
void Metrics::sink_dead_lettered(const std::string& sink, const std::string& reason) {
  sink_dead_.Add({{"sink", sink}, {"reason", reason}}).Increment();
}
void Metrics::outbox(const std::string& sink, double depth, double bytes, double dead_letters) {
  outbox_depth_.Add({{"sink", sink}}).Set(depth);
  outbox_bytes_.Add({{"sink", sink}}).Set(bytes);
  outbox_dead_.Add({{"sink", sink}}).Set(dead_letters);
}
void Metrics::sink_breaker(const std::string& sink, bool open) { sink_breaker_.Add({{"sink", sink}}).Set(open ? 1 : 0); }
void Metrics::outbox_full(const std::string& sink, bool full) { outbox_full_.Add({{"sink", sink}}).Set(full ? 1 : 0); }
void Metrics::bus_depth(double depth) { bus_depth_.Set(depth); }
void Metrics::rule_set(double count, const std::string& hash) {
  rules_loaded_.Set(count);
  std::lock_guard lock(rules_hash_mutex_);
  if (hash == rules_hash_) return;
  if (!rules_hash_.empty()) rules_info_.Remove(&rules_info_.Add({{"hash", rules_hash_}}));
  rules_info_.Add({{"hash", hash}}).Set(1);
  rules_hash_ = hash;
}
void Metrics::rules_reloaded(bool success, double seconds) {
  reloads_.Add({{"result", success ? "success" : "failure"}}).Increment();
  reload_success_.Set(success ? 1 : 0);
  reload_seconds_.Set(seconds);
  if (success) reload_success_time_.SetToCurrentTime();
}
void Metrics::rules_started() {
  reload_success_.Set(1);
  reload_success_time_.SetToCurrentTime();
}
void Metrics::config_restart_required(bool required) { restart_required_.Set(required ? 1 : 0); }
void Metrics::set_ready(bool ready) { ready_.Set(ready ? 1 : 0); }

void Metrics::kafka_consumed(double n) { kafka_consumed_.Increment(n); }
void Metrics::kafka_dead_lettered(const std::string& reason) { kafka_dlq_.Add({{"reason", reason}}).Increment(); }
void Metrics::kafka_produce_error() { kafka_produce_errors_.Increment(); }
void Metrics::kafka_commit(double seconds) { kafka_commit_seconds_.Observe(seconds); }
void Metrics::kafka_lag(const std::string& topic, int partition, double lag) {
  kafka_lag_.Add({{"topic", topic}, {"partition", std::to_string(partition)}}).Set(lag);
}
void Metrics::kafka_lag_gone(const std::string& topic, int partition) {
  kafka_lag_.Remove(&kafka_lag_.Add({{"topic", topic}, {"partition", std::to_string(partition)}}));
}
void Metrics::end_to_end(double seconds) { end_to_end_seconds_.Observe(seconds); }

std::string Metrics::serialize() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace sigflow
