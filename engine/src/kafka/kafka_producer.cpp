#include "kafka/kafka_producer.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "kafka/kafka_client.hpp"
#include "sigflow/log.hpp"

namespace sigflow::kafka {

struct KafkaProducer::Impl : RdKafka::DeliveryReportCb {
  std::unique_ptr<RdKafka::Producer> producer;
  std::thread poller;
  std::atomic<bool> stopping{false};

  mutable std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t produced = 0;
  std::uint64_t watermark = 0;           // 1..watermark all acknowledged
  std::set<std::uint64_t> acked_ahead;   // acknowledged beyond the watermark
  std::optional<std::string> failure;

  void dr_cb(RdKafka::Message& message) override {
    const auto seq = reinterpret_cast<std::uintptr_t>(message.msg_opaque());
    std::lock_guard lock(mutex);
    if (message.err() != RdKafka::ERR_NO_ERROR) {
      if (!failure) {
        failure = fmt::format("delivery to {} failed: {}", message.topic_name(), message.errstr());
        logger("kafka")->error("{}; input behind it will not be committed", *failure);
      }
    } else {
      acked_ahead.insert(seq);
      while (!acked_ahead.empty() && *acked_ahead.begin() == watermark + 1) {
        acked_ahead.erase(acked_ahead.begin());
        ++watermark;
      }
    }
    changed.notify_all();
  }
};

KafkaProducer::KafkaProducer() : impl_(std::make_unique<Impl>()) {}

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::create(const KafkaConfig& config, const std::string& transactional_id) {
  std::unique_ptr<KafkaProducer> p(new KafkaProducer());
  std::map<std::string, std::string> defaults = {{"enable.idempotence", "true"},
                                                 {"acks", "all"},
                                                 {"linger.ms", "5"},
                                                 {"compression.type", "lz4"},
                                                 {"message.max.bytes", "4194304"}};
  if (!transactional_id.empty()) defaults["transactional.id"] = transactional_id;
  auto conf = make_conf(config, defaults);
  if (!conf) return conf.error();
  std::string err;
  if ((*conf)->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(p->impl_.get()), err) != RdKafka::Conf::CONF_OK) {
    return make_error("kafka.config", err);
  }
  p->impl_->producer.reset(RdKafka::Producer::create(conf->get(), err));
  if (!p->impl_->producer) return make_error("kafka.client", fmt::format("cannot create a Kafka producer: {}", err));
  if (!transactional_id.empty()) {
    std::unique_ptr<RdKafka::Error> e(p->impl_->producer->init_transactions(60000));
    if (e) return make_error("kafka.transactions", fmt::format("cannot initialize transactions: {}", e->str()));
  }
  Impl* impl = p->impl_.get();
  impl->poller = std::thread([impl] {
    while (!impl->stopping.load()) impl->producer->poll(50);
  });
  return p;
}

KafkaProducer::~KafkaProducer() {
  if (!impl_ || !impl_->producer) return;
  (void)flush(std::chrono::seconds(10));
  impl_->stopping = true;
  if (impl_->poller.joinable()) impl_->poller.join();
}

Result<std::uint64_t> KafkaProducer::produce(const std::string& topic, std::string_view key, std::string_view value, const Headers& headers) {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(impl_->mutex);
    seq = ++impl_->produced;
  }
  for (;;) {
    RdKafka::Headers* h = RdKafka::Headers::create();
    for (const auto& [k, v] : headers) h->add(k, v);
    const RdKafka::ErrorCode rc = impl_->producer->produce(
        topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()), value.size(),
        key.data(), key.size(), 0, h, reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq)));
    if (rc == RdKafka::ERR_NO_ERROR) return seq;  // librdkafka owns the headers now
    delete h;
    if (rc == RdKafka::ERR__QUEUE_FULL) {  // backpressure: wait for deliveries to drain the queue
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    // Never queued: count it as failed so nothing behind it is committed.
    std::lock_guard lock(impl_->mutex);
    if (!impl_->failure) impl_->failure = fmt::format("cannot produce to {}: {}", topic, RdKafka::err2str(rc));
    return make_error("kafka.produce", *impl_->failure);
  }
}

Status KafkaProducer::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  const std::uint64_t target = impl_->produced;
  const bool done = impl_->changed.wait_for(lock, timeout, [&] { return impl_->watermark >= target || impl_->failure.has_value(); });
  if (impl_->failure) return make_error("kafka.delivery", *impl_->failure);
  if (!done) return make_error("kafka.timeout", fmt::format("{} messages not acknowledged within {} ms", target - impl_->watermark, timeout.count()));
  return Ok{};
}

std::uint64_t KafkaProducer::produced() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->produced;
}

std::uint64_t KafkaProducer::acknowledged_through() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->watermark;
}

RdKafka::Producer& KafkaProducer::handle() { return *impl_->producer; }

std::optional<std::string> KafkaProducer::failure() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

Headers cloudevents_headers(const Event& e) {
  Headers h = {{"content-type", "application/cloudevents+json; charset=utf-8"},
               {"ce_specversion", std::string(Event::kSpecVersion)},
               {"ce_id", e.id},
               {"ce_source", e.source},
               {"ce_type", e.type}};
  if (!e.time.empty()) h.emplace_back("ce_time", e.time);
  return h;
}

Status KafkaEventPublisher::publish(Event event) {
  auto seq = producer_.produce(topic_, event.source, event.to_json(), cloudevents_headers(event));
  if (!seq) return seq.error();
  return Ok{};
}

Status KafkaEventPublisher::flush() { return producer_.flush(std::chrono::minutes(5)); }

}  // namespace sigflow::kafka
