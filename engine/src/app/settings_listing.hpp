#pragma once
// Prints component types with their settings tables: aligned text, or the Markdown tables of
// docs/connectors.md and docs/sinks.md (tests keep those files in step with this output).
#include <string>
#include <vector>

#include "sigflow/settings.hpp"

namespace sigflow::app {

struct TypeListing {
  std::string type;
  std::string description;
  std::vector<const SettingsTable*> tables;  // printed in order
  std::string heading;  // Markdown heading instead of "`<type>` settings"
};

void print_type_listing(const std::vector<TypeListing>& types, bool markdown);

}  // namespace sigflow::app
