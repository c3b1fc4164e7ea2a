#include "rules/extractors.hpp"
#include "sigflow/text.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace sigflow::rules {
namespace {

using re2::StringPiece;

// Rates as of early 2025, rounded; documented in docs/configuration.md#rates.
const CurrencyRates kDefaultRates = {
    {"USD", 1.0},     {"CNY", 0.138},  {"HKD", 0.128}, {"TWD", 0.0305}, {"EUR", 1.04},
    {"GBP", 1.25},    {"JPY", 0.0065}, {"SGD", 0.74},  {"KRW", 0.00069}, {"AUD", 0.63},
    {"CAD", 0.70},    {"INR", 0.0115},
};

const std::array<std::pair<std::string_view, double>, 24> kMagnitudes = {{
    {"万亿", 1e12}, {"萬億", 1e12}, {"千亿", 1e11}, {"千億", 1e11}, {"百亿", 1e10}, {"百億", 1e10},
    {"十亿", 1e9},  {"十億", 1e9},  {"亿", 1e8},    {"億", 1e8},    {"千万", 1e7},  {"千萬", 1e7},
    {"百万", 1e6},  {"百萬", 1e6},  {"万", 1e4},    {"萬", 1e4},    {"千", 1e3},    {"trillion", 1e12},
    {"tn", 1e12},   {"billion", 1e9}, {"bn", 1e9},  {"b", 1e9},     {"million", 1e6}, {"mn", 1e6},
}};


double magnitude_of(std::string_view word) {
  const std::string w = ascii_lower(word);
  if (w.empty()) return 1;
  if (w == "m") return 1e6;
  if (w == "k" || w == "thousand") return 1e3;
  for (const auto& [name, value] : kMagnitudes) {
    if (w == name) return value;
  }
  return 1;
}

std::string currency_of(std::string_view token) {
  const std::string t = ascii_lower(token);
  if (t == "$" || t == "us$" || t == "usd" || t == "美元" || t == "美金" || t.find("dollar") != std::string::npos) return "USD";
  if (t == "hk$" || t == "hkd" || t == "港元" || t == "港币" || t == "港幣") return "HKD";
  if (t == "nt$" || t == "twd" || t == "新台币" || t == "新台幣" || t == "新臺幣") return "TWD";
  if (t == "s$" || t == "sgd") return "SGD";
  if (t == "a$" || t == "aud") return "AUD";
  if (t == "c$" || t == "cad") return "CAD";
  if (t == "krw" || t == "won" || t == "韩元" || t == "韓元") return "KRW";
  if (t == "inr" || t == "rupees" || t == "卢比" || t == "盧比") return "INR";
  if (t == "€" || t == "eur" || t == "euros" || t == "欧元" || t == "歐元") return "EUR";
  if (t == "£" || t == "gbp" || t == "pounds" || t == "英镑" || t == "英鎊") return "GBP";
  if (t == "jpy" || t == "yen" || t == "日元" || t == "日圓" || t == "日圆") return "JPY";
  // ¥ and 元 are read as renminbi: the news sigflow targets quotes yen as 日元.
  return "CNY";
}

std::optional<double> parse_decimal(std::string_view digits) {
  std::string clean;
  for (char c : digits) {
    if (c != ',') clean.push_back(c);
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v);
  if (ec != std::errc() || ptr != clean.data() + clean.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(text[0]))) return parse_decimal(text);
  return parse_chinese_number(text);
}

struct Candidate {
  std::size_t begin = 0;
  std::size_t end = 0;
  MoneyAmount amount;
};

// Calls f(groups) for every non-overlapping match of re in text; groups[0] is the match.
template <typename F>
void for_each_match(const re2::RE2& re, std::string_view text, F&& f) {
  const int n = re.NumberOfCapturingGroups() + 1;
  std::vector<StringPiece> groups(static_cast<std::size_t>(n));
  const StringPiece input(text.data(), text.size());
  std::size_t pos = 0;
  while (pos <= text.size() && re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, groups.data(), n)) {
    f(groups);
    const std::size_t end = static_cast<std::size_t>(groups[0].data() - text.data()) + groups[0].size();
    pos = end > pos ? end : pos + 1;
  }
}

std::string_view view(const StringPiece& p) { return {p.data(), p.size()}; }

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  return re;  // patterns are constants; ok() is checked by the extractor tests
}

