// The Event and Alert JSON contracts: round trips and clear errors on bad input.
#include <gtest/gtest.h>

#include "sigflow/alert.hpp"
#include "sigflow/event.hpp"

namespace sigflow {
namespace {

Event sample_event() {
  Event e;
  e.id = make_event_id("cloud-news", "guid-1");
  e.source = "cloud-news";
  e.type = "sigflow.feed.item";
  e.time = "2025-02-04T02:30:00Z";
  e.data.title = "阿里云百炼上线 \"DeepSeek-R1\"\n";
  e.data.summary = "tab\there, backslash \\ and control \x01";
  e.data.content = "騰訊雲 🚀";
  e.data.url = "https://news.example.cn/a?x=1&y=2";
  e.data.guid = "guid-1";
  e.data.lang = "zh-Hans";
  e.data.authors = {"李晓峰"};
  e.data.categories = {"云计算", "AI"};
  e.data.fetched_at = "2025-02-04T02:31:00.000Z";
  e.data.extra = {{"feed_title", "云头条"}};
  return e;
}

TEST(EventJson, RoundTripsEveryField) {
  const Event e = sample_event();
  const std::string json = e.to_json();
  EXPECT_NE(json.find("\"specversion\":\"1.0\""), std::string::npos);
  auto back = Event::from_json(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->to_json(), json);
  EXPECT_EQ(back->data.title, e.data.title);
  EXPECT_EQ(back->data.summary, e.data.summary);
  EXPECT_EQ(back->data.authors, e.data.authors);
  EXPECT_EQ(back->data.extra, e.data.extra);
}

TEST(EventJson, InvalidUtf8IsReplacedSoOutputStaysValidJson) {
  Event e = sample_event();
  e.data.title = "bad \xC3\x28 byte";
  auto back = Event::from_json(e.to_json());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->data.title, "bad \xEF\xBF\xBD( byte");
}

TEST(EventJson, ErrorsNameTheProblem) {
  auto not_json = Event::from_json("{\"id\": ");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().code, "json.invalid");

  auto missing = Event::from_json(R"({"specversion":"1.0","source":"s","type":"t"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("'id'"), std::string::npos);

  auto wrong_type = Event::from_json(R"({"specversion":"1.0","id":"i","source":"s","type":"t","data":{"title":7}})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.error().message.find("data.title"), std::string::npos);

  auto version = Event::from_json(R"({"specversion":"0.3","id":"i","source":"s","type":"t"})");
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.error().message.find("specversion"), std::string::npos);

  EXPECT_FALSE(Event::from_json("[1,2]").ok());
}

TEST(AlertJson, RoundTripsTheContract) {
  Alert a;
  a.id = make_alert_id("model_onboarding.cloud_platform", "ev1");
  a.rule = "model_onboarding.cloud_platform";
  a.signal = "model_onboarding";
  a.severity = Severity::warning;
  a.summary = "Alibaba Cloud lists DeepSeek-R1";
  a.labels = {{"pack", "model_onboarding"}};
  a.entities = {{"provider", {"Alibaba Cloud"}}, {"model", {"DeepSeek-R1", "DeepSeek-V3"}}};
  a.event = {"ev1", "cloud-news", "https://news.example.cn/a", "阿里云百炼上线 DeepSeek-R1", "2025-02-04T02:30:00Z"};
  a.fired_at = "2025-02-04T02:31:00.123Z";
  a.matched = {{"cloud_providers", "阿里云", "title"}};
  const std::string json = a.to_json();
  for (const char* key : {"\"id\"", "\"rule\"", "\"signal\"", "\"severity\":\"warning\"", "\"summary\"", "\"entities\"",
                          "\"event\"", "\"fired_at\"", "\"matched\""}) {
    EXPECT_NE(json.find(key), std::string::npos) << key;
  }
  auto back = Alert::from_json(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->to_json(), json);
  EXPECT_EQ(back->entities.at("model").size(), 2u);
  EXPECT_EQ(back->matched, a.matched);
}

TEST(AlertJson, IdsAreDeterministic) {
  EXPECT_EQ(make_alert_id("r", "e"), make_alert_id("r", "e"));
  EXPECT_NE(make_alert_id("r", "e"), make_alert_id("r", "e2"));
  EXPECT_NE(make_alert_id("ab", "c"), make_alert_id("a", "bc"));
  EXPECT_EQ(make_alert_id("r", "e").size(), 32u);
}

TEST(AlertJson, RejectsUnknownSeverity) {
  auto bad = Alert::from_json(R"({"id":"i","rule":"r","signal":"s","severity":"loud","event":{"id":"e"},"fired_at":"t"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("loud"), std::string::npos);
}

}  // namespace
}  // namespace sigflow
