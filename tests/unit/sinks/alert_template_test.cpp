#include "sinks/alert_template.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sigflow::sinks {
namespace {

using Escape = AlertTemplate::Escape;

Alert alert() {
  Alert a;
  a.id = "3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4";
  a.rule = "model_onboarding.cloud_platform";
  a.signal = "model_onboarding";
  a.severity = Severity::warning;
  a.summary = "He said \"hi\"\nC:\\path\ttab 阿里云";
  a.labels = {{"channel", "cloud"}, {"team", "a&b c"}};
  a.entities = {{"provider", {"Alibaba Cloud", "阿里云"}}, {"model", {"DeepSeek-R1"}}, {"amount_usd", {EntityValue::of(1.5e9)}}};
  a.event.id = "cn-cloud-88401";
  a.event.source = "cloud-news";
  a.event.url = "https://news.example.cn/a?x=1&y=<2>";
  a.event.title = "阿里云百炼上线 \"DeepSeek-R1\"";
  a.event.time = "2025-02-03T02:30:00Z";
  a.fired_at = "2025-02-03T02:30:05Z";
  return a;
}

std::string render(const std::string& text, Escape escape) {
  auto t = AlertTemplate::parse(text, escape);
  EXPECT_TRUE(t.ok()) << t.error().message;
  return t.ok() ? t->render(alert()) : std::string();
}

TEST(AlertTemplate, JsonEscapesQuotesNewlinesAndBackslashes) {
  EXPECT_EQ(render(R"({"text": "{summary}"})", Escape::json), R"({"text": "He said \"hi\"\nC:\\path\ttab 阿里云"})");
  EXPECT_EQ(render(R"({"title": "{event.title}", "url": "{event.url}"})", Escape::json),
            R"({"title": "阿里云百炼上线 \"DeepSeek-R1\"", "url": "https://news.example.cn/a?x=1&y=<2>"})");
}

TEST(AlertTemplate, EveryScalarPlaceholder) {
  EXPECT_EQ(render("{id}|{rule}|{signal}|{severity}|{fired_at}|{event.id}|{event.source}|{event.time}", Escape::none),
            "3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4|model_onboarding.cloud_platform|model_onboarding|warning|2025-02-03T02:30:05Z|"
            "cn-cloud-88401|cloud-news|2025-02-03T02:30:00Z");
}

TEST(AlertTemplate, AlertInsertsTheWholeAlertJsonUnescaped) {
  const std::string out = render(R"({"source": "sigflow", "alert": {alert}})", Escape::json);
  EXPECT_EQ(out, R"({"source": "sigflow", "alert": )" + alert().to_json() + "}");
  // Also in form and plain bodies: it is never escaped.
  EXPECT_EQ(render("{alert}", Escape::form), alert().to_json());
}

TEST(AlertTemplate, FormPercentEncodes) {
  EXPECT_EQ(render("text={summary}&url={event.url}&team={labels.team}", Escape::form),
            "text=He%20said%20%22hi%22%0AC%3A%5Cpath%09tab%20%E9%98%BF%E9%87%8C%E4%BA%91"
            "&url=https%3A%2F%2Fnews.example.cn%2Fa%3Fx%3D1%26y%3D%3C2%3E&team=a%26b%20c");
}

TEST(AlertTemplate, PlainTextIsUnescaped) {
  EXPECT_EQ(render("{summary} <{event.url}>", Escape::none), "He said \"hi\"\nC:\\path\ttab 阿里云 <https://news.example.cn/a?x=1&y=<2>>");
}

TEST(AlertTemplate, EscapeFollowsTheContentType) {
  EXPECT_EQ(AlertTemplate::escape_for("application/json"), Escape::json);
  EXPECT_EQ(AlertTemplate::escape_for("application/vnd.api+json; charset=utf-8"), Escape::json);
  EXPECT_EQ(AlertTemplate::escape_for("application/x-www-form-urlencoded"), Escape::form);
  EXPECT_EQ(AlertTemplate::escape_for("text/plain"), Escape::none);
}

TEST(AlertTemplate, UnknownPlaceholderIsAnErrorNamingIt) {
  auto t = AlertTemplate::parse(R"({"text": "{summary} by {vendor}"})", Escape::json);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, "config.template");
  EXPECT_NE(t.error().message.find("'{vendor}'"), std::string::npos) << t.error().message;
  EXPECT_NE(t.error().message.find("labels.<name>"), std::string::npos) << t.error().message;  // says what exists

  for (const char* bad : {"{event.body}", "{labels.}", "{entities.}", "{event}"}) {
    auto b = AlertTemplate::parse(bad, Escape::none);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().code, "config.template") << bad;
  }
}

TEST(AlertTemplate, LiteralJsonBracesStayLiteral) {
  EXPECT_EQ(render(R"({"a": 1})", Escape::json), R"({"a": 1})");
  EXPECT_EQ(render(R"({"a": {"b": [1, {}]}, "s": "{signal}"})", Escape::json), R"({"a": {"b": [1, {}]}, "s": "model_onboarding"})");
  EXPECT_EQ(render(R"({"msg":{"text":"{rule}"}})", Escape::json), R"({"msg":{"text":"model_onboarding.cloud_platform"}})");
  EXPECT_EQ(render("no placeholders at all", Escape::json), "no placeholders at all");
  EXPECT_EQ(render("", Escape::json), "");
}

TEST(AlertTemplate, EntitiesAndLabels) {
  EXPECT_EQ(render("{entities.provider}|{entities.model}|{entities.amount_usd}|{entities.missing}", Escape::none),
            "Alibaba Cloud, 阿里云|DeepSeek-R1|1500000000|");
  EXPECT_EQ(render("{entities}", Escape::none), "amount_usd: 1500000000; model: DeepSeek-R1; provider: Alibaba Cloud, 阿里云");
  EXPECT_EQ(render("{labels.channel}|{labels.team}|{labels.missing}", Escape::none), "cloud|a&b c|");
  EXPECT_EQ(render(R"({"to": "{labels.team}", "who": "{entities.provider}"})", Escape::json),
            R"({"to": "a&b c", "who": "Alibaba Cloud, 阿里云"})");
}

TEST(AlertTemplate, LabelAndEntityNamesAreNotLimitedToLowerCase) {
  // Rules may name labels and entities freely; such a placeholder is filled, not left as text.
  Alert a = alert();
  a.labels["Team-Lead"] = "wang";
  a.entities["Provider"] = {"Tencent Cloud"};
  auto t = AlertTemplate::parse(R"({"lead": "{labels.Team-Lead}", "p": "{entities.Provider}"})", Escape::json);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->render(a), R"({"lead": "wang", "p": "Tencent Cloud"})");
  // And a misspelt built-in is reported rather than sent as it is.
  auto typo = AlertTemplate::parse(R"({"text": "{Summary}"})", Escape::json);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("'{Summary}'"), std::string::npos) << typo.error().message;
}

TEST(AlertTemplate, RenderingTwiceGivesTheSame) {
  auto t = AlertTemplate::parse(R"({"s": "{summary}", "a": {alert}})", Escape::json);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->render(alert()), t->render(alert()));
}

}  // namespace
}  // namespace sigflow::sinks
