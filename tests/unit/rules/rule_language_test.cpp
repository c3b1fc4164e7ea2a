// The expression language beyond term lists: field tests, types, near(), extraction in
// conditions, exceptions, dedup keys, width folding, prefilter, and load-time type errors.
#include <gtest/gtest.h>

#include "rules/rule_test_support.hpp"

namespace sigflow::rules {
namespace {

using namespace test_support;

class RuleLanguage : public ::testing::Test {
 protected:
  std::shared_ptr<const CompiledRuleSet> compile(const std::string& rules_yaml) {
    auto c = compile_text(dir_, "schema_version: 1\nlists:\n  round: [融资, raises, raised]\n  cos: [腾讯云, Tencent]\n"
                                "  models: [DeepSeek]\n  verbs: [上线, launches]\n  langs: [zh-Hans, zh-Hant]\n"
                                "rules:\n" + rules_yaml);
    EXPECT_TRUE(c.set) << rendered(c.diagnostics);
    return c.set;
  }
  std::vector<std::string> fired(const CompiledRuleSet& set, const Event& e) {
    auto r = evaluator_.evaluate(set, e, "t");
    EXPECT_TRUE(r.ok());
    std::vector<std::string> ids;
    if (r.ok()) {
      for (const auto& a : *r) ids.push_back(a.rule);
    }
    return ids;
  }
  sigflow::test::TempDir dir_;
  RuleEvaluator evaluator_;
};

TEST_F(RuleLanguage, FieldTestsOnEventFields) {
  auto set = compile(R"(  - {id: src, signal: s, condition: 'source == "hk-news"'}
  - {id: in_values, signal: s, condition: 'lang in ("zh-Hant", "en")'}
  - {id: in_list, signal: s, condition: lang in langs}
  - {id: contains, signal: s, condition: 'title contains "DeepSeek"'}
  - {id: icontains, signal: s, condition: 'title icontains "deepseek"'}
  - {id: starts, signal: s, condition: 'url startswith "https://news.example.hk/"'}
  - {id: ends, signal: s, condition: 'url endswith ".pdf"'}
  - {id: data, signal: s, condition: 'data.feed_title == "港聞"'}
  - {id: categories, signal: s, condition: 'categories == "雲端"'}
  - {id: time, signal: s, condition: 'time >= "2025-02-01"'}
  - {id: exists, signal: s, condition: data.vendor exists}
  - {id: regex, signal: s, condition: "title regex '[0-9]+\\s*億'"}
)");
  ASSERT_TRUE(set);
  Event e = event("騰訊雲上架 deepseek，投入 5 億");
  e.source = "hk-news";
  e.data.lang = "zh-Hant";
  e.data.url = "https://news.example.hk/a.html";
  e.data.extra["feed_title"] = "港聞";
  e.data.categories = {"科技", "雲端"};
  e.time = "2025-02-17T03:20:00Z";
  EXPECT_EQ(fired(*set, e), (std::vector<std::string>{"src", "in_values", "in_list", "icontains", "starts", "data", "categories",
                                                       "time", "regex"}));
  e.data.extra["vendor"] = "x";
  e.data.title = "DeepSeek";
  e.time = "2024-12-31T00:00:00Z";
  EXPECT_EQ(fired(*set, e), (std::vector<std::string>{"src", "in_values", "in_list", "contains", "icontains", "starts", "data",
                                                       "categories", "exists"}));
}

TEST_F(RuleLanguage, AmountsAndPercentsInConditionsAndEntities) {
  auto set = compile(R"(  - id: big_round
    signal: funding_round
    condition: any(round) and amount_usd >= 1e8
    extract: {amount: money}
    summary: "{amount} {currency} (${amount_usd}): {title}"
  - {id: deep_cut, signal: pricing_change, condition: percent >= 50, extract: {cut: percent}}
  - {id: cny, signal: s, condition: 'currency == "CNY"'}
)");
  ASSERT_TRUE(set);
  auto alerts = evaluator_.evaluate(*set, event("智谱完成 12 亿元融资"), "t");
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 2u);
  const Alert& a = (*alerts)[0];
  EXPECT_EQ(a.rule, "big_round");
  EXPECT_EQ(a.entities.at("amount"), std::vector<EntityValue>{EntityValue::of(1.2e9)});
  EXPECT_EQ(a.entities.at("currency"), std::vector<EntityValue>{"CNY"});
  EXPECT_NEAR(*a.entities.at("amount_usd")[0].number, 1.2e9 * default_currency_rates().at("CNY"), 1);
  EXPECT_EQ(a.summary.rfind("1200000000 CNY ($", 0), 0u) << a.summary;
  EXPECT_NE(a.to_json().find("\"amount\":[1200000000]"), std::string::npos) << a.to_json();
  EXPECT_EQ((*alerts)[1].rule, "cny");

