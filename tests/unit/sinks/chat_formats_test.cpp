// Golden payloads: what each receiver gets for one alert and for a group of two, compared byte
// for byte with tests/fixtures/sinks/<name>.json (the payload followed by one newline).
// After an intended change, regenerate them and review the diff:
//   SIGFLOW_UPDATE_GOLDEN=1 build/dev/tests/sigflow_unit_tests --gtest_filter='ChatFormats*'
#include "sinks/chat_formats.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "support/test_paths.hpp"

namespace sigflow::sinks {
namespace {

Alert onboarding() {
  Alert a;
  a.id = "3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4";
  a.rule = "model_onboarding.cloud_platform";
  a.signal = "model_onboarding";
  a.severity = Severity::warning;
  a.summary = "Alibaba Cloud lists DeepSeek-R1: 阿里云百炼上线 DeepSeek-R1";
  a.labels = {{"channel", "cloud"}};
  a.entities = {{"provider", {"Alibaba Cloud"}}, {"model", {"DeepSeek-R1"}}};
  a.event.id = "cn-cloud-88401";
  a.event.source = "cloud-news";
  a.event.url = "https://news.example.cn/a?x=1&y=<2>";
  a.event.title = "阿里云百炼上线 DeepSeek-R1 [满血版] *new*";
  a.event.time = "2025-02-03T02:30:00Z";
  a.fired_at = "2025-02-03T02:30:05Z";
  return a;
}

// Different on purpose: critical, two labels, a numeric entity, no title and no event time, a
// URL with a space and parentheses, markup characters in the summary.
Alert funding() {
  Alert a;
  a.id = "9b1c07d2e4f6a8b0c1d3e5f7a9b0c2d4";
  a.rule = "funding_round.cn";
  a.signal = "funding_round";
  a.severity = Severity::critical;
  a.summary = "Zhipu AI raises $140M & more <Series C> _fast_";
  a.labels = {{"channel", "finance"}, {"team", "deals"}};
  a.entities = {{"company", {"Zhipu AI", "智谱"}}, {"amount_usd", {EntityValue::of(140000000)}}};
  a.event.id = "hk-finance-0212";
  a.event.source = "hk-finance";
  a.event.url = "https://finance.example.hk/tech/2025/02/12/zhipu (round)";
  a.fired_at = "2025-02-12T09:00:00Z";
  return a;
}

const std::vector<Alert>& one() {
  static const std::vector<Alert> alerts{onboarding()};
  return alerts;
}

const std::vector<Alert>& two() {
  static const std::vector<Alert> alerts{onboarding(), funding()};
  return alerts;
}

bool updating() {
  const char* v = std::getenv("SIGFLOW_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

void expect_golden(const std::string& name, const std::string& payload) {
  const auto path = test::fixture("sinks/" + name + ".json");
  if (updating()) {
    std::filesystem::create_directories(path.parent_path());
    test::write_file(path, payload + "\n");
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing; run with SIGFLOW_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(payload + "\n", test::read_file(path)) << "differs from " << path
                                                    << " (if intended: SIGFLOW_UPDATE_GOLDEN=1 regenerates it)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

constexpr const char* kReplacementChar = "\xEF\xBF\xBD";

// --- golden payloads ---

TEST(ChatFormats, SlackGolden) {
  expect_golden("slack", slack_payload(one()));
  expect_golden("slack-group", slack_payload(two()));
}

TEST(ChatFormats, FeishuGolden) {
  expect_golden("feishu", feishu_payload(one()));
  expect_golden("feishu-group", feishu_payload(two()));
  expect_golden("feishu-signed", feishu_payload(one(), 1700000000, "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU="));
}

TEST(ChatFormats, DingTalkGolden) {
  expect_golden("dingtalk", dingtalk_payload(one()));
  expect_golden("dingtalk-group", dingtalk_payload(two()));
}

TEST(ChatFormats, WeComGolden) {
  expect_golden("wecom", wecom_payload(one()));
  expect_golden("wecom-group", wecom_payload(two()));
}

TEST(ChatFormats, AlertmanagerGolden) {
  expect_golden("alertmanager", alertmanager_payload(one(), std::chrono::hours(1), ""));
  expect_golden("alertmanager-group", alertmanager_payload(two(), std::chrono::hours(1), ""));
}

// --- what the goldens must show, asserted on their own ---

TEST(ChatFormats, SlackEscapesAmpersandAndAngleBracketsInMrkdwn) {
  const std::string p = slack_payload(one());
  EXPECT_TRUE(contains(p, R"(\n<https://news.example.cn/a?x=1&amp;y=&lt;2&gt;|阿里云百炼上线 DeepSeek-R1 [满血版] *new*>)")) << p;
  EXPECT_FALSE(contains(p, "y=<2>")) << p;
  const std::string g = slack_payload(two());
  EXPECT_TRUE(contains(g, R"(*Zhipu AI raises $140M &amp; more &lt;Series C&gt; _fast_*)")) << g;
  EXPECT_TRUE(contains(g, R"(<https://finance.example.hk/tech/2025/02/12/zhipu%20%28round%29|https://finance.example.hk/tech/2025/02/12/zhipu (round)>)"))
      << g;  // no title: the URL is the link text
  EXPECT_TRUE(contains(g, R"("text":"*amount_usd*\n140000000")")) << g;
  EXPECT_TRUE(contains(g, R"("text":"*company*\nZhipu AI, 智谱")")) << g;
  EXPECT_TRUE(contains(g, R"(rule `funding_round.cn` · hk-finance · 2025-02-12T09:00:00Z · alert `9b1c07d2e4f6a8b0c1d3e5f7a9b0c2d4`)")) << g;
}

TEST(ChatFormats, SlackNotificationTextIsEscapedToo) {
  // The top-level text is mrkdwn as well (notifications and clients without blocks): a summary
  // must not become a link or a <!channel> mention there either.
  Alert a = onboarding();
  a.summary = "<!channel> price cut & <https://evil.example|click>";
  const std::string p = slack_payload({a});
  EXPECT_TRUE(p.starts_with(R"({"text":"[WARNING] &lt;!channel&gt; price cut &amp; &lt;https://evil.example|click&gt;",)")) << p;
  // The header is plain_text, shown as it is: no escaping there.
  EXPECT_TRUE(contains(p, R"({"type":"plain_text","text":"[WARNING] <!channel> price cut & <https://evil.example|click>"})")) << p;
}

TEST(ChatFormats, SlackHeaderIsCutAtACharacterBoundary) {
  // Slack refuses header texts over 150 characters; a cut must not split a UTF-8 sequence.
  Alert a = onboarding();
  a.summary.clear();
  for (int i = 0; i < 60; ++i) a.summary += "阿";  // 180 bytes
  const std::string p = slack_payload({a});
  EXPECT_FALSE(contains(p, kReplacementChar)) << p;
  const std::string header_start = R"("type":"header","text":{"type":"plain_text","text":"[WARNING] )";
  const auto start = p.find(header_start);
  ASSERT_NE(start, std::string::npos) << p;
  const auto text_begin = start + header_start.size() - std::string("[WARNING] ").size();
  const auto text_end = p.find('"', text_begin);
  const std::string header = p.substr(text_begin, text_end - text_begin);
  EXPECT_LE(header.size(), 150u);
  EXPECT_GE(header.size(), 148u);  // 10 ASCII bytes and 46 characters of 3 bytes
  EXPECT_TRUE(std::string("[WARNING] " + a.summary).starts_with(header));
}

std::size_t slack_blocks(const std::string& payload) {
  std::size_t n = 0;
  for (const char* type : {R"({"type":"header",)", R"({"type":"section",)", R"({"type":"context",)"}) {
    for (auto pos = payload.find(type); pos != std::string::npos; pos = payload.find(type, pos + 1)) ++n;
  }
  return n;
}

TEST(ChatFormats, SlackGroupStaysWithinFiftyBlocks) {
  // Slack refuses a message of more than 50 blocks (HTTP 400 invalid_blocks), and max_group
  // allows 50 alerts: a header and 2 blocks per alert, so beyond 24 alerts the rest are listed
  // in one section.
  EXPECT_EQ(slack_blocks(slack_payload(one())), 3u);
  EXPECT_EQ(slack_blocks(slack_payload(two())), 5u);
  EXPECT_EQ(slack_blocks(slack_payload(std::vector<Alert>(24, onboarding()))), 49u);
  EXPECT_EQ(slack_blocks(slack_payload(std::vector<Alert>(25, onboarding()))), 48u);

  std::vector<Alert> many;
  for (int i = 0; i < 50; ++i) {
    Alert a = i % 2 ? funding() : onboarding();
    a.summary += " #" + std::to_string(i);
    many.push_back(a);
  }
  const std::string p = slack_payload(many);
  EXPECT_LE(slack_blocks(p), 50u);
  EXPECT_TRUE(p.starts_with(R"({"text":"50 alerts: model_onboarding, funding_round",)"));
  EXPECT_TRUE(contains(p, "*Alibaba Cloud lists DeepSeek-R1: 阿里云百炼上线 DeepSeek-R1 #22*\\n<")) << p;  // the 23rd in full
  EXPECT_TRUE(contains(p, R"(*27 more alerts*\n• [CRITICAL] Zhipu AI raises $140M &amp; more &lt;Series C&gt; _fast_ #23\n• [WARNING] )")) << p;
  EXPECT_TRUE(contains(p, "_fast_ #49")) << p;
  EXPECT_FALSE(contains(p, "DeepSeek-R1 #24*")) << p;  // listed, not in full
}

TEST(ChatFormats, GroupHeadlineListsEachSignalOnce) {
  Alert a = onboarding(), b = funding(), c = onboarding();
  EXPECT_TRUE(slack_payload({a, b, c}).starts_with(R"({"text":"3 alerts: model_onboarding, funding_round",)"));
  // A signal whose name is part of another's is still listed.
  Alert cn = onboarding();
  cn.signal = "model_onboarding_cn";
  const std::string p = slack_payload({cn, a});
  EXPECT_TRUE(p.starts_with(R"({"text":"2 alerts: model_onboarding_cn, model_onboarding",)")) << p.substr(0, 80);
}

TEST(ChatFormats, FeishuPostShape) {
  const std::string p = feishu_payload(one());
  EXPECT_TRUE(p.starts_with(R"({"msg_type":"post","content":{"post":{"zh_cn":{"title":"[WARNING] Alibaba Cloud lists DeepSeek-R1: 阿里云百炼上线 DeepSeek-R1","content":[[)"))
      << p;
  // Post text is not markup: the title and URL go as they are, the link in an "a" tag.
  EXPECT_TRUE(contains(p, R"({"tag":"a","text":"阿里云百炼上线 DeepSeek-R1 [满血版] *new*","href":"https://news.example.cn/a?x=1&y=<2>"})")) << p;
  EXPECT_FALSE(contains(p, R"("timestamp":)"));
  EXPECT_FALSE(contains(p, R"("sign":)"));
  const std::string s = feishu_payload(one(), 1700000000, "c2lnbg==");
  EXPECT_TRUE(s.starts_with(R"({"timestamp":"1700000000","sign":"c2lnbg==","msg_type":"post",)")) << s;
  // In a group each alert starts with its own severity and summary.
  const std::string g = feishu_payload(two());
  EXPECT_TRUE(contains(g, R"("title":"2 alerts: model_onboarding, funding_round")")) << g;
  EXPECT_TRUE(contains(g, R"([{"tag":"text","text":"[CRITICAL] Zhipu AI raises $140M & more <Series C> _fast_"}])")) << g;
}

TEST(ChatFormats, DingTalkMarkdownEscapesTheTitle) {
  const std::string p = dingtalk_payload(one());
  EXPECT_TRUE(p.starts_with(R"({"msgtype":"markdown","markdown":{"title":"[WARNING] Alibaba Cloud lists DeepSeek-R1: 阿里云百炼上线 DeepSeek-R1","text":"### )"))
      << p;
  // [ ] * would end the link text or start emphasis; in JSON each backslash is doubled.
  EXPECT_TRUE(contains(p, R"(> [阿里云百炼上线 DeepSeek-R1 \\[满血版\\] \\*new\\*](https://news.example.cn/a?x=1&y=<2>)\n)")) << p;
  const std::string g = dingtalk_payload(two());
  // Parentheses and spaces in a URL would end the markdown link early.
  EXPECT_TRUE(contains(g, R"((https://finance.example.hk/tech/2025/02/12/zhipu%20%28round%29))")) << g;
  EXPECT_TRUE(contains(g, R"(### [CRITICAL] Zhipu AI raises $140M & more \\<Series C\\> \\_fast\\_)")) << g;
  // Without an event time the fired_at time is shown.
  EXPECT_TRUE(contains(g, R"(> hk-finance · 2025-02-12T09:00:00Z · id 9b1c07d2e4f6a8b0c1d3e5f7a9b0c2d4)")) << g;
}

TEST(ChatFormats, WeComMarkdownEscapesTheTitle) {
  const std::string p = wecom_payload(one());
  EXPECT_TRUE(p.starts_with(R"({"msgtype":"markdown","markdown":{"content":"**<font color=\"comment\">WARNING</font>** Alibaba Cloud lists DeepSeek-R1: 阿里云百炼上线 DeepSeek-R1\n)"))
      << p;
  EXPECT_TRUE(contains(p, R"(> [阿里云百炼上线 DeepSeek-R1 \\[满血版\\] \\*new\\*](https://news.example.cn/a?x=1&y=<2>)\n)")) << p;
  const std::string g = wecom_payload(two());
  EXPECT_TRUE(contains(g, R"(**<font color=\"warning\">CRITICAL</font>** Zhipu AI raises $140M & more \\<Series C\\> \\_fast\\_\n)")) << g;
}

TEST(ChatFormats, WeComCutsALongBodyAtACharacterBoundary) {
  // WeCom takes at most 4096 bytes of markdown; the cut must not split a UTF-8 sequence
  // wherever it falls (one of three offsets lands inside a 3-byte character).
  for (const std::string lead : {"", "x", "xx"}) {
    Alert a = onboarding();
    a.summary = lead;
    for (int i = 0; i < 2000; ++i) a.summary += "阿";  // 6000 bytes
    const std::string p = wecom_payload({a});
    EXPECT_TRUE(p.ends_with("\\n…\"}}")) << p.substr(p.size() - 40);
    EXPECT_FALSE(contains(p, kReplacementChar)) << "lead '" << lead << "'";
    EXPECT_LT(p.size(), 4096u);
    EXPECT_GT(p.size(), 3900u);
  }
}

TEST(ChatFormats, AlertmanagerAlerts) {
  const std::string p = alertmanager_payload(one(), std::chrono::hours(1), "");
  EXPECT_EQ(p,
            R"([{"labels":{"alertname":"model_onboarding.cloud_platform","signal":"model_onboarding","severity":"warning",)"
            R"("alert_id":"3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4","channel":"cloud"},)"
            R"("annotations":{"summary":"Alibaba Cloud lists DeepSeek-R1: 阿里云百炼上线 DeepSeek-R1",)"
            R"("title":"阿里云百炼上线 DeepSeek-R1 [满血版] *new*","url":"https://news.example.cn/a?x=1&y=<2>","source":"cloud-news",)"
            R"("event_id":"cn-cloud-88401","fired_at":"2025-02-03T02:30:05Z","entities":"model: DeepSeek-R1; provider: Alibaba Cloud"},)"
            R"("startsAt":"2025-02-03T02:30:05Z","endsAt":"2025-02-03T03:30:05Z","generatorURL":"https://news.example.cn/a?x=1&y=<2>"}])");
  // A configured generator URL replaces the event URL; resolve_after sets endsAt.
  const std::string g = alertmanager_payload(two(), std::chrono::minutes(30), "https://sigflow.example/rules");
  EXPECT_TRUE(contains(g, R"("startsAt":"2025-02-12T09:00:00Z","endsAt":"2025-02-12T09:30:00Z","generatorURL":"https://sigflow.example/rules"})")) << g;
  EXPECT_FALSE(contains(g, R"("title":)" R"("")"));  // an empty title is left out
  // A rule label cannot override the labels that identify the alert.
  Alert a = onboarding();
  a.labels = {{"alertname", "spoofed"}, {"severity", "info"}, {"team", "cloud"}};
  const std::string o = alertmanager_payload({a}, std::chrono::hours(1), "");
  EXPECT_FALSE(contains(o, "spoofed"));
  EXPECT_TRUE(contains(o, R"("severity":"warning","alert_id":"3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4","team":"cloud"})")) << o;
}

TEST(ChatFormats, EntitiesText) {
  EXPECT_EQ(entities_text(onboarding()), "model: DeepSeek-R1; provider: Alibaba Cloud");
  EXPECT_EQ(entities_text(funding()), "amount_usd: 140000000; company: Zhipu AI, 智谱");
  EXPECT_EQ(entities_text(Alert{}), "");
}

// --- signers, checked against values computed independently with Python:
//   base64.b64encode(hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest())
//   quote(base64.b64encode(hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), sha256).digest()), safe='')

TEST(ChatFormats, FeishuSign) {
  EXPECT_EQ(feishu_sign(1700000000, "feishu-secret"), "OrBzY1Y01Gq+HgJsl+7OfWcMVwc7YocohQm5iiZwjhU=");
  EXPECT_NE(feishu_sign(1700000001, "feishu-secret"), feishu_sign(1700000000, "feishu-secret"));
}

TEST(ChatFormats, DingTalkSign) {
  EXPECT_EQ(dingtalk_sign(1700000000123, "SEC0123456789abcdef"),
            "&timestamp=1700000000123&sign=V9VP5gL2WDsEZvZQHnbd9k4n%2Bp56ibcLMh%2BWKMZRQas%3D");
  // '+', '/' and '=' of base64 are all percent-encoded.
  EXPECT_EQ(dingtalk_sign(1700000000123, "SEC0005"), "&timestamp=1700000000123&sign=fQKuH7W0Su5fuXOUZbfe1Ur08bkM%2BHVFw%2BuwEl%2F1ELA%3D");
}

}  // namespace
}  // namespace sigflow::sinks
