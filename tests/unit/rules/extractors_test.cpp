#include "rules/extractors.hpp"

#include <gtest/gtest.h>

namespace sigflow::rules {
namespace {

struct MoneyCase {
  const char* text;
  double value;
  const char* currency;
  const char* per;
};

TEST(Extractors, EveryPatternCompiles) { EXPECT_TRUE(Extractors().patterns_ok()); }

TEST(Extractors, MoneyInChineseAndEnglishForms) {
  Extractors ex;
  const MoneyCase cases[] = {
      {"OpenAI 据称估值 3000亿美金", 3e11, "USD", ""},
      {"完成 5 亿元 B 轮融资", 5e8, "CNY", ""},
      {"獲得 1000萬人民幣天使輪投資", 1e7, "CNY", ""},
      {"完成10亿美元融资", 1e9, "USD", ""},
      {"完成十亿美元融资", 1e9, "USD", ""},
      {"raised US$1bn in a round", 1e9, "USD", ""},
      {"Mistral raises $600 million", 6e8, "USD", ""},
      {"输入价格 ¥0.5/百万tokens", 0.5, "CNY", "百万tokens"},
      {"a 1.2 billion yuan fund", 1.2e9, "CNY", ""},
      {"HK$50m placement", 5e7, "HKD", ""},
      {"融資 3.5 億港元", 3.5e8, "HKD", ""},
      {"€40 million seed", 4e7, "EUR", ""},
      {"完成三千万元 A 轮", 3e7, "CNY", ""},
      {"at $2.19 per million tokens", 2.19, "USD", "million tokens"},
      {"募得新台幣 1 億元", 1e8, "TWD", ""},
      {"raised A$30 million", 3e7, "AUD", ""},
      {"融资 500 亿韩元", 5e10, "KRW", ""},
  };
  for (const auto& c : cases) {
    const Extraction e = ex.extract(c.text);
    ASSERT_EQ(e.money.size(), 1u) << c.text;
    EXPECT_DOUBLE_EQ(e.money[0].value, c.value) << c.text;
    EXPECT_EQ(e.money[0].currency, c.currency) << c.text;
    EXPECT_EQ(e.money[0].per, c.per) << c.text;
  }
}

TEST(Extractors, LargestTotalInUsdIgnoresUnitPrices) {
  Extractors ex;
  const Extraction e = ex.extract("以 ¥0.5/百万tokens 起售；公司完成 10 亿元融资，另获 $20 million 贷款");
  ASSERT_EQ(e.money.size(), 3u);
  ASSERT_TRUE(e.max_usd());
  EXPECT_NEAR(*e.max_usd(), 1e9 * default_currency_rates().at("CNY"), 1);
  EXPECT_EQ(e.largest()->currency, "CNY");
}

TEST(Extractors, VagueOrMissingAmountsAreNotInvented) {
  Extractors ex;
  EXPECT_TRUE(ex.extract("完成数亿美元融资").money.empty());
  EXPECT_TRUE(ex.extract("$5 more for the premium tier").money.size() == 1);  // $5, not $5 million
  EXPECT_DOUBLE_EQ(ex.extract("$5 more for the premium tier").money[0].value, 5);
  EXPECT_FALSE(ex.extract("no money here").max_usd());
}

TEST(Extractors, UnknownCurrencyHasNoUsdAmount) {
  Extractors ex(CurrencyRates{{"USD", 1.0}});
  const Extraction e = ex.extract("融资 5 亿元");
  ASSERT_EQ(e.money.size(), 1u);
  EXPECT_FALSE(e.money[0].usd);
  EXPECT_FALSE(e.max_usd());
}

TEST(Extractors, PercentagesAndDates) {
  Extractors ex;
  const Extraction e = ex.extract("降价 90%，折扣 85％，上涨 3 个百分点，百分之二十；2025年4月1日起，4 月 15 日截止，effective March 3, 2025");
  EXPECT_EQ(e.percents, (std::vector<double>{90, 85, 3, 20}));
  EXPECT_EQ(e.dates, (std::vector<std::string>{"2025-04-01", "--04-15", "2025-03-03"}));
  EXPECT_EQ(*e.max_percent(), 90);
}

TEST(Extractors, ChineseNumerals) {
  EXPECT_EQ(parse_chinese_number("十"), 10);
  EXPECT_EQ(parse_chinese_number("二十五"), 25);
  EXPECT_EQ(parse_chinese_number("一千二百"), 1200);
  EXPECT_EQ(parse_chinese_number("两"), 2);
  EXPECT_EQ(parse_chinese_number("三千"), 3000);
  EXPECT_FALSE(parse_chinese_number("数"));
}

}  // namespace
}  // namespace sigflow::rules
