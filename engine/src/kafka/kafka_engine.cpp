#include "kafka/kafka_engine.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <deque>
#include <map>
#include <optional>

#include <unistd.h>

#include <fmt/format.h>

#include "kafka/kafka_client.hpp"
#include "kafka/kafka_producer.hpp"
#include "runtime/admin_endpoint.hpp"
#include "runtime/event_processor.hpp"
#include "runtime/stop_signals.hpp"
#include "sigflow/log.hpp"
#include "sigflow/time.hpp"

namespace sigflow::kafka {

using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kCommitInterval = std::chrono::seconds(1);
constexpr auto kTransactionInterval = std::chrono::milliseconds(100);  // exactly_once: outputs visible within this

struct PendingOffset {
  std::int64_t next_offset;   // what to commit: the offset after the processed message
  std::uint64_t outputs_through;  // producer sequence that must be acknowledged first
};

}  // namespace

struct KafkaEngine::Impl : RdKafka::RebalanceCb, RdKafka::OffsetCommitCb {
  Impl(const AppConfig& config, LiveRules& rules, std::unique_ptr<delivery::AlertDelivery> delivery, Metrics& metrics,
       std::vector<AdminRoute> admin_routes)
      : config(config), kafka(*config.kafka), rules(rules), delivery(std::move(delivery)), metrics(metrics),
        admin_routes(std::move(admin_routes)), processor(rules, this->delivery.get(), metrics), log(logger("engine")) {}

  const AppConfig& config;
  const KafkaConfig& kafka;
  LiveRules& rules;
  std::unique_ptr<delivery::AlertDelivery> delivery;
  Metrics& metrics;
  std::vector<AdminRoute> admin_routes;
  EventProcessor processor;
  std::shared_ptr<spdlog::logger> log;
  std::unique_ptr<KafkaProducer> producer;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  std::map<int, std::deque<PendingOffset>> pending;  // by partition, in consumption order
  // exactly_once: the open transaction's input offsets (next offset per partition).
  std::map<int, std::int64_t> txn_offsets;
  Clock::time_point txn_started;
  std::atomic<bool> stopping{false};
  std::atomic<Clock::rep> stop_requested_at{0};  // steady clock ticks; 0: not yet
  std::size_t events = 0;
  std::size_t dead_letters = 0;

  void dead_letter(const RdKafka::Message& m, const std::string& reason, const std::string& detail) {
    Headers h = {{"sigflow.error", reason},
                 {"sigflow.error.detail", detail},
                 {"sigflow.source.topic", m.topic_name()},
                 {"sigflow.source.partition", std::to_string(m.partition())},
                 {"sigflow.source.offset", std::to_string(m.offset())}};
    const std::string key = m.key() != nullptr ? *m.key() : std::string();
    const std::string_view value(static_cast<const char*>(m.payload()), m.len());
    if (!producer->produce(kafka.topics.dlq, key, value, h)) metrics.kafka_produce_error();
    metrics.kafka_dead_lettered(reason);
    ++dead_letters;
    log->warn("dead-lettered {}/{}@{} ({}): {}", m.topic_name(), m.partition(), m.offset(), reason, detail);
  }

  void handle(const RdKafka::Message& m) {
    metrics.kafka_consumed(1);
    if (m.len() > kafka.max_event_bytes) {
      dead_letter(m, "too_large", fmt::format("{} bytes, more than max_event_bytes {}", m.len(), kafka.max_event_bytes));
    } else if (auto event = Event::from_json(std::string_view(static_cast<const char*>(m.payload()), m.len())); !event) {
      dead_letter(m, "invalid", event.error().message);
    } else {
      ++events;
      auto alerts = processor.process(*event);
      if (!alerts) {
        dead_letter(m, alerts.error().code.starts_with("outbox.") ? "outbox" : "evaluation", alerts.error().message);
      } else {
        for (const Alert& a : *alerts) {
          if (!producer->produce(kafka.topics.alerts, a.dedup_key.empty() ? a.id : a.dedup_key, a.to_json(),
                                 {{"content-type", "application/json"}, {"sigflow.alert.id", a.id}, {"sigflow.event.id", event->id}})) {
            metrics.kafka_produce_error();
          }
        }
        const RdKafka::MessageTimestamp ts = m.timestamp();
        if (!alerts->empty() && ts.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE) {
          metrics.end_to_end(static_cast<double>(unix_millis_now() - ts.timestamp) / 1000.0);
        }
      }
    }
    if (kafka.exactly_once) txn_offsets[m.partition()] = m.offset() + 1;
    else pending[m.partition()].push_back({m.offset() + 1, producer->produced()});
  }

