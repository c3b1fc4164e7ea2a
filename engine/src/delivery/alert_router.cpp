#include "delivery/alert_router.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sigflow::delivery {

bool Route::matches(const Alert& a) const {
  if (!signals.empty() && !signals.contains(a.signal)) return false;
  if (!rules.empty() && !rules.contains(a.rule)) return false;
  if (!severities.empty() && !severities.contains(std::string(to_string(a.severity)))) return false;
  if (min_severity && a.severity < *min_severity) return false;
  for (const auto& [label, values] : labels) {
    auto it = a.labels.find(label);
    if (it == a.labels.end() || !values.contains(it->second)) return false;
  }
  return true;
}

std::string Route::describe() const {
  if (is_default()) return "default route (no match)";
  std::vector<std::string> parts;
  auto in = [&](const char* name, const std::set<std::string>& values) {
    if (!values.empty()) parts.push_back(fmt::format("{} in [{}]", name, fmt::join(values, ", ")));
  };
  in("signal", signals);
  in("rule", rules);
  in("severity", severities);
  if (min_severity) parts.push_back(fmt::format("severity >= {}", to_string(*min_severity)));
  for (const auto& [label, values] : labels) in(fmt::format("labels.{}", label).c_str(), values);
  return fmt::format("{}", fmt::join(parts, ", "));
}

AlertRouter::AlertRouter(std::vector<Route> routes, std::vector<std::string> all_sinks)
    : routes_(std::move(routes)), all_sinks_(std::move(all_sinks)) {}

RouteDecision AlertRouter::route(const Alert& alert) const {
  RouteDecision d;
  if (routes_.empty()) {
    d.sinks = all_sinks_;
    return d;
  }
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!r.matches(alert)) continue;
    d.routes.push_back(i);
    for (const auto& s : r.sinks) {
      if (std::find(d.sinks.begin(), d.sinks.end(), s) == d.sinks.end()) d.sinks.push_back(s);
    }
    if (!r.continue_matching) break;
  }
  return d;
}

}  // namespace sigflow::delivery
