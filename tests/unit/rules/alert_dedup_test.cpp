#include "rules/alert_dedup.hpp"

#include <gtest/gtest.h>

namespace sigflow::rules {
namespace {

Alert alert(const std::string& rule, const std::string& key) {
  Alert a;
  a.rule = rule;
  a.dedup_key = key;
  return a;
}

TEST(AlertDeduplicator, SuppressesRepeatsWithinTtlPerRuleAndKey) {
  AlertDeduplicator d;
  const auto t0 = AlertDeduplicator::Clock::time_point{} + std::chrono::hours(1000);
  const auto ttl = std::chrono::hours(1);
  EXPECT_TRUE(d.admit(alert("r", "Zhipu"), ttl, t0));
  EXPECT_FALSE(d.admit(alert("r", "Zhipu"), ttl, t0 + std::chrono::minutes(59)));
  EXPECT_TRUE(d.admit(alert("r", "StepFun"), ttl, t0));   // another key
  EXPECT_TRUE(d.admit(alert("r2", "Zhipu"), ttl, t0));    // another rule
  EXPECT_TRUE(d.admit(alert("r", "Zhipu"), ttl, t0 + std::chrono::minutes(61)));
  EXPECT_TRUE(d.admit(alert("r", ""), ttl, t0));          // no key: never deduplicated
  EXPECT_TRUE(d.admit(alert("r", ""), ttl, t0));
  EXPECT_TRUE(d.admit(alert("r", "x"), std::chrono::milliseconds(0), t0));
  EXPECT_TRUE(d.admit(alert("r", "x"), std::chrono::milliseconds(0), t0));
}

TEST(AlertDeduplicator, ExpiredKeysAreDropped) {
  AlertDeduplicator d;
  const auto t0 = AlertDeduplicator::Clock::time_point{} + std::chrono::hours(1000);
  for (int i = 0; i < 100; ++i) d.admit(alert("r", std::to_string(i)), std::chrono::minutes(5), t0);
  EXPECT_EQ(d.size(), 100u);
  d.admit(alert("r", "late"), std::chrono::minutes(5), t0 + std::chrono::hours(1));
  EXPECT_EQ(d.size(), 1u);
}

}  // namespace
}  // namespace sigflow::rules