  // exactly_once: the open transaction's outputs and input offsets become visible together,
  // then the next transaction begins. Any failure is returned: the caller stops, and a
  // restart resumes from the last committed transaction.
  Status commit_transaction() {
    if (auto synced = processor.sync_outbox(); !synced) return synced;
    RdKafka::Producer& p = producer->handle();
    if (!txn_offsets.empty()) {
      std::vector<RdKafka::TopicPartition*> offsets;
      for (const auto& [partition, next] : txn_offsets) offsets.push_back(RdKafka::TopicPartition::create(kafka.topics.events, partition, next));
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> group(consumer->groupMetadata());
      const auto t0 = Clock::now();
      std::unique_ptr<RdKafka::Error> e(p.send_offsets_to_transaction(offsets, group.get(), 30000));
      RdKafka::TopicPartition::destroy(offsets);
      if (!e) e.reset(p.commit_transaction(30000));
      metrics.kafka_commit(std::chrono::duration<double>(Clock::now() - t0).count());
      if (e) {
        if (e->txn_requires_abort()) std::unique_ptr<RdKafka::Error>(p.abort_transaction(30000));
        return make_error("kafka.transaction", fmt::format("transaction not committed ({}); its input will be processed again", e->str()));
      }
      txn_offsets.clear();
    } else {
      std::unique_ptr<RdKafka::Error> e(p.commit_transaction(30000));  // nothing consumed: closes an empty transaction
      if (e) return make_error("kafka.transaction", e->str());
    }
    std::unique_ptr<RdKafka::Error> begun(p.begin_transaction());
    if (begun) return make_error("kafka.transaction", fmt::format("cannot begin a transaction: {}", begun->str()));
    txn_started = Clock::now();
    return Ok{};
  }

  // Commits, per partition, the furthest offset whose outputs are all acknowledged. Periodic
  // commits are asynchronous so the consume loop never waits on them; revocations and
  // shutdown commit synchronously.
  void commit_acknowledged(bool sync, const std::vector<int>* only = nullptr) {
    if (!processor.sync_outbox()) return;  // alerts in the outbox must be on disk before their input is committed
    const std::uint64_t acked = producer->acknowledged_through();
    std::vector<RdKafka::TopicPartition*> offsets;
    for (auto& [partition, queue] : pending) {
      if (only != nullptr && std::find(only->begin(), only->end(), partition) == only->end()) continue;
      std::int64_t commit = -1;
      while (!queue.empty() && queue.front().outputs_through <= acked) {
        commit = queue.front().next_offset;
        queue.pop_front();
      }
      if (commit >= 0) offsets.push_back(RdKafka::TopicPartition::create(kafka.topics.events, partition, commit));
    }
    if (offsets.empty()) return;
    const auto t0 = Clock::now();
    if (!sync && !async_commit_started) async_commit_started = t0;  // timed when its result arrives
    const RdKafka::ErrorCode rc = sync ? consumer->commitSync(offsets) : consumer->commitAsync(offsets);
    if (sync) metrics.kafka_commit(std::chrono::duration<double>(Clock::now() - t0).count());
    if (rc != RdKafka::ERR_NO_ERROR) log->warn("offset commit failed (the messages will be processed again): {}", RdKafka::err2str(rc));
    RdKafka::TopicPartition::destroy(offsets);
  }

  bool paused = false;
  std::optional<Clock::time_point> async_commit_started;

  // The result of an asynchronous commit, served by consume() on the engine thread.
  void offset_commit_cb(RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>&) override {
    if (async_commit_started) {
      metrics.kafka_commit(std::chrono::duration<double>(Clock::now() - *async_commit_started).count());
      async_commit_started.reset();
    }
    if (err != RdKafka::ERR_NO_ERROR && err != RdKafka::ERR__NO_OFFSET) {
      log->warn("offset commit failed (the messages will be processed again): {}", RdKafka::err2str(err));
    }
  }

  void request_stop() {
    Clock::rep none = 0;
    stop_requested_at.compare_exchange_strong(none, Clock::now().time_since_epoch().count());
    stopping = true;
    delivery->begin_shutdown(config.drain_timeout);  // the loop may be waiting for room in a full outbox
  }