const std::string kCjkDigits = "零〇一二两兩三四五六七八九十百千";
const std::string kCjkMagnitude = "万亿|萬億|千亿|千億|百亿|百億|十亿|十億|亿|億|千万|千萬|百万|百萬|万|萬|千";

}  // namespace

const CurrencyRates& default_currency_rates() { return kDefaultRates; }

std::optional<double> parse_chinese_number(std::string_view text) {
  static const std::array<std::pair<std::string_view, int>, 13> kDigits = {{
      {"零", 0}, {"〇", 0}, {"一", 1}, {"二", 2}, {"两", 2}, {"兩", 2}, {"三", 3},
      {"四", 4}, {"五", 5}, {"六", 6}, {"七", 7}, {"八", 8}, {"九", 9},
  }};
  static const std::array<std::pair<std::string_view, int>, 3> kUnits = {{{"十", 10}, {"百", 100}, {"千", 1000}}};
  double total = 0;
  int current = -1;  // -1: no digit since the last unit
  bool any = false;
  while (!text.empty()) {
    bool matched = false;
    for (const auto& [name, value] : kDigits) {
      if (text.substr(0, name.size()) == name) {
        current = value;
        text.remove_prefix(name.size());
        matched = any = true;
        break;
      }
    }
    if (matched) continue;
    for (const auto& [name, value] : kUnits) {
      if (text.substr(0, name.size()) == name) {
        total += (current < 0 ? 1 : current) * value;
        current = -1;
        text.remove_prefix(name.size());
        matched = any = true;
        break;
      }
    }
    if (!matched) return std::nullopt;
  }
  if (!any) return std::nullopt;
  return total + (current < 0 ? 0 : current);
}

std::optional<double> Extraction::max_usd() const {
  const MoneyAmount* m = largest();
  return m == nullptr ? std::nullopt : m->usd;
}

const MoneyAmount* Extraction::largest() const {
  const MoneyAmount* best = nullptr;
  for (const auto& m : money) {
    if (!m.per.empty() || !m.usd) continue;
    if (best == nullptr || *m.usd > *best->usd) best = &m;
  }
  return best;
}

std::optional<double> Extraction::max_percent() const {
  if (percents.empty()) return std::nullopt;
  return *std::max_element(percents.begin(), percents.end());
}

Extractors::Extractors(CurrencyRates rates)
    : rates_(std::move(rates)),
      symbol_money_(compile(
          R"(((?i:US\$|HK\$|NT\$|S\$|A\$|C\$|RMB|CNY|USD|HKD|EUR|GBP|JPY|TWD|AUD|CAD|KRW|INR|SGD)|\$|¥|￥|€|£|新台[币幣]|新臺幣|港[币幣元]|人民[币幣]|美元|美金|日元|欧元|歐元)\s?(\d[\d,]*(?:\.\d+)?))"
          R"((?:\s*((?i:trillion|billion|million|thousand|bn|mn|tn|m|b|k)\b|)" + kCjkMagnitude + R"()|))")),
      cjk_money_(compile(R"((\d[\d,]*(?:\.\d+)?|[)" + kCjkDigits + R"(]+)\s*()" + kCjkMagnitude +
                         R"()?\s*(美元|美金|元人民币|元人民幣|人民币|人民幣|港元|港币|港幣|欧元|歐元|日元|日圓|日圆|英镑|英鎊|新台币|新台幣|新臺幣|韩元|韓元|卢比|盧比|元))")),
      word_money_(compile(
          R"((\d[\d,]*(?:\.\d+)?)\s*((?i:trillion|billion|million|thousand|bn|mn))?\s*)"
          R"(((?i:US dollars|dollars|yuan|renminbi|euros|pounds|yen|won|rupees|USD|RMB|CNY|HKD|EUR|GBP|JPY|AUD|CAD|KRW|INR|SGD|TWD))\b)")),
      per_unit_(compile(R"(^\s*(?:/|每|(?i:per))\s*((?:百万|百萬|千|万|萬|(?i:million|thousand|1M|1K|M|K))?\s*(?:(?i:tokens?)|次|千字|字)))")),
      percent_(compile(R"((\d+(?:\.\d+)?)\s*(?:%|％|个百分点|個百分點|(?i:percent|per cent)\b))")),
      cjk_percent_(compile(R"(百分之([)" + kCjkDigits + R"(]+|\d+(?:\.\d+)?))")),
      iso_date_(compile(R"((\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?)")),
      cjk_date_(compile(R"((\d{1,2})\s*月\s*(\d{1,2})\s*[日号號])")),
      en_date_(compile(R"(\b((?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4}))?)")) {
}

