// sigflow sinks --list-types [--markdown]: every sink type with its settings, delivery keys
// included (docs/sinks.md carries the Markdown form; a test keeps them in step).
#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/settings_listing.hpp"
#include "delivery/delivery_policy.hpp"
#include "sinks/builtin_sinks.hpp"

namespace sigflow::app {

Command add_sinks_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("sinks", "List the sink types and their settings.");
  auto markdown = std::make_shared<bool>(false);
  auto list = std::make_shared<bool>(true);
  cmd->add_flag("--list-types", *list, "list the sink types and their settings (the default)");
  cmd->add_flag("--markdown", *markdown, "Markdown tables (as in docs/sinks.md)");
  return [cmd, markdown, list]() -> std::optional<int> {
    if (!cmd->parsed() || !*list) return std::nullopt;
    SinkRegistry registry;
    register_builtin_sinks(registry);
    static const SettingsTable common = {
        {"type", SettingType::string, "", "the sink type", true},
        {"id", SettingType::string, "the type", "unique sink id, used by routes, metrics and the outbox: letters, digits, '-', '_', '.'"},
    };
    // The delivery keys once; each type with its own keys and the delivery defaults it changes.
    std::vector<SettingsTable> own;
    for (const auto& f : registry.all()) {
      SettingsTable t;
      for (const auto& s : f.settings) {
        const auto& shared = delivery::delivery_settings();
        const bool inherited = std::any_of(shared.begin(), shared.end(), [&](const SettingSpec& d) {
          return d.key == s.key && d.default_value == s.default_value;
        });
        if (!inherited) t.push_back(s);
      }
      own.push_back(std::move(t));
    }
    std::vector<TypeListing> listing = {{"(every sink)", "How each sink's outbox is delivered; every sink type accepts these keys.",
                                         {&delivery::delivery_settings()}, "Delivery settings (every sink)"}};
    for (std::size_t i = 0; i < registry.all().size(); ++i) {
      listing.push_back({registry.all()[i].type, registry.all()[i].description, {&common, &own[i]}});
    }
    print_type_listing(listing, *markdown);
    return kExitOk;
  };
}

}  // namespace sigflow::app
