#include "sigflow/time.hpp"

#include <gtest/gtest.h>

namespace sigflow {
namespace {

std::string utc(std::string_view s) {
  auto t = parse_datetime(s);
  return t ? format_rfc3339(*t) : "unset";
}

TEST(Time, ParsesRfc3339Variants) {
  EXPECT_EQ(utc("2025-02-04T10:30:00+08:00"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("2025-02-04T02:30:00Z"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("2025-02-04T02:30:00.123456Z"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("2025-02-04 10:30:00+0800"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("2025-02-04T10:30+08:00"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("2025-02-04"), "2025-02-04T00:00:00Z");
  EXPECT_EQ(utc("  2025-02-04T02:30:00Z \n"), "2025-02-04T02:30:00Z");
}

TEST(Time, ParsesRfc822Variants) {
  EXPECT_EQ(utc("Tue, 04 Feb 2025 10:30:00 +0800"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("Tue, 04 Feb 2025 02:30:00 GMT"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("Mon, 03 Feb 2025 21:30:00 EST"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc("4 Feb 2025 02:30 GMT"), "2025-02-04T02:30:00Z");
}

TEST(Time, RejectsGarbage) {
  EXPECT_EQ(utc(""), "unset");
  EXPECT_EQ(utc("sometime next week"), "unset");
  EXPECT_EQ(utc("2025-02-04T10:30:00 bogus"), "unset");
  EXPECT_EQ(utc("2025-13-45"), "unset");
}

TEST(Time, FormatsMilliseconds) {
  const auto t = std::chrono::sys_days(std::chrono::year(2025) / 2 / 4) + std::chrono::milliseconds(1234);
  EXPECT_EQ(format_rfc3339_ms(std::chrono::system_clock::time_point(t)), "2025-02-04T00:00:01.234Z");
}

std::string utc_as(std::string_view text, std::string format, std::string zone = "UTC") {
  auto t = parse_time_as(text, {std::move(format), std::move(zone)});
  return t ? format_rfc3339(*t) : "unset";
}

TEST(Time, ConnectorTimeFormatsAndZones) {
  EXPECT_EQ(utc_as("1738636200000", "epoch_ms"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc_as("1738636200", "epoch_s"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc_as("1738636200.75", "epoch_s"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc_as("soon", "epoch_s"), "unset");
  EXPECT_EQ(utc_as("-5", "epoch_s"), "unset");
  // Wall-clock text in Asia/Shanghai (UTC+8, no DST) and New York (DST in July).
  EXPECT_EQ(utc_as("2025-02-04 10:30:00", "%Y-%m-%d %H:%M:%S", "Asia/Shanghai"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc_as("2025-07-04 10:30:00", "%Y-%m-%d %H:%M:%S", "America/New_York"), "2025-07-04T14:30:00Z");
  EXPECT_EQ(utc_as("2025-01-04 10:30:00", "%Y-%m-%d %H:%M:%S", "America/New_York"), "2025-01-04T15:30:00Z");
  EXPECT_EQ(utc_as("2025年02月04日", "%Y年%m月%d日", "Asia/Shanghai"), "2025-02-03T16:00:00Z");
  EXPECT_EQ(utc_as("2025-02-04 10:30:00 trailing", "%Y-%m-%d %H:%M:%S", "UTC"), "unset");
  // auto: an explicit offset wins; text without one is read in the zone.
  EXPECT_EQ(utc_as("2025-02-04T10:30:00+08:00", "auto", "America/New_York"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc_as("2025-02-04 10:30:00", "auto", "Asia/Shanghai"), "2025-02-04T02:30:00Z");
  EXPECT_EQ(utc_as("Tue, 04 Feb 2025 10:30:00 GMT", "auto", "Asia/Shanghai"), "2025-02-04T10:30:00Z");
  EXPECT_TRUE(is_time_zone("Asia/Shanghai"));
  EXPECT_FALSE(is_time_zone("Asia/Atlantis"));
}

}  // namespace
}  // namespace sigflow
