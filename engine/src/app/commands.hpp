#pragma once
// The sigflow subcommands. Each registers its options on the CLI11 app and returns the
// process exit code: 0 ok, 1 a failure was found, 2 usage or configuration error.
#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace sigflow::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Runs the subcommand when the command line selected it; nullopt otherwise.
using Command = std::function<std::optional<int>()>;

Command add_run_command(CLI::App& app);
Command add_rules_commands(CLI::App& app);
Command add_feed_commands(CLI::App& app);
Command add_replay_command(CLI::App& app);
Command add_connect_command(CLI::App& app);
Command add_kafka_commands(CLI::App& app);
Command add_sinks_command(CLI::App& app);
Command add_routes_command(CLI::App& app);
Command add_outbox_commands(CLI::App& app);
Command add_config_commands(CLI::App& app);

}  // namespace sigflow::app