  // Backpressure: with kafka.max_unacknowledged outputs waiting for the cluster (slow or
  // unreachable), the assigned partitions are paused; consume() keeps serving rebalances and
  // the poll interval meanwhile, and fetching resumes below half of it.
  void apply_backpressure() {
    const std::uint64_t in_flight = producer->produced() - producer->acknowledged_through();
    const bool pause = !paused && in_flight > kafka.max_unacknowledged;
    const bool resume = paused && in_flight <= kafka.max_unacknowledged / 2;
    if (!pause && !resume) return;
    std::vector<RdKafka::TopicPartition*> assigned;
    if (consumer->assignment(assigned) != RdKafka::ERR_NO_ERROR) return;
    if (pause) {
      consumer->pause(assigned);
      paused = true;
      log->warn("{} outputs not yet acknowledged: pausing {} partitions", in_flight, assigned.size());
    } else {
      consumer->resume(assigned);
      paused = false;
      log->info("outputs acknowledged: resuming {} partitions", assigned.size());
    }
    RdKafka::TopicPartition::destroy(assigned);
  }

  void update_lag() {
    std::vector<RdKafka::TopicPartition*> assigned;
    if (consumer->assignment(assigned) != RdKafka::ERR_NO_ERROR) return;
    consumer->position(assigned);
    for (auto* tp : assigned) {
      std::int64_t low = 0, high = 0;
      if (consumer->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high) == RdKafka::ERR_NO_ERROR && tp->offset() >= 0) {
        metrics.kafka_lag(tp->topic(), tp->partition(), static_cast<double>(std::max<std::int64_t>(high - tp->offset(), 0)));
      }
    }
    RdKafka::TopicPartition::destroy(assigned);
  }

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (!partitions.empty()) log->info("assigned {} partitions of {}", partitions.size(), kafka.topics.events);
      if (std::unique_ptr<RdKafka::Error> e(c->incremental_assign(partitions)); e) log->error("assign failed: {}", e->str());
      if (paused) c->pause(partitions);  // under backpressure, new partitions wait too
      return;
    }
    // Revoked (or lost): everything consumed from them was processed; wait for its outputs,
    // commit, then let them go.
    std::vector<int> revoked;
    for (auto* tp : partitions) revoked.push_back(tp->partition());
    if (kafka.exactly_once) {
      if (auto committed = commit_transaction(); !committed) log->error("before revocation: {}", committed.error().message);
    } else if (err == RdKafka::ERR__REVOKE_PARTITIONS) {
      if (auto flushed = producer->flush(std::chrono::seconds(30)); !flushed) log->error("before revocation: {}", flushed.error().message);
      commit_acknowledged(/*sync=*/true, &revoked);
    }
    for (int p : revoked) {
      pending.erase(p);
      metrics.kafka_lag_gone(kafka.topics.events, p);
    }
    log->info("{} {} partitions", err == RdKafka::ERR__REVOKE_PARTITIONS ? "revoked" : "lost", partitions.size());
    if (std::unique_ptr<RdKafka::Error> e(c->incremental_unassign(partitions)); e) log->error("unassign failed: {}", e->str());
  }
};

KafkaEngine::KafkaEngine(const AppConfig& config, LiveRules& rules, std::unique_ptr<delivery::AlertDelivery> delivery, Metrics& metrics,
                         std::vector<AdminRoute> admin_routes)
    : impl_(std::make_unique<Impl>(config, rules, std::move(delivery), metrics, std::move(admin_routes))) {}

KafkaEngine::~KafkaEngine() = default;

void KafkaEngine::request_stop() { impl_->request_stop(); }

