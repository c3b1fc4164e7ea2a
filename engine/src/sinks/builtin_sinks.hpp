#pragma once
#include <vector>

#include "sigflow/sink.hpp"

namespace sigflow {

// stdout and file sinks (JSON lines). Later sink types (webhook, chat, Alertmanager, Kafka)
// register here too.
std::vector<SinkFactory> builtin_sink_factories();

}  // namespace sigflow
