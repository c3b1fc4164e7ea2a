#pragma once
// AlertRouter: which sinks an alert goes to (the `routes:` section). Routes are tried in order;
// the first that matches decides, unless it says `continue`, in which case later routes may add
// sinks. The last route has no `match` and catches the rest, so no alert goes nowhere. Without
// a `routes:` section every alert goes to every sink. Immutable; safe to share.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sigflow/alert.hpp"

namespace sigflow::delivery {

struct Route {
  // Each present matcher must hold: the alert's value is one of the listed values.
  std::set<std::string> signals, rules, severities;
  std::optional<Severity> min_severity;
  std::map<std::string, std::set<std::string>> labels;  // label -> accepted values
  std::vector<std::string> sinks;
  bool continue_matching = false;
  int line = 0;  // in the configuration file, for `sigflow routes test`

  bool matches(const Alert& alert) const;
  bool is_default() const { return signals.empty() && rules.empty() && severities.empty() && !min_severity && labels.empty(); }
  std::string describe() const;  // "signal in [a, b], severity >= warning"
};

struct RouteDecision {
  std::vector<std::string> sinks;        // each once, in route order
  std::vector<std::size_t> routes;       // indexes of the routes that matched
};

class AlertRouter {
 public:
  // `all_sinks` receive every alert when `routes` is empty.
  AlertRouter(std::vector<Route> routes, std::vector<std::string> all_sinks);
  RouteDecision route(const Alert& alert) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::string> all_sinks_;
};

}  // namespace sigflow::delivery
