#include "support/demo_alerts.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>

#include "sigflow/event.hpp"
#include "support/test_paths.hpp"

namespace sigflow::test {
namespace {

// tests/fixtures/demo_expected.json: item id -> expected signals (empty set = must stay silent).
std::map<std::string, std::set<std::string>> demo_expectations() {
  const std::string text = read_file(fixture("demo_expected.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(text);
  std::map<std::string, std::set<std::string>> out;
  for (auto [guid, value] : doc["alerting"].get_object()) {
    std::set<std::string> signals;
    if (value.is_string()) signals.insert(std::string(value.get_string().value()));
    else
      for (auto s : value.get_array()) signals.insert(std::string(s.get_string().value()));
    out[std::string(guid)] = signals;
  }
  for (auto guid : doc["silent"].get_array()) out[std::string(guid.get_string().value())] = {};
  return out;
}

}  // namespace

std::vector<Alert> parse_alert_lines(const std::string& text) {
  std::vector<Alert> alerts;
  for (const auto& line : lines_of(text)) {
    auto a = Alert::from_json(line);
    EXPECT_TRUE(a.ok()) << line;
    if (a.ok()) alerts.push_back(*a);
  }
  return alerts;
}

// Checks that every demo item alerted with exactly its expected signals.
void expect_demo_alerts(const std::vector<Alert>& alerts) {
  std::map<std::string, std::set<std::string>> fired;  // event id -> signals
  for (const Alert& a : alerts) fired[a.event.id].insert(a.signal);
  std::size_t items = 0;
  for (const auto& [guid, want] : demo_expectations()) {
    std::set<std::string> got;
    for (const char* source : kDemoSourceIds) {
      if (auto it = fired.find(make_event_id(source, guid)); it != fired.end()) got = it->second;
    }
    EXPECT_EQ(got, want) << "item " << guid;
    ++items;
  }
  EXPECT_EQ(items, 30u);
  for (const Alert& a : alerts) {
    EXPECT_FALSE(a.id.empty());
    EXPECT_FALSE(a.summary.empty());
    EXPECT_FALSE(a.event.url.empty());
    EXPECT_FALSE(a.event.title.empty());
    EXPECT_FALSE(a.event.time.empty());
    EXPECT_FALSE(a.fired_at.empty());
    EXPECT_FALSE(a.matched.empty()) << a.rule;
  }
}

}  // namespace sigflow::test
