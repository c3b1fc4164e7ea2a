#pragma once
#include <vector>

#include "sigflow/sink.hpp"

namespace sigflow {

// Registers the stdout and file sinks (JSON lines). Later sink types (webhook, chat,
// Alertmanager, Kafka) register here too.
void register_builtin_sinks(SinkRegistry& registry);

}  // namespace sigflow
