// Rule evaluation: matching semantics (scripts, case, word boundaries), entities, summaries.
#include <gtest/gtest.h>

#include "rules/rule_test_support.hpp"

namespace sigflow::rules {
namespace {

using namespace test_support;

const char* kRules = R"(schema_version: 1
lists:
  providers:
    - name: Tencent Cloud
      terms: [腾讯云, Tencent Cloud]
    - name: AWS
      terms: [AWS, Amazon Bedrock]
  models:
    - name: DeepSeek-R1
      terms: [DeepSeek-R1, DeepSeek R1]
  verbs: [上线, 上架, now available]
  denials: [辟谣]
  pair: [alpha, beta]
rules:
  - id: onboarding
    signal: model_onboarding
    severity: warning
    labels: {team: research}
    condition: any(providers) and any(models) and any(verbs) and not any(denials)
    extract: {provider: providers, model: models}
    summary: "{provider} lists {model} ({source}): {title}"
  - id: title_only
    signal: t
    condition: any(verbs, title) and any(models, title)
  - id: both
    signal: b
    condition: all(pair)
  - id: off
    signal: o
    enabled: false
    condition: any(verbs)
)";

class RuleEvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = compile_text(dir_, kRules);
    ASSERT_TRUE(c.set) << rendered(c.diagnostics);
    set_ = c.set;
  }
  std::vector<Alert> eval(const Event& e) {
    auto r = evaluator_.evaluate(*set_, e, "2025-01-01T00:00:00.000Z");
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<Alert>{};
  }
  std::vector<std::string> rules_fired(const Event& e) {
    std::vector<std::string> ids;
    for (const auto& a : eval(e)) ids.push_back(a.rule);
    return ids;
  }
  sigflow::test::TempDir dir_;
  std::shared_ptr<const CompiledRuleSet> set_;
  RuleEvaluator evaluator_;
};

TEST_F(RuleEvaluatorTest, OneTermMatchesSimplifiedTraditionalAndCase) {
  EXPECT_EQ(rules_fired(event("腾讯云上线 DeepSeek-R1")), (std::vector<std::string>{"onboarding", "title_only"}));
  EXPECT_EQ(rules_fired(event("騰訊雲上架 DeepSeek-R1")), (std::vector<std::string>{"onboarding", "title_only"}));
  EXPECT_EQ(rules_fired(event("deepseek r1 NOW  AVAILABLE in tencent cloud")), (std::vector<std::string>{"onboarding", "title_only"}));
}

TEST_F(RuleEvaluatorTest, AsciiTermsMatchOnlyAtWordBoundaries) {
  EXPECT_EQ(rules_fired(event("New laws on DeepSeek-R1 now available")), std::vector<std::string>{"title_only"});  // "laws" is not AWS
  EXPECT_EQ(rules_fired(event("AWS上线DeepSeek-R1")).front(), "onboarding");           // CJK neighbours are boundaries
  EXPECT_TRUE(rules_fired(event("Tencent Cloud上线 DeepSeek-R10")).empty());          // R10 is not R1
}

TEST_F(RuleEvaluatorTest, NegationFieldsAllAndDisabledRules) {
  EXPECT_EQ(rules_fired(event("辟谣：腾讯云并未上线 DeepSeek-R1")), std::vector<std::string>{"title_only"});
  // Terms split across title and content satisfy `any` over all fields but not a title-only test.
  EXPECT_EQ(rules_fired(event("腾讯云 news", "今日上线 DeepSeek-R1")), std::vector<std::string>{"onboarding"});
  EXPECT_EQ(rules_fired(event("alpha and beta")), std::vector<std::string>{"both"});
  EXPECT_TRUE(rules_fired(event("alpha only")).empty());
}

TEST_F(RuleEvaluatorTest, AlertsCarryEntitiesSummaryAndExplanation) {
  Event e = event("騰訊雲上架 DeepSeek-R1，AWS 也已上线");
  e.source = "hk-news";
  e.time = "2025-02-17T03:20:00Z";
  e.data.url = "https://news.example.hk/1";
  const auto alerts = eval(e);
  ASSERT_FALSE(alerts.empty());
  const Alert& a = alerts[0];
  EXPECT_EQ(a.rule, "onboarding");
  EXPECT_EQ(a.signal, "model_onboarding");
  EXPECT_EQ(a.severity, Severity::warning);
  EXPECT_EQ(a.labels.at("team"), "research");
  EXPECT_EQ(a.entities.at("provider"), (std::vector<EntityValue>{"Tencent Cloud", "AWS"}));
  EXPECT_EQ(a.entities.at("model"), std::vector<EntityValue>{"DeepSeek-R1"});
  EXPECT_EQ(a.summary, "Tencent Cloud, AWS lists DeepSeek-R1 (hk-news): 騰訊雲上架 DeepSeek-R1，AWS 也已上线");
  EXPECT_EQ(a.id, make_alert_id("onboarding", e.id));
  EXPECT_EQ(a.event.url, "https://news.example.hk/1");
  EXPECT_EQ(a.event.time, "2025-02-17T03:20:00Z");
  EXPECT_EQ(a.fired_at, "2025-01-01T00:00:00.000Z");
  const MatchedTerm want{"providers", "腾讯云", "title"};
  EXPECT_NE(std::find(a.matched.begin(), a.matched.end(), want), a.matched.end());
  for (const auto& m : a.matched) EXPECT_NE(m.list, "denials");  // negated tests never explain a match
}

TEST(RuleEvaluator, ExplanationsComeOnlyFromTheBranchesThatWereTrue) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, "schema_version: 1\nlists:\n  g: [gamma]\n  ab: [alpha, beta]\n  x: [chi]\n"
                             "rules:\n  - {id: r, signal: s, condition: (any(g) or all(ab)) and not any(x)}\n");
  ASSERT_TRUE(c.set) << rendered(c.diagnostics);
  RuleEvaluator ev;
  auto r = ev.evaluate(*c.set, event("gamma and alpha"), "t");  // all(ab) is false: only gamma explains
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].matched, (std::vector<MatchedTerm>{{"g", "gamma", "title"}}));
}

TEST(RuleEvaluator, EmptyRuleSetMatchesNothing) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, "schema_version: 1\nrules: []\n");
  ASSERT_TRUE(c.set) << rendered(c.diagnostics);
  RuleEvaluator ev;
  auto r = ev.evaluate(*c.set, event("anything"), "t");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace sigflow::rules
