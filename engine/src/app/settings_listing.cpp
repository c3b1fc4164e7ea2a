#include "app/settings_listing.hpp"

#include <fmt/format.h>

namespace sigflow::app {

void print_type_listing(const std::vector<TypeListing>& types, bool markdown) {
  for (const auto& t : types) {
    if (markdown) {
      const std::string heading = t.heading.empty() ? fmt::format("`{}` settings", t.type) : t.heading;
      fmt::print("### {}\n\n| key | type | default | meaning |\n|---|---|---|---|\n", heading);
    } else {
      fmt::print("{}\n  {}\n\n  {:<18} {:<9} {:<16} {}\n", t.type, t.description, "key", "type", "default", "meaning");
    }
    for (const auto* table : t.tables) {
      for (const auto& s : *table) {
        const std::string def = s.required ? "(required)" : s.default_value;
        if (markdown) {
          std::string help = s.help;
          for (auto pos = help.find('<'); pos != std::string::npos; pos = help.find('<', pos)) help.replace(pos, 1, "&lt;");
          const std::string shown = s.required ? "required" : def.empty() ? "" : fmt::format("`{}`", def);
          fmt::print("| `{}` | {} | {} | {} |\n", s.key, to_string(s.type), shown, help);
        } else {
          fmt::print("  {:<18} {:<9} {:<16} {}\n", s.key, to_string(s.type), def, s.help);
        }
      }
    }
    fmt::print("\n");
  }
}

}  // namespace sigflow::app
