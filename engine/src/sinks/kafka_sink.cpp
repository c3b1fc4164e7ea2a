// Alerts to a Kafka topic of your choice (another cluster, another team's topic): key = the
// alert's dedup key or id, value = the alert contract, an idempotency header. A delivery is done
// when the brokers acknowledged every alert in it (acks=all, idempotent producer). A producer
// that failed is replaced before the next attempt.
#include <mutex>

#include <fmt/format.h>

#include "kafka/kafka_producer.hpp"
#include "sinks/builtin_sinks.hpp"

namespace sigflow::sinks {
namespace {

class KafkaSink final : public Sink {
 public:
  KafkaSink(SinkSpec spec, KafkaConfig config) : spec_(std::move(spec)), config_(std::move(config)) {}
  const SinkSpec& spec() const override { return spec_; }

  DeliveryOutcome deliver(const Delivery& d) override {
    std::lock_guard lock(mutex_);
    if (!producer_) {
      auto created = kafka::KafkaProducer::create(config_);
      if (!created) return {Verdict::retry, "kafka_client", created.error().message, std::nullopt};
      producer_ = std::move(*created);
    }
    const std::string& topic = spec_.settings.get("topic");
    for (const Alert& a : d.alerts) {
      const std::string& key = a.dedup_key.empty() ? a.id : a.dedup_key;
      auto produced = producer_->produce(topic, key, a.to_json(), {{"sigflow.alert.id", a.id}, {"sigflow.signal", a.signal}});
      if (!produced) return failed(produced.error());
    }
    if (auto flushed = producer_->flush(spec_.settings.get_duration("timeout")); !flushed) return failed(flushed.error());
    return {Verdict::delivered, "ok", fmt::format("acknowledged by {}", topic), std::nullopt};
  }

 private:
  DeliveryOutcome failed(const Error& e) {
    producer_.reset();  // its failure is sticky; the next attempt starts afresh
    return {Verdict::retry, "kafka_produce", e.message, std::nullopt};
  }

  SinkSpec spec_;
  KafkaConfig config_;
  std::mutex mutex_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
};

}  // namespace

SinkFactory kafka_sink_factory() {
  SinkFactory f;
  f.type = "kafka";
  f.description = "Alerts to a Kafka topic (acks=all, idempotent): key = dedup key or alert id, value = the alert contract.";
  f.settings = {
      {"topic", SettingType::string, "", "topic to produce alerts to", true},
      {"properties", SettingType::map, "", "librdkafka properties (bootstrap.servers, security.*, sasl.*); default: the kafka: section's"},
      {"timeout", SettingType::duration, "30s", "how long an attempt waits for the brokers' acknowledgement"},
      {"concurrency", SettingType::integer, "1", "messages in flight at once"},
  };
  f.create = [](SinkSpec spec, const SinkContext& ctx) -> Result<std::unique_ptr<Sink>> {
    KafkaConfig config;
    config.properties = ctx.kafka_properties;
    // The engine's consumer and transaction settings are not this producer's: a transactional.id
    // would make every produce outside a transaction fail.
    for (const char* key : {"transactional.id", "group.id", "group.instance.id", "isolation.level", "auto.offset.reset",
                            "enable.auto.commit", "enable.auto.offset.store", "partition.assignment.strategy", "session.timeout.ms",
                            "max.poll.interval.ms", "enable.partition.eof"}) {
      config.properties.erase(key);
    }
    for (const auto& [k, v] : spec.settings.get_map("properties")) config.properties[k] = v;
    if (!config.properties.contains("bootstrap.servers")) {
      return make_error("config.value", fmt::format("sink '{}': set properties.bootstrap.servers (or configure a kafka: section)", spec.id));
    }
    return std::unique_ptr<Sink>(new KafkaSink(std::move(spec), std::move(config)));
  };
  return f;
}

}  // namespace sigflow::sinks