  EXPECT_TRUE(fired(*set, event("小公司完成 500 万元融资")).size() == 1);  // below 1e8 USD: only the currency rule
  EXPECT_EQ(fired(*set, event("API 降价 90%")), std::vector<std::string>{"deep_cut"});
  EXPECT_TRUE(fired(*set, event("API 降价 10%")).empty());
}

TEST_F(RuleLanguage, NearMeasuresCharactersBetweenTerms) {
  auto set = compile("  - {id: near, signal: s, condition: 'near(cos, models, 6)'}\n");
  ASSERT_TRUE(set);
  EXPECT_EQ(fired(*set, event("腾讯云今日上线 DeepSeek")), std::vector<std::string>{"near"});      // 5 characters apart
  EXPECT_EQ(fired(*set, event("DeepSeek 登陆腾讯云")), std::vector<std::string>{"near"});          // either order
  EXPECT_TRUE(fired(*set, event("腾讯云发布财报，营收增长，另外 DeepSeek 发布新版本")).empty());  // too far
  EXPECT_TRUE(fired(*set, event("腾讯云", "DeepSeek")).empty());  // different fields never pair
}

TEST_F(RuleLanguage, ExceptionsSuppressAndDedupKeysRender) {
  auto set = compile(R"(  - id: onboard
    signal: model_onboarding
    condition: any(cos) and any(models) and any(verbs)
    extract: {provider: cos}
    exceptions:
      - {name: denial, condition: 'title contains "辟谣"'}
    dedup: {key: "{provider}:{signal}", ttl: 24h}
)");
  ASSERT_TRUE(set);
  auto ok = evaluator_.evaluate(*set, event("腾讯云上线 DeepSeek"), "t");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].dedup_key, "腾讯云:model_onboarding");
  EXPECT_EQ(set->rules()[0].dedup_ttl, std::chrono::hours(24));
  std::vector<std::string> explain;
  auto denied = evaluator_.evaluate(*set, event("辟谣：腾讯云并未上线 DeepSeek"), "t", &explain);
  ASSERT_TRUE(denied.ok());
  EXPECT_TRUE(denied->empty());
  ASSERT_FALSE(explain.empty());
  EXPECT_EQ(explain[0], "rule onboard: suppressed by exception 'denial'");
}

TEST_F(RuleLanguage, FullWidthAndCompatibilityFormsAreFolded) {
  auto set = compile("  - {id: r, signal: s, condition: any(cos) and amount_usd > 0, extract: {amount: money}}\n");
  ASSERT_TRUE(set);
  auto alerts = evaluator_.evaluate(*set, event("ＴＥＮＣＥＮＴ 投资 １０亿美元"), "t");
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].entities.at("amount"), std::vector<EntityValue>{EntityValue::of(1e9)});
}

TEST_F(RuleLanguage, PrefilterSkipsRulesWhoseListsDidNotHitButKeepsFieldOnlyRules) {
  auto set = compile(R"(  - {id: terms, signal: s, condition: any(cos) and any(models)}
  - {id: negated, signal: s, condition: not any(cos)}
  - {id: either, signal: s, condition: any(verbs) or any(round)}
)");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->always_rules(), std::vector<int>{1});
  EXPECT_EQ(fired(*set, event("nothing relevant")), std::vector<std::string>{"negated"});
  EXPECT_EQ(fired(*set, event("腾讯云 DeepSeek 上线")), (std::vector<std::string>{"terms", "either"}));
}

TEST_F(RuleLanguage, TextRegexesArePrefilteredAndStillConfirmedByRe2) {
  auto set = compile(R"(  - {id: billions, signal: s, condition: "title regex '[0-9]+\\s*(亿|億|billion)'"}
  - {id: url_regex, signal: s, condition: "url regex '^https://'"}
  - {id: lookahead, signal: s, condition: "title regex '(?i)deepseek'"}
)");
  ASSERT_TRUE(set);
  // Text-field regexes need their trigger; a url regex cannot be prefiltered.
  EXPECT_EQ(set->always_rules(), std::vector<int>{1});
  EXPECT_EQ(fired(*set, event("融资 12 亿元")), std::vector<std::string>{"billions"});
  EXPECT_EQ(fired(*set, event("DEEPSEEK raises 2 billion")), (std::vector<std::string>{"billions", "lookahead"}));
  EXPECT_TRUE(fired(*set, event("融资数亿元")).empty());
}