Extractors::~Extractors() = default;

bool Extractors::patterns_ok() const {
  for (const auto* re : {&symbol_money_, &cjk_money_, &word_money_, &per_unit_, &percent_, &cjk_percent_, &iso_date_, &cjk_date_, &en_date_}) {
    if (!(*re)->ok()) return false;
  }
  return true;
}

void Extractors::find_money(std::string_view text, Extraction& out) const {
  std::vector<Candidate> found;
  auto add = [&](const std::vector<StringPiece>& g, std::string_view number, std::string_view magnitude, std::string_view currency) {
    auto value = parse_number(number);
    if (!value) return;
    Candidate c;
    c.begin = static_cast<std::size_t>(g[0].data() - text.data());
    c.end = c.begin + g[0].size();
    c.amount.value = *value * magnitude_of(magnitude);
    c.amount.currency = currency_of(currency);
    c.amount.text = std::string(view(g[0]));
    found.push_back(std::move(c));
  };
  for_each_match(*symbol_money_, text, [&](const auto& g) { add(g, view(g[2]), view(g[3]), view(g[1])); });
  for_each_match(*cjk_money_, text, [&](const auto& g) { add(g, view(g[1]), view(g[2]), view(g[3])); });
  for_each_match(*word_money_, text, [&](const auto& g) { add(g, view(g[1]), view(g[2]), view(g[3])); });
  // Overlapping readings of one amount ("¥0.5元"): keep the longest, then text order.
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::size_t covered = 0;
  for (Candidate& c : found) {
    if (c.begin < covered) continue;
    covered = c.end;
    StringPiece groups[2];
    const StringPiece rest(text.data() + c.end, text.size() - c.end);
    if (per_unit_->Match(rest, 0, rest.size(), re2::RE2::ANCHOR_START, groups, 2)) {
      c.amount.per = std::string(view(groups[1]));
      c.amount.text += std::string(view(groups[0]));
    }
    if (auto rate = rates_.find(c.amount.currency); rate != rates_.end()) {
      c.amount.usd = std::round(c.amount.value * rate->second * 100) / 100;  // cents: no float noise in alerts
    }
    out.money.push_back(std::move(c.amount));
  }
}

void Extractors::find_percents(std::string_view text, Extraction& out) const {
  for_each_match(*percent_, text, [&](const auto& g) {
    if (auto v = parse_decimal(view(g[1]))) out.percents.push_back(*v);
  });
  for_each_match(*cjk_percent_, text, [&](const auto& g) {
    if (auto v = parse_number(view(g[1]))) out.percents.push_back(*v);
  });
}

void Extractors::find_dates(std::string_view text, Extraction& out) const {
  auto add = [&](int year, int month, int day) {
    if (month < 1 || month > 12 || day < 1 || day > 31) return;
    std::string d = year > 0 ? fmt::format("{:04d}-{:02d}-{:02d}", year, month, day) : fmt::format("--{:02d}-{:02d}", month, day);
    if (std::find(out.dates.begin(), out.dates.end(), d) == out.dates.end()) out.dates.push_back(std::move(d));
  };
  auto to_int = [](std::string_view s) {
    int v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
  };
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // a year-less date inside a full one is not a second date
  for_each_match(*iso_date_, text, [&](const auto& g) {
    add(to_int(view(g[1])), to_int(view(g[2])), to_int(view(g[3])));
    const std::size_t b = static_cast<std::size_t>(g[0].data() - text.data());
    spans.emplace_back(b, b + g[0].size());
  });
  for_each_match(*cjk_date_, text, [&](const auto& g) {
    const std::size_t b = static_cast<std::size_t>(g[0].data() - text.data());
    for (const auto& [sb, se] : spans) {
      if (b >= sb && b < se) return;
    }
    add(0, to_int(view(g[1])), to_int(view(g[2])));
  });
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  for_each_match(*en_date_, text, [&](const auto& g) {
    const std::string m = ascii_lower(view(g[1])).substr(0, 3);
    const int month = static_cast<int>(std::find(std::begin(kMonths), std::end(kMonths), m) - std::begin(kMonths)) + 1;
    add(g[3].empty() ? 0 : to_int(view(g[3])), month, to_int(view(g[2])));
  });
}

Extraction Extractors::extract(std::string_view text) const {
  Extraction out;
  find_money(text, out);
  find_percents(text, out);
  find_dates(text, out);
  return out;
}

}  // namespace sigflow::rules
