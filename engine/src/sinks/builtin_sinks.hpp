#pragma once
#include "sigflow/sink.hpp"

namespace sigflow {

// Registers every built-in sink type, each with the delivery keys (retries, rate limit,
// grouping, outbox budget) added to its settings table.
void register_builtin_sinks(SinkRegistry& registry);

namespace sinks {
SinkFactory stdout_sink_factory();
SinkFactory file_sink_factory();
SinkFactory webhook_sink_factory();
SinkFactory slack_sink_factory();
SinkFactory feishu_sink_factory();
SinkFactory dingtalk_sink_factory();
SinkFactory wecom_sink_factory();
SinkFactory alertmanager_sink_factory();
SinkFactory kafka_sink_factory();
}  // namespace sinks

}  // namespace sigflow
