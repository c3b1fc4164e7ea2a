#include "delivery/alert_router.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace sigflow::delivery {
namespace {

using Sinks = std::vector<std::string>;
using Indexes = std::vector<std::size_t>;

Alert alert(std::string signal, Severity severity = Severity::warning, std::map<std::string, std::string> labels = {},
            std::string rule = "some.rule") {
  Alert a;
  a.id = "id";
  a.rule = std::move(rule);
  a.signal = std::move(signal);
  a.severity = severity;
  a.labels = std::move(labels);
  return a;
}

Route route(Sinks sinks, bool cont = false) {
  Route r;
  r.sinks = std::move(sinks);
  r.continue_matching = cont;
  return r;
}

Route signal_route(std::set<std::string> signals, Sinks sinks, bool cont = false) {
  Route r = route(std::move(sinks), cont);
  r.signals = std::move(signals);
  return r;
}

TEST(AlertRouter, WithoutRoutesEveryAlertGoesToEverySink) {
  AlertRouter router({}, {"slack", "feishu", "stdout"});
  const auto d = router.route(alert("funding_round"));
  EXPECT_EQ(d.sinks, (Sinks{"slack", "feishu", "stdout"}));
  EXPECT_TRUE(d.routes.empty());
}

TEST(AlertRouter, TheFirstMatchingRouteWins) {
  AlertRouter router({signal_route({"funding_round"}, {"deals"}),
                      signal_route({"funding_round", "pricing_change"}, {"pricing"}),
                      route({"fallback"})},
                     {"deals", "pricing", "fallback"});
  auto funding = router.route(alert("funding_round"));
  EXPECT_EQ(funding.sinks, Sinks{"deals"});
  EXPECT_EQ(funding.routes, Indexes{0});
  auto pricing = router.route(alert("pricing_change"));
  EXPECT_EQ(pricing.sinks, Sinks{"pricing"});
  EXPECT_EQ(pricing.routes, Indexes{1});
}

TEST(AlertRouter, TheDefaultRouteCatchesTheRest) {
  AlertRouter router({signal_route({"funding_round"}, {"deals"}), route({"fallback", "stdout"})}, {"deals", "fallback", "stdout"});
  auto d = router.route(alert("model_onboarding"));
  EXPECT_EQ(d.sinks, (Sinks{"fallback", "stdout"}));
  EXPECT_EQ(d.routes, Indexes{1});
  EXPECT_TRUE(router.routes()[1].is_default());
  EXPECT_FALSE(router.routes()[0].is_default());
}

TEST(AlertRouter, WithoutADefaultRouteAnUnmatchedAlertGoesNowhere) {
  AlertRouter router({signal_route({"funding_round"}, {"deals"})}, {"deals", "stdout"});
  auto d = router.route(alert("pricing_change"));
  EXPECT_TRUE(d.sinks.empty());
  EXPECT_TRUE(d.routes.empty());
}

TEST(AlertRouter, ContinueAddsTheSinksOfLaterMatchingRoutesOnce) {
  AlertRouter router({signal_route({"funding_round"}, {"audit", "deals"}, /*cont=*/true),
                      signal_route({"pricing_change"}, {"pricing"}, /*cont=*/true),  // does not match
                      signal_route({"funding_round"}, {"deals", "slack"}, /*cont=*/false),
                      route({"fallback"})},  // not reached: route 2 stopped
                     {"audit", "deals", "pricing", "slack", "fallback"});
  auto d = router.route(alert("funding_round"));
  EXPECT_EQ(d.sinks, (Sinks{"audit", "deals", "slack"}));
  EXPECT_EQ(d.routes, (Indexes{0, 2}));

  // An alert that matches only the continue route of its own still reaches the default.
  AlertRouter audit({signal_route({"funding_round"}, {"audit"}, true), route({"fallback", "audit"})}, {});
  auto a = audit.route(alert("funding_round"));
  EXPECT_EQ(a.sinks, (Sinks{"audit", "fallback"}));
  EXPECT_EQ(a.routes, (Indexes{0, 1}));
  auto b = audit.route(alert("pricing_change"));
  EXPECT_EQ(b.sinks, (Sinks{"fallback", "audit"}));
  EXPECT_EQ(b.routes, Indexes{1});
}

TEST(AlertRouter, MinSeverity) {
  Route urgent = route({"pager"});
  urgent.min_severity = Severity::warning;
  AlertRouter router({urgent, route({"log"})}, {});
  EXPECT_EQ(router.route(alert("s", Severity::critical)).sinks, Sinks{"pager"});
  EXPECT_EQ(router.route(alert("s", Severity::warning)).sinks, Sinks{"pager"});
  EXPECT_EQ(router.route(alert("s", Severity::info)).sinks, Sinks{"log"});
}

TEST(AlertRouter, SeveritiesAndRules) {
  Route exact = route({"a"});
  exact.severities = {"info"};
  exact.rules = {"r1", "r2"};
  EXPECT_TRUE(exact.matches(alert("s", Severity::info, {}, "r2")));
  EXPECT_FALSE(exact.matches(alert("s", Severity::warning, {}, "r2")));
  EXPECT_FALSE(exact.matches(alert("s", Severity::info, {}, "r3")));
}

TEST(AlertRouter, LabelsMatcher) {
  Route cloud = route({"cloud-team"});
  cloud.labels = {{"channel", {"cloud", "infra"}}, {"region", {"cn"}}};
  AlertRouter router({cloud, route({"everyone"})}, {});
  EXPECT_EQ(router.route(alert("s", Severity::info, {{"channel", "cloud"}, {"region", "cn"}})).sinks, Sinks{"cloud-team"});
  EXPECT_EQ(router.route(alert("s", Severity::info, {{"channel", "infra"}, {"region", "cn"}, {"x", "y"}})).sinks, Sinks{"cloud-team"});
  // Every label matcher must hold; a missing label does not match.
  EXPECT_EQ(router.route(alert("s", Severity::info, {{"channel", "cloud"}, {"region", "hk"}})).sinks, Sinks{"everyone"});
  EXPECT_EQ(router.route(alert("s", Severity::info, {{"channel", "cloud"}})).sinks, Sinks{"everyone"});
  EXPECT_EQ(router.route(alert("s", Severity::info, {{"channel", "finance"}, {"region", "cn"}})).sinks, Sinks{"everyone"});
}

TEST(AlertRouter, AllMatchersOfARouteMustHold) {
  Route r = route({"x"});
  r.signals = {"funding_round"};
  r.min_severity = Severity::critical;
  r.labels = {{"channel", {"finance"}}};
  EXPECT_TRUE(r.matches(alert("funding_round", Severity::critical, {{"channel", "finance"}})));
  EXPECT_FALSE(r.matches(alert("pricing_change", Severity::critical, {{"channel", "finance"}})));
  EXPECT_FALSE(r.matches(alert("funding_round", Severity::warning, {{"channel", "finance"}})));
  EXPECT_FALSE(r.matches(alert("funding_round", Severity::critical, {{"channel", "cloud"}})));
}

TEST(AlertRouter, Describe) {
  EXPECT_EQ(route({"x"}).describe(), "default route (no match)");
  Route r = route({"x"});
  r.signals = {"pricing_change", "funding_round"};
  r.min_severity = Severity::warning;
  EXPECT_EQ(r.describe(), "signal in [funding_round, pricing_change], severity >= warning");
  Route full = route({"x"});
  full.signals = {"a"};
  full.rules = {"r.1"};
  full.severities = {"critical", "info"};
  full.labels = {{"region", {"cn", "hk"}}, {"channel", {"cloud"}}};
  EXPECT_EQ(full.describe(), "signal in [a], rule in [r.1], severity in [critical, info], labels.channel in [cloud], labels.region in [cn, hk]");
}

}  // namespace
}  // namespace sigflow::delivery