Result<RunStats> KafkaEngine::run_until_stopped() {
  Impl& m = *impl_;
  const auto started = Clock::now();
  const std::string group = m.kafka.properties.contains("group.id") ? m.kafka.properties.at("group.id") : "sigflow-engine";
  std::string transactional_id;
  if (m.kafka.exactly_once) {
    // Stable across restarts of this replica, so a restart fences its predecessor at once.
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    transactional_id = m.kafka.properties.contains("transactional.id") ? m.kafka.properties.at("transactional.id")
                                                                        : fmt::format("sigflow-{}-{}", group, host);
  }
  auto producer = KafkaProducer::create(m.kafka, transactional_id);
  if (!producer) return producer.error();
  m.producer = std::move(*producer);
  if (m.kafka.exactly_once) {
    std::unique_ptr<RdKafka::Error> begun(m.producer->handle().begin_transaction());
    if (begun) return make_error("kafka.transaction", fmt::format("cannot begin a transaction: {}", begun->str()));
    m.txn_started = Clock::now();
  }
  auto conf = make_conf(m.kafka, {{"group.id", "sigflow-engine"},
                                  {"partition.assignment.strategy", "cooperative-sticky"},
                                  {"enable.auto.commit", "false"},
                                  {"enable.auto.offset.store", "false"},
                                  {"auto.offset.reset", "earliest"},
                                  {"enable.partition.eof", "false"}});
  if (!conf) return conf.error();
  std::string err;
  if ((*conf)->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(&m), err) != RdKafka::Conf::CONF_OK) return make_error("kafka.config", err);
  if ((*conf)->set("offset_commit_cb", static_cast<RdKafka::OffsetCommitCb*>(&m), err) != RdKafka::Conf::CONF_OK) return make_error("kafka.config", err);
  m.consumer.reset(RdKafka::KafkaConsumer::create(conf->get(), err));
  if (!m.consumer) return make_error("kafka.client", fmt::format("cannot create a Kafka consumer: {}", err));
  if (auto rc = m.consumer->subscribe({m.kafka.topics.events}); rc != RdKafka::ERR_NO_ERROR) {
    return make_error("kafka.subscribe", fmt::format("cannot subscribe to {}: {}", m.kafka.topics.events, RdKafka::err2str(rc)));
  }
  auto routes = m.admin_routes;
  routes.push_back({"/outbox", [&d = *m.delivery](const HttpServerRequest& r) { return d.handle_admin(r); }});
  auto admin = start_admin_endpoint(m.config.admin, m.metrics, m.stopping, std::move(routes));
  if (!admin) return admin.error();

  StopSignals signals("committing and leaving the consumer group", [&m] { m.request_stop(); });

  m.log->info("consuming {} as group {} ({} rules); alerts to {}, dead letters to {}{}", m.kafka.topics.events, group,
              m.rules.current()->rules().size(), m.kafka.topics.alerts, m.kafka.topics.dlq,
              m.kafka.exactly_once ? fmt::format("; exactly once (transactional.id {})", transactional_id) : "");
  m.metrics.set_ready(true);
  auto last_commit = Clock::now();
  std::optional<Error> failure;
  while (!m.stopping.load()) {
    m.apply_backpressure();
    std::unique_ptr<RdKafka::Message> msg(m.consumer->consume(100));
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      m.handle(*msg);
    } else if (msg->err() != RdKafka::ERR__TIMED_OUT) {
      m.log->warn("consumer: {}", msg->errstr());
    }
    if (auto f = m.producer->failure()) {
      failure = make_error("kafka.delivery", *f);
      break;
    }
    if (m.kafka.exactly_once && !m.txn_offsets.empty() && Clock::now() - m.txn_started >= kTransactionInterval) {
      if (auto committed = m.commit_transaction(); !committed) {
        failure = committed.error();
        break;
      }
    }
    if (Clock::now() - last_commit >= kCommitInterval) {
      if (!m.kafka.exactly_once) m.commit_acknowledged(/*sync=*/false);
      m.update_lag();
      last_commit = Clock::now();
    }
  }
  m.metrics.set_ready(false);
  // The shutdown (outputs acknowledged, offsets committed, deliveries) ends within drain_timeout
  // of the stop request; what is not acknowledged by then is not committed and is processed
  // again. (Stopped by a failure: from now.)
  const Clock::rep requested = m.stop_requested_at.load();
  const auto deadline = (requested != 0 ? Clock::time_point(Clock::duration(requested)) : Clock::now()) + m.config.drain_timeout;
  if (m.kafka.exactly_once) {
    if (!failure) {
      if (auto committed = m.commit_transaction(); !committed) failure = committed.error();
    }
    std::unique_ptr<RdKafka::Error>(m.producer->handle().abort_transaction(10000));  // the empty one just begun
  } else {
    if (auto flushed = m.producer->flush(time_left(deadline)); !flushed && !failure) failure = flushed.error();
    m.commit_acknowledged(/*sync=*/true);
  }
  m.consumer->close();
  (void)m.processor.sync_outbox();
  const std::size_t undelivered = m.delivery->drain(time_left(deadline));
  m.delivery->stop();
  if (*admin) (*admin)->stop();
  if (failure) return *failure;

  RunStats stats;
  stats.add(m.processor.counts());
  stats.events = m.events;
  stats.dead_letters = m.dead_letters;
  stats.undelivered = undelivered;
  stats.dead_lettered = m.delivery->dead_lettered();
  if (!m.delivery->durable()) stats.sink_errors += undelivered;  // lost with the process
  stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return stats;
}

}  // namespace sigflow::kafka
