#pragma once
// Built-in extractors: money amounts, percentages and dates in Chinese and English text.
//
//   3000亿美金 · 5 亿元 · 1000萬人民幣 · 10亿美元 · 十亿美元 · US$1bn · $600 million
//   ¥0.5/百万tokens · 1.2 billion yuan · HK$50m   →   value, currency, amount in USD
//   降价 90% · 85％ · 3个百分点 · 百分之二十       →   percentages
//   2025-04-01 · 2025年4月1日 · 4 月 1 日 · April 1, 2025  →  dates (YYYY-MM-DD or --MM-DD)
//
// Patterns are RE2 (linear time). Amounts convert to USD with a fixed rate table
// (docs/configuration.md#rates); a currency missing from the table gives no USD amount.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace sigflow::rules {

// US dollars per one unit of each currency (ISO 4217 codes).
using CurrencyRates = std::map<std::string, double>;
const CurrencyRates& default_currency_rates();

struct MoneyAmount {
  double value = 0;
  std::string currency;         // ISO 4217 code
  std::optional<double> usd;    // value converted with the rate table
  std::string text;             // as written
  std::string per;              // a unit price's unit, e.g. "百万tokens"; empty for totals
};

struct Extraction {
  std::vector<MoneyAmount> money;     // in text order
  std::vector<double> percents;       // "%" forms in text order, then 百分之 forms
  std::vector<std::string> dates;     // full dates, then month-day and English forms; de-duplicated
  std::optional<double> max_usd() const;      // the largest total (not unit price) in USD
  const MoneyAmount* largest() const;         // the amount max_usd() comes from
  std::optional<double> max_percent() const;
};

class Extractors {
 public:
  explicit Extractors(CurrencyRates rates = default_currency_rates());
  ~Extractors();
  Extractors(const Extractors&) = delete;
  Extractors& operator=(const Extractors&) = delete;

  Extraction extract(std::string_view text) const;
  bool patterns_ok() const;  // every built-in pattern compiled (checked by the tests)

 private:
  void find_money(std::string_view text, Extraction& out) const;
  void find_percents(std::string_view text, Extraction& out) const;
  void find_dates(std::string_view text, Extraction& out) const;

  CurrencyRates rates_;
  std::unique_ptr<re2::RE2> symbol_money_;   // $600 million, US$1bn, ¥0.5
  std::unique_ptr<re2::RE2> cjk_money_;      // 10亿美元, 1000萬人民幣, 十亿美元
  std::unique_ptr<re2::RE2> word_money_;     // 1.2 billion yuan, 600 million dollars
  std::unique_ptr<re2::RE2> per_unit_;       // /百万tokens, per million tokens
  std::unique_ptr<re2::RE2> percent_;
  std::unique_ptr<re2::RE2> cjk_percent_;    // 百分之二十
  std::unique_ptr<re2::RE2> iso_date_;
  std::unique_ptr<re2::RE2> cjk_date_;
  std::unique_ptr<re2::RE2> en_date_;
};

// Chinese numerals up to the thousands: 十 → 10, 二十五 → 25, 一千二百 → 1200, 两 → 2.
std::optional<double> parse_chinese_number(std::string_view text);

}  // namespace sigflow::rules