TEST(RuleCompilerSlices, SplitDatabasesMatchLikeOne) {
  sigflow::test::TempDir dir;
  const std::string yaml = "schema_version: 1\nlists:\n  cos: [腾讯云, Tencent Cloud, AWS]\n  models: [DeepSeek, Qwen]\n"
                           "rules:\n  - {id: r, signal: s, condition: any(cos) and any(models), extract: {provider: cos}}\n";
  sigflow::test::write_file(dir / "r.yaml", yaml);
  CompileOptions sliced;
  sliced.patterns_per_database = 2;
  auto one = load_and_compile_rules({(dir / "r.yaml").string()});
  auto many = load_and_compile_rules({(dir / "r.yaml").string()}, sliced);
  ASSERT_TRUE(one.value && many.value);
  EXPECT_EQ((*one.value)->databases().size(), 1u);
  EXPECT_GE((*many.value)->databases().size(), 3u);
  RuleEvaluator a, b;
  for (const char* title : {"騰訊雲上线 DeepSeek", "AWS adds Qwen", "laws on Qwen", "nothing"}) {
    auto ra = a.evaluate(**one.value, event(title), "t");
    auto rb = b.evaluate(**many.value, event(title), "t");
    ASSERT_TRUE(ra.ok() && rb.ok());
    ASSERT_EQ(ra->size(), rb->size()) << title;
    for (std::size_t i = 0; i < ra->size(); ++i) EXPECT_EQ((*ra)[i].to_json(), (*rb)[i].to_json()) << title;
  }
}

TEST_F(RuleLanguage, FieldTestsSeeTextAsTermsDo) {
  auto set = compile(R"(  - {id: fw_regex, signal: s, condition: "title regex 'AWS'"}
  - {id: ws_contains, signal: s, condition: 'title contains "Tencent Cloud"'}
  - {id: not_en, signal: s, condition: 'lang != "en"'}
  - {id: self_near, signal: s, condition: 'near(models, models, 5)'}
)");
  ASSERT_TRUE(set);
  EXPECT_EQ(fired(*set, event("ＡＷＳ adds Tencent\n  Cloud")), (std::vector<std::string>{"fw_regex", "ws_contains"}));
  Event no_lang = event("nothing");
  EXPECT_TRUE(fired(*set, no_lang).empty());  // an empty lang is absent: != does not hold
  no_lang.data.lang = "zh-Hans";
  EXPECT_EQ(fired(*set, no_lang), std::vector<std::string>{"not_en"});
  EXPECT_TRUE(fired(*set, event("DeepSeek")).empty());  // one occurrence is not two
  EXPECT_EQ(fired(*set, event("DeepSeek vs DeepSeek")), std::vector<std::string>{"self_near"});
}

TEST_F(RuleLanguage, TermsWithFullWidthPunctuationMatchFoldedText) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, "schema_version: 1\nlists:\n  tags: [评论：]\nrules:\n  - {id: r, signal: s, condition: any(tags)}\n");
  ASSERT_TRUE(c.set);
  RuleEvaluator ev;
  for (const char* title : {"评论：云厂商降价", "评论：２０２５年云厂商降价"}) {  // the second is NFKC-folded
    auto r = ev.evaluate(*c.set, event(title), "t");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->size(), 1u) << title;
  }
}

TEST_F(RuleLanguage, TypeAndNameErrorsAreCaughtAtLoadTime) {
  const std::pair<std::string, std::string> cases[] = {
      {"titel contains \"x\"", "unknown field 'titel' (did you mean 'title'?)"},
      {"amount_usd contains \"x\"", "'contains' needs a string field, but 'amount_usd' is a number"},
      {"amount_usd >= \"big\"", "'amount_usd' is a number but \"big\" is a string"},
      {"title == 5", "'title' is a string but 5 is a number"},
      {"title regex '(unclosed'", "invalid regex: missing ): (unclosed"},
      {"title contains", "expected a \"string\" after 'contains'"},
      {"near(cos, models)", "expected ',' and a distance in characters"},
      {"lang in nolist", "unknown list 'nolist'"},
      {"title contains \"x", "unterminated string"},
      {"amount_usd >= 1e8 and", "condition ends too early"},
      {"provider exists", "unknown field 'provider'"},
  };
  for (const auto& [condition, message] : cases) {
    sigflow::test::TempDir dir;
    auto c = compile_text(dir, "schema_version: 1\nlists:\n  cos: [a]\n  models: [b]\nrules:\n  - id: r\n    signal: s\n    condition: >-\n      " +
                                   condition + "\n");
    EXPECT_FALSE(c.set) << condition;
    EXPECT_NE(rendered(c.diagnostics).find(message), std::string::npos) << condition << "\n" << rendered(c.diagnostics);
  }
}

TEST_F(RuleLanguage, WarnsAboutRulesThatCanNeverFire) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, "schema_version: 1\nlists:\n  a: [x]\nrules:\n  - {id: r, signal: s, condition: any(a) and not any(a)}\n");
  ASSERT_TRUE(c.set);
  EXPECT_NE(rendered(c.diagnostics).find("warning: rule 'r' can never fire"), std::string::npos) << rendered(c.diagnostics);
}

}  // namespace
}  // namespace sigflow::rules
