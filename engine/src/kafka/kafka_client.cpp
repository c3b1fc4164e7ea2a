#include "kafka/kafka_client.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <fmt/format.h>

#include "sigflow/log.hpp"
#include "sigflow/secrets.hpp"

namespace sigflow::kafka {
namespace {

// librdkafka's log lines and client-level errors, into sigflow's logs (component "kafka").
class LogBridge final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    auto log = logger("kafka");
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        // One kafka: section serves producers and consumers, so role-specific properties
        // always draw a CONFWARN from the other role.
        if (event.fac() == "CONFWARN") log->debug("{}: {}", event.fac(), event.str());
        else if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_ERROR) log->error("{}: {}", event.fac(), event.str());
        else if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING) log->warn("{}: {}", event.fac(), event.str());
        else log->debug("{}: {}", event.fac(), event.str());
        break;
      case RdKafka::Event::EVENT_ERROR:
        if (event.fatal()) log->error("fatal: {}", event.str());
        else log->warn("{} ({})", event.str(), RdKafka::err2str(event.err()));
        break;
      default:
        break;
    }
  }
};

LogBridge& log_bridge() {
  static LogBridge bridge;
  return bridge;
}

}  // namespace

Result<std::unique_ptr<RdKafka::Conf>> make_conf(const KafkaConfig& config, const std::map<std::string, std::string>& defaults) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string bridge_err;
  conf->set("event_cb", static_cast<RdKafka::EventCb*>(&log_bridge()), bridge_err);
  std::map<std::string, std::string> merged = defaults;
  for (const auto& [k, v] : config.properties) merged[k] = v;
  for (const auto& [key, raw] : merged) {
    auto value = resolve_secrets(raw);
    if (!value) return make_error("config.secret", fmt::format("kafka.{}: {}", key, value.error().message));
    std::string err;
    if (conf->set(key, *value, err) != RdKafka::Conf::CONF_OK) {
      return make_error("kafka.config", fmt::format("kafka.{}: {}", key, err));  // librdkafka's message, never the value
    }
  }
  return conf;
}

Result<std::vector<TopicReport>> create_topics(const KafkaConfig& config, std::chrono::milliseconds timeout) {
  auto conf = make_conf(config, {});
  if (!conf) return conf.error();
  std::string err;
  std::unique_ptr<RdKafka::Producer> admin(RdKafka::Producer::create(conf->get(), err));
  if (!admin) return make_error("kafka.client", fmt::format("cannot create a Kafka client: {}", err));
  rd_kafka_t* rk = admin->c_ptr();

  const std::vector<std::string> names = {config.topics.events, config.topics.alerts, config.topics.dlq};
  std::vector<rd_kafka_NewTopic_t*> topics;
  char errstr[512];
  const std::string retention = std::to_string(config.retention.count());
  for (const auto& name : names) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(name.c_str(), config.partitions, config.replication_factor, errstr, sizeof errstr);
    if (t == nullptr) return make_error("kafka.config", fmt::format("topic {}: {}", name, errstr));
    rd_kafka_NewTopic_set_config(t, "retention.ms", retention.c_str());
    topics.push_back(t);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 2000);
  std::vector<TopicReport> reports;
  Status status = Ok{};
  if (event == nullptr) {
    status = make_error("kafka.timeout", fmt::format("no answer from {} within {} ms", config.properties.at("bootstrap.servers"), timeout.count()));
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = make_error("kafka.admin", rd_kafka_event_error_string(event));
  } else {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    size_t n = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
    for (size_t i = 0; i < n; ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      TopicReport r{rd_kafka_topic_result_name(results[i]), "created", true};
      if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) r.outcome = "exists";
      else if (e != RD_KAFKA_RESP_ERR_NO_ERROR) r = {r.topic, rd_kafka_topic_result_error_string(results[i]), false};
      reports.push_back(std::move(r));
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
  if (!status) return status.error();
  return reports;
}

}  // namespace sigflow::kafka
