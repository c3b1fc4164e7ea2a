// sigflow routes test --config FILE [--alert FILE | --signal S --severity S --rule R --label k=v]:
// shows which routes a sample alert matches and which sinks it would go to.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/commands.hpp"
#include "app/startup.hpp"
#include "delivery/alert_router.hpp"

namespace sigflow::app {
namespace {

struct Options {
  std::string config;
  std::string alert_file;
  std::string signal = "sample";
  std::string severity = "warning";
  std::string rule = "sample.rule";
  std::vector<std::string> labels;
};

// The sample alert: from a file ("-" for stdin), or from the options.
Result<Alert> sample_alert(const Options& o) {
  if (!o.alert_file.empty()) {
    std::stringstream text;
    if (o.alert_file == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(o.alert_file);
      if (!in) return make_error("io", fmt::format("cannot read {}", o.alert_file));
      text << in.rdbuf();
    }
    auto alert = Alert::from_json(text.str());
    if (!alert) return make_error(alert.error().code, fmt::format("{}: not an alert: {}", o.alert_file, alert.error().message));
    return alert;
  }
  Alert a;
  a.id = "sample";
  a.signal = o.signal;
  a.rule = o.rule;
  auto severity = parse_severity(o.severity);
  if (!severity) return make_error("usage", fmt::format("unknown severity '{}' (use info, warning or critical)", o.severity));
  a.severity = *severity;
  for (const auto& l : o.labels) {
    const auto eq = l.find('=');
    if (eq == std::string::npos || eq == 0) return make_error("usage", fmt::format("--label takes name=value, found '{}'", l));
    a.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  return a;
}

}  // namespace

Command add_routes_command(CLI::App& app) {
  CLI::App* routes = app.add_subcommand("routes", "Alert routing.");
  routes->require_subcommand(1);
  CLI::App* test = routes->add_subcommand("test", "Show where a sample alert would be delivered.");
  auto o = std::make_shared<Options>();
  test->add_option("-c,--config", o->config, "configuration file (YAML)")->envname("SIGFLOW_CONFIG")->required();
  test->add_option("--alert", o->alert_file, "an alert as JSON (the alert contract); '-' reads standard input");
  test->add_option("--signal", o->signal, "the sample alert's signal")->capture_default_str();
  test->add_option("--severity", o->severity, "info, warning or critical")->capture_default_str();
  test->add_option("--rule", o->rule, "the sample alert's rule id")->capture_default_str();
  test->add_option("--label", o->labels, "a label of the sample alert, name=value (repeatable)");
  return [test, o]() -> std::optional<int> {
    if (!test->parsed()) return std::nullopt;
    auto config = load_config(o->config, /*require_rules=*/false);
    if (!config) return kExitUsage;
    auto alert = sample_alert(*o);
    if (!alert) {
      fmt::print(stderr, "error: {}\n", alert.error().message);
      return kExitUsage;
    }
    std::vector<std::string> all;
    for (const auto& s : config->sinks) all.push_back(s.id);
    const delivery::AlertRouter router(config->routes, all);
    const auto decision = router.route(*alert);
    std::vector<std::string> labels;
    for (const auto& [k, v] : alert->labels) labels.push_back(fmt::format("{}={}", k, v));
    fmt::print("alert: signal={} severity={} rule={} labels={{{}}}\n", alert->signal, to_string(alert->severity), alert->rule,
               fmt::join(labels, ", "));
    if (router.routes().empty()) {
      fmt::print("no routes: every alert goes to every sink\n");
    }
    bool reached = true;
    for (std::size_t i = 0; i < router.routes().size(); ++i) {
      const auto& r = router.routes()[i];
      const bool matched = std::find(decision.routes.begin(), decision.routes.end(), i) != decision.routes.end();
      const std::string outcome = !reached    ? "not reached"
                                  : matched   ? fmt::format("matches -> {}{}", fmt::join(r.sinks, ", "), r.continue_matching ? " (continue)" : "")
                                              : "no match";
      fmt::print("route {} (line {}): {}: {}\n", i + 1, r.line, r.describe(), outcome);
      if (matched && !r.continue_matching) reached = false;
    }
    fmt::print("delivered to: {}\n", decision.sinks.empty() ? "nothing" : fmt::format("{}", fmt::join(decision.sinks, ", ")));
    return kExitOk;
  };
}

}  // namespace sigflow::app
