#pragma once
// Shared librdkafka set-up: a configuration from sigflow's kafka section (secrets resolved,
// defaults that keep delivery safe), and the topic administration of `sigflow kafka init`.
#include <memory>
#include <string>
#include <vector>

#include "kafka/kafka_config.hpp"
#include "sigflow/result.hpp"

namespace RdKafka {
class Conf;
}

namespace sigflow::kafka {

// The user's properties over `defaults` (the user wins), with ${env:}/${file:} resolved.
// Error codes: config.secret, kafka.config (a property librdkafka rejects, named).
Result<std::unique_ptr<RdKafka::Conf>> make_conf(const KafkaConfig& config, const std::map<std::string, std::string>& defaults);

struct TopicReport {
  std::string topic;
  std::string outcome;  // "created", "exists" or the error
  bool ok = false;
};

// Creates the events, alerts and dlq topics with the configured partitions, replication factor
// and retention; topics that exist are reported and left as they are.
Result<std::vector<TopicReport>> create_topics(const KafkaConfig& config, std::chrono::milliseconds timeout);

}  // namespace sigflow::kafka
