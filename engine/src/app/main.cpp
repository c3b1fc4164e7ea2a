#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/commands.hpp"
#include "sigflow/version.hpp"

int main(int argc, char** argv) {
  using namespace sigflow::app;
  CLI::App app{"sigflow: real-time market-signal streaming engine.\n"
               "Exit codes: 0 ok, 1 a failure was found, 2 usage or configuration error."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(sigflow::kVersion));

  const Command commands[] = {add_run_command(app), add_rules_commands(app), add_feed_commands(app), add_replay_command(app), add_connect_command(app),
                              add_kafka_commands(app), add_sinks_command(app), add_routes_command(app), add_outbox_commands(app),
                              add_config_commands(app)};
  CLI::App* version = app.add_subcommand("version", "Print the sigflow version.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (version->parsed()) {
    std::printf("sigflow %.*s\n", static_cast<int>(sigflow::kVersion.size()), sigflow::kVersion.data());
    return kExitOk;
  }
  for (const Command& command : commands) {
    if (auto code = command()) return *code;
  }
  return kExitUsage;
}
