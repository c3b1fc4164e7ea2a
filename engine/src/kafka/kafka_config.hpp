#pragma once
// The `kafka:` section of the configuration (docs/configuration.md#kafka). With it, `sigflow
// connect` produces events to Kafka and `sigflow run` consumes them as one consumer group.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace sigflow {

struct KafkaTopics {
  std::string events = "sigflow.events";
  std::string alerts = "sigflow.alerts";
  std::string dlq = "sigflow.dlq";
};

struct KafkaConfig {
  // librdkafka properties as given (bootstrap.servers, group.id, security.protocol, sasl.*,
  // ...); values may reference ${env:NAME} or ${file:PATH}, resolved when a client is made.
  std::map<std::string, std::string> properties;
  KafkaTopics topics;
  // `sigflow kafka init`: how topics are created.
  int partitions = 6;
  int replication_factor = 1;
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};
  // Events larger than this are dead-lettered by the engine.
  std::uint64_t max_event_bytes = 1u << 20;
  // Backpressure: the engine pauses its partitions while this many outputs (alerts, dead
  // letters) wait for acknowledgement, and resumes below half of it.
  std::uint64_t max_unacknowledged = 50000;
  // The engine writes alerts, dead letters and its input offsets in Kafka transactions.
  bool exactly_once = false;
};

}  // namespace sigflow
