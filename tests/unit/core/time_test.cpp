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

}  // namespace
}  // namespace sigflow
