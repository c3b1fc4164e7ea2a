#pragma once
// KafkaProducer: an idempotent librdkafka producer (acks=all) with delivery tracking. Every
// produced message gets a sequence number; acknowledged_through() is the highest N such that
// messages 1..N were all acknowledged by the brokers, which is what lets a caller commit input
// only behind its output. A message that finally fails (after librdkafka's retries) makes the
// producer failed(): nothing behind it may be committed.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/kafka_config.hpp"
#include "sigflow/bus.hpp"
#include "sigflow/result.hpp"

namespace RdKafka {
class Producer;
}

namespace sigflow::kafka {

using Headers = std::vector<std::pair<std::string, std::string>>;

class KafkaProducer {
 public:
  // With a `transactional_id` the producer is transactional (exactly_once): transactions are
  // initialized here and driven through handle().
  static Result<std::unique_ptr<KafkaProducer>> create(const KafkaConfig& config, const std::string& transactional_id = {});
  ~KafkaProducer();  // flushes (bounded), then stops

  // Queues a message; blocks while librdkafka's queue is full. Returns its sequence number.
  Result<std::uint64_t> produce(const std::string& topic, std::string_view key, std::string_view value, const Headers& headers);
  // Waits until every message produced so far was acknowledged; an error when one failed or
  // the timeout passed.
  Status flush(std::chrono::milliseconds timeout);

  std::uint64_t produced() const;
  std::uint64_t acknowledged_through() const;
  // The first delivery failure, if any (sticky).
  std::optional<std::string> failure() const;
  RdKafka::Producer& handle();

 private:
  KafkaProducer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Events to a topic: key = source id, value = the CloudEvents JSON, ce_* headers. flush() is
// the hand-off point: a source commits its state only after it returned Ok.
class KafkaEventPublisher final : public EventPublisher {
 public:
  KafkaEventPublisher(KafkaProducer& producer, std::string topic) : producer_(producer), topic_(std::move(topic)) {}
  Status publish(Event event) override;
  Status flush() override;

 private:
  KafkaProducer& producer_;
  std::string topic_;
};

// The CloudEvents Kafka protocol binding's attribute headers for an event.
Headers cloudevents_headers(const Event& e);

}  // namespace sigflow::kafka
