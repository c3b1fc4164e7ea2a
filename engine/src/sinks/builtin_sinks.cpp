#include "sinks/builtin_sinks.hpp"

namespace sigflow {

SinkFactory stdout_sink_factory();
SinkFactory file_sink_factory();

std::vector<SinkFactory> builtin_sink_factories() { return {stdout_sink_factory(), file_sink_factory()}; }

}  // namespace sigflow
