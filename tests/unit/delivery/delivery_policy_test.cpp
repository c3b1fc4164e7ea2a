#include "delivery/delivery_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>

namespace sigflow::delivery {
namespace {

using std::chrono::milliseconds;

Result<DeliveryPolicy> policy_of(std::map<std::string, std::string> values) {
  return delivery_policy(Settings(delivery_settings(), std::move(values)));
}

TEST(DeliveryPolicy, DefaultsFromTheTable) {
  auto p = policy_of({});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->concurrency, 2);
  EXPECT_EQ(p->retry_initial, milliseconds(1000));
  EXPECT_EQ(p->retry_max, milliseconds(300'000));
  EXPECT_EQ(p->retry_for, milliseconds(24 * 3600'000));
  EXPECT_EQ(p->breaker_failures, 5);
  EXPECT_EQ(p->breaker_cooldown, milliseconds(30'000));
  EXPECT_EQ(p->rate_messages, 0);
  EXPECT_EQ(p->group_wait, milliseconds(0));
  EXPECT_EQ(p->group_interval, milliseconds(60'000));
  EXPECT_EQ(p->group_by, std::vector<std::string>{"signal"});
  EXPECT_EQ(p->max_group, 50);
  EXPECT_EQ(p->outbox_max_bytes, 256ull << 20);
}

TEST(DeliveryPolicy, ReadsTheKeys) {
  Settings s(delivery_settings(), {{"concurrency", "4"},
                                   {"retry_initial", "250ms"},
                                   {"retry_max", "10s"},
                                   {"retry_for", "2h"},
                                   {"breaker_failures", "3"},
                                   {"breaker_cooldown", "1m"},
                                   {"group_wait", "5s"},
                                   {"group_interval", "30s"},
                                   {"max_group", "10"},
                                   {"outbox_max_bytes", "16MiB"}});
  s.set_list("group_by", {"rule", "labels.channel"});
  auto p = delivery_policy(s);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->concurrency, 4);
  EXPECT_EQ(p->retry_initial, milliseconds(250));
  EXPECT_EQ(p->retry_max, milliseconds(10'000));
  EXPECT_EQ(p->retry_for, milliseconds(2 * 3600'000));
  EXPECT_EQ(p->breaker_failures, 3);
  EXPECT_EQ(p->breaker_cooldown, milliseconds(60'000));
  EXPECT_EQ(p->group_wait, milliseconds(5000));
  EXPECT_EQ(p->group_interval, milliseconds(30'000));
  EXPECT_EQ(p->group_by, (std::vector<std::string>{"rule", "labels.channel"}));
  EXPECT_EQ(p->max_group, 10);
  EXPECT_EQ(p->outbox_max_bytes, 16ull << 20);
}

TEST(DeliveryPolicy, ClampsNonsense) {
  auto p = policy_of({{"concurrency", "0"}, {"retry_initial", "1ms"}, {"retry_max", "1ms"}, {"breaker_failures", "0"}, {"max_group", "100000"}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->concurrency, 1);
  EXPECT_EQ(p->retry_initial, milliseconds(10));
  EXPECT_EQ(p->retry_max, milliseconds(10));  // never below retry_initial
  EXPECT_EQ(p->breaker_failures, 1);
  EXPECT_EQ(p->max_group, 1000);
  auto many = policy_of({{"concurrency", "1000"}});
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->concurrency, 64);
}

TEST(DeliveryPolicy, ParsesRateLimit) {
  auto p = policy_of({{"rate_limit", "20/1m"}});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->rate_messages, 20);
  EXPECT_EQ(p->rate_period, milliseconds(60'000));

  auto s = policy_of({{"rate_limit", "5/1s"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->rate_messages, 5);
  EXPECT_EQ(s->rate_period, milliseconds(1000));

  for (const char* none : {"", "0"}) {
    auto n = policy_of({{"rate_limit", none}});
    ASSERT_TRUE(n.ok()) << none;
    EXPECT_EQ(n->rate_messages, 0) << none;
  }
}

TEST(DeliveryPolicy, RejectsMalformedRateLimits) {
  for (const char* bad : {"abc", "0/1m", "5/x", "-5/1m", "5x/1m", "5/", "/1m", "5/0s", "20", "20/1m/2"}) {
    auto p = policy_of({{"rate_limit", bad}});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, "config.value") << bad;
    EXPECT_NE(p.error().message.find(std::string("'") + bad + "'"), std::string::npos) << p.error().message;
    EXPECT_NE(p.error().message.find("rate_limit"), std::string::npos) << p.error().message;
  }
}

TEST(DeliveryPolicy, GroupByAcceptsAlertFieldsAndRejectsOthers) {
  for (const char* good : {"signal", "rule", "severity", "source", "labels.channel"}) {
    Settings s(delivery_settings(), {});
    s.set_list("group_by", {good});
    auto p = delivery_policy(s);
    EXPECT_TRUE(p.ok()) << good;
  }
  for (const char* bad : {"summary", "labels.", "labels", "entities.provider", "Signal"}) {
    Settings s(delivery_settings(), {});
    s.set_list("group_by", {"signal", bad});
    auto p = delivery_policy(s);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, "config.value");
    EXPECT_NE(p.error().message.find(std::string("'") + bad + "'"), std::string::npos) << p.error().message;
  }
  // One scalar value is a list of one.
  auto one = policy_of({{"group_by", "severity"}});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->group_by, std::vector<std::string>{"severity"});
  auto bad_one = policy_of({{"group_by", "title"}});
  ASSERT_FALSE(bad_one.ok());
  EXPECT_EQ(bad_one.error().code, "config.value");
}

TEST(DeliveryPolicy, WithDeliverySettingsAddsTheKeysAndTheirChecks) {
  SinkFactory f;
  f.type = "test";
  f.settings = {{"url", SettingType::string, "", "where", true}, {"rate_limit", SettingType::string, "20/1m", "own default"}};
  int own_checks = 0;
  f.check = [&own_checks](const Settings&) -> Status {
    ++own_checks;
    return Ok{};
  };
  const SinkFactory merged = with_delivery_settings(std::move(f));
  ASSERT_EQ(merged.settings.size(), 1 + delivery_settings().size());
  EXPECT_EQ(std::count_if(merged.settings.begin(), merged.settings.end(), [](const SettingSpec& s) { return s.key == "rate_limit"; }), 1);
  const auto rate = std::find_if(merged.settings.begin(), merged.settings.end(), [](const SettingSpec& s) { return s.key == "rate_limit"; });
  EXPECT_EQ(rate->default_value, "20/1m");  // the sink's own default wins
  EXPECT_TRUE(std::any_of(merged.settings.begin(), merged.settings.end(), [](const SettingSpec& s) { return s.key == "group_wait"; }));

  auto policy = delivery_policy(Settings(merged.settings, {}));
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->rate_messages, 20);

  EXPECT_TRUE(merged.check(Settings(merged.settings, {{"url", "https://x"}})).ok());
  EXPECT_EQ(own_checks, 1);
  auto bad = merged.check(Settings(merged.settings, {{"url", "https://x"}, {"rate_limit", "abc"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "config.value");
  EXPECT_EQ(own_checks, 1);  // the delivery check failed first
}

TEST(DeliveryPolicy, BackoffDoublesUpToRetryMaxWithEqualJitter) {
  auto p = policy_of({{"retry_initial", "1s"}, {"retry_max", "5m"}});
  ASSERT_TRUE(p.ok());
  std::mt19937 rng(12345);
  for (int n = 1; n <= 12; ++n) {
    const std::int64_t d = std::min<std::int64_t>(1000LL << (n - 1), 300'000);
    std::set<std::int64_t> seen;
    for (int i = 0; i < 200; ++i) {
      const auto b = p->backoff(n, rng).count();
      ASSERT_GE(b, d / 2) << "n=" << n;
      ASSERT_LE(b, d) << "n=" << n;
      seen.insert(b);
    }
    EXPECT_GT(seen.size(), 20u) << "no jitter at n=" << n;
    // The random half spreads over the whole upper half, not just a corner of it.
    EXPECT_LT(*seen.begin(), d / 2 + d / 8) << "n=" << n;
    EXPECT_GT(*seen.rbegin(), d - d / 8) << "n=" << n;
  }
  // Past the cap, and for silly attempt counts, the delay stays within retry_max.
  for (int n : {0, 13, 40, 1000}) {
    const auto b = p->backoff(n, rng).count();
    const std::int64_t d = n == 0 ? 1000 : 300'000;
    EXPECT_GE(b, d / 2) << n;
    EXPECT_LE(b, d) << n;
  }
}

TEST(DeliveryPolicy, BackoffIsReproducibleForASeed) {
  auto p = policy_of({{"retry_initial", "200ms"}, {"retry_max", "1m"}});
  ASSERT_TRUE(p.ok());
  std::mt19937 a(7), b(7);
  for (int n = 1; n <= 12; ++n) EXPECT_EQ(p->backoff(n, a), p->backoff(n, b));
}

Alert alert() {
  Alert a;
  a.id = "3f2a";
  a.rule = "funding.cn";
  a.signal = "funding_round";
  a.severity = Severity::critical;
  a.labels = {{"channel", "finance"}, {"team", "deals"}};
  a.event.source = "cloud-news";
  return a;
}

TEST(DeliveryPolicy, GroupOfNamesTheFields) {
  DeliveryPolicy p;
  p.group_by = {"signal"};
  EXPECT_EQ(p.group_of(alert()), "signal=funding_round");
  p.group_by = {"labels.channel"};
  EXPECT_EQ(p.group_of(alert()), "labels.channel=finance");
  p.group_by = {"signal", "rule", "severity", "source", "labels.team", "labels.missing"};
  EXPECT_EQ(p.group_of(alert()), "signal=funding_round,rule=funding.cn,severity=critical,source=cloud-news,labels.team=deals,labels.missing=");

  // Alerts differing in a group_by field fall in different groups, others in the same.
  p.group_by = {"signal", "labels.channel"};
  Alert other = alert();
  other.rule = "funding.hk";
  EXPECT_EQ(p.group_of(other), p.group_of(alert()));
  other.labels["channel"] = "cloud";
  EXPECT_NE(p.group_of(other), p.group_of(alert()));
}

}  // namespace
}  // namespace sigflow::delivery
