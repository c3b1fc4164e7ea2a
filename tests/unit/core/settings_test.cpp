#include "sigflow/settings.hpp"

#include <gtest/gtest.h>

namespace sigflow {
namespace {

TEST(Settings, ParsesDurationsAndSizes) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("30s")->count(), 30'000);
  EXPECT_EQ(parse_duration("5m")->count(), 300'000);
  EXPECT_EQ(parse_duration("1.5h")->count(), 5'400'000);
  EXPECT_FALSE(parse_duration("5").ok());
  EXPECT_FALSE(parse_duration("fast").ok());
  EXPECT_EQ(*parse_size("16MiB"), 16u << 20);
  EXPECT_EQ(*parse_size("1KB"), 1000u);
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_FALSE(parse_size("lots").ok());
}

TEST(Settings, ChecksValuesAgainstTheirTypeAndFillsDefaults) {
  const SettingsTable table{{"timeout", SettingType::duration, "30s", "t"},
                            {"retries", SettingType::integer, "3", "r"},
                            {"verify", SettingType::boolean, "true", "v"}};
  EXPECT_TRUE(check_setting_value(table[0], "10s").ok());
  EXPECT_FALSE(check_setting_value(table[0], "10").ok());
  EXPECT_FALSE(check_setting_value(table[1], "three").ok());
  EXPECT_FALSE(check_setting_value(table[2], "yes").ok());
  Settings s(table, {{"retries", "5"}});
  EXPECT_EQ(s.get_duration("timeout").count(), 30'000);
  EXPECT_EQ(s.get_int("retries"), 5);
  EXPECT_TRUE(s.get_bool("verify"));
}

}  // namespace
}  // namespace sigflow
