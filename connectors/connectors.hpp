#pragma once
#include "sigflow/source.hpp"

namespace sigflow {

// Registers every connector type shipped with sigflow (feed; more with later connectors).
void register_builtin_connectors(SourceRegistry& registry);

}  // namespace sigflow
