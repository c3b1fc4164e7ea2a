#include "sinks/builtin_sinks.hpp"

namespace sigflow {

SinkFactory stdout_sink_factory();
SinkFactory file_sink_factory();

void register_builtin_sinks(SinkRegistry& registry) {
  registry.add(stdout_sink_factory());
  registry.add(file_sink_factory());
}

}  // namespace sigflow
