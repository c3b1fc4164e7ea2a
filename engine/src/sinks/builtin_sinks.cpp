#include "sinks/builtin_sinks.hpp"

#include "delivery/delivery_policy.hpp"

namespace sigflow {

void register_builtin_sinks(SinkRegistry& registry) {
  for (auto factory : {sinks::stdout_sink_factory, sinks::file_sink_factory, sinks::webhook_sink_factory, sinks::slack_sink_factory,
                       sinks::feishu_sink_factory, sinks::dingtalk_sink_factory, sinks::wecom_sink_factory,
                       sinks::alertmanager_sink_factory, sinks::kafka_sink_factory}) {
    registry.add(delivery::with_delivery_settings(factory()));
  }
}

}  // namespace sigflow
