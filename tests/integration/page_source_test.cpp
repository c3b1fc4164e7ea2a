// The page connector against a real HTTP server: XPath item lists in GBK and Big5, a watched
// pricing table with ignore patterns and a line diff, and a redesign that empties the list.
#include <gtest/gtest.h>

#include "support/http_server.hpp"
#include "support/source_harness.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

test::HttpResponseSpec html(const std::string& fixture, const std::string& content_type = "text/html") {
  return {200, content_type, test::read_file(test::fixture("pages/" + fixture))};
}

const test::SourceOptions kNewsList{
    .settings = {{"items", "//ul[@class='news']/li"}, {"date", ".//span[@class='date']"},
                 {"time_format", "%Y年%m月%d日"}, {"time_zone", "Asia/Shanghai"}},
    .id = "news"};

TEST(PageSource, ListModeReadsAGbkPageDeclaredOnlyInAMetaTag) {
  test::TestHttpServer server;
  server.route("/news", html("news-list-gbk.html"));
  test::SourceHarness harness;
  auto source = harness.make("page", server.url("/news"), kNewsList);
  auto batch = harness.poll_and_commit(*source);
  ASSERT_EQ(batch.events.size(), 3u);
  const Event& first = batch.events[0];
  EXPECT_EQ(first.type, "sigflow.page.item");
  EXPECT_EQ(first.data.title, "百度智能云千帆上线 DeepSeek-R1 模型");
  EXPECT_EQ(first.data.url, server.url("/article/1001.html"));  // resolved; spm dropped
  EXPECT_EQ(first.time, "2025-02-03T16:00:00Z");               // midnight in Beijing
  EXPECT_EQ(first.data.lang, "zh-Hans");
  EXPECT_EQ(first.data.extra.at("page_title"), "云计算新闻 - 示例站");
  EXPECT_EQ(batch.events[2].data.url, "https://other.example.com/x");
  EXPECT_TRUE(harness.poll_and_commit(*source).events.empty());  // unchanged body
}

TEST(PageSource, ListModeReadsBig5FromTheHttpCharset) {
  test::TestHttpServer server;
  server.route("/hk", html("finance-big5.html", "text/html; charset=big5"));
  test::SourceHarness harness;
  auto source = harness.make("page", server.url("/hk"),
                             {.settings = {{"items", "//div[@class='row']"}, {"date", "em"}, {"time_zone", "Asia/Hong_Kong"}}});
  auto batch = harness.poll_and_commit(*source);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].data.title, "騰訊雲宣佈接入 DeepSeek 模型");
  EXPECT_EQ(batch.events[0].data.lang, "zh-Hant");
  EXPECT_EQ(batch.events[0].time, "2025-02-04T01:15:00Z");
  EXPECT_EQ(batch.events[0].data.url, server.url("/item/88"));
}

TEST(PageSource, ARedesignThatLosesTheListRaisesSourceEmptyInsteadOfNoNews) {
  test::TestHttpServer server;
  std::string page = "news-list-gbk.html";
  server.set_handler([&](const test::HttpRequestSeen&) { return html(page); });
  test::SourceHarness harness;
  auto source = harness.make("page", server.url("/news"), kNewsList);
  auto before = harness.poll_and_commit(*source);
  EXPECT_EQ(before.events.size(), 3u);
  EXPECT_FALSE(before.went_empty);
  page = "news-redesigned.html";
  auto after = harness.poll_and_commit(*source);
  EXPECT_TRUE(after.events.empty());
  EXPECT_TRUE(after.went_empty);
}

TEST(PageSource, WatchModeReportsRealChangesWithOldTextNewTextAndALineDiff) {
  test::TestHttpServer server;
  std::string page = "pricing-v1.html";
  server.set_handler([&](const test::HttpRequestSeen&) { return html(page); });
  test::SourceHarness harness;
  auto source = harness.make("page", server.url("/pricing"),
                             {.settings = {{"mode", "watch"}, {"region", "//div[@id='pricing']"}},
                              .lists = {{"ignore", {"页面更新时间：[0-9: -]+"}}},
                              .id = "gpu-pricing"});
  auto baseline = harness.poll_and_commit(*source);
  EXPECT_TRUE(baseline.events.empty());  // the first version is the baseline

  page = "pricing-v1-restamped.html";  // only the ignored timestamp (and the footer, outside the region) changed
  auto restamped = harness.poll_and_commit(*source);
  EXPECT_TRUE(restamped.events.empty());
  EXPECT_FALSE(restamped.went_empty);

  page = "pricing-v2.html";
  auto changed = harness.poll_and_commit(*source);
  ASSERT_EQ(changed.events.size(), 1u);
  const Event& e = changed.events[0];
  EXPECT_EQ(e.type, "sigflow.page.changed");
  EXPECT_EQ(e.data.title, "GPU 云服务器价格 | 示例云");
  EXPECT_NE(e.data.extra.at("old_text").find("gn7i A10 12.50 元/小时"), std::string::npos) << e.data.extra.at("old_text");
  EXPECT_NE(e.data.content.find("gn7i A10 9.80 元/小时"), std::string::npos) << e.data.content;
  const std::string& diff = e.data.extra.at("diff");
  EXPECT_NE(diff.find("-gn7i A10 12.50 元/小时\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("+gn7i A10 9.80 元/小时\n"), std::string::npos) << diff;
  EXPECT_EQ(diff.find("-gn8is"), std::string::npos) << diff;  // unchanged rows are context at most
  EXPECT_EQ(diff.find("页面更新时间"), std::string::npos) << diff;
  EXPECT_EQ(e.data.summary, diff);

  page = "pricing-v1.html";  // back to the first price: a change again, with its own id
  auto reverted = harness.poll_and_commit(*source);
  ASSERT_EQ(reverted.events.size(), 1u);
  EXPECT_NE(reverted.events[0].id, e.id);
}

TEST(PageSource, ConfigMistakesNameTheSourceAndKey) {
  test::SourceHarness harness;
  auto error_of = [&](const test::SourceOptions& o) {
    auto s = harness.try_make("page", "http://127.0.0.1:1/", o);
    return s.ok() ? std::string("no error") : s.error().message;
  };
  EXPECT_NE(error_of({.settings = {{"items", "//li[@class='x'"}}, .id = "p"}).find("source 'p': items: '//li[@class='x'' is not a valid XPath"), std::string::npos);
  EXPECT_NE(error_of({.id = "p"}).find("mode list needs 'items'"), std::string::npos);
  EXPECT_NE(error_of({.settings = {{"mode", "watch"}}, .lists = {{"ignore", {"(unclosed"}}}, .id = "w"}).find("source 'w': ignore: '(unclosed' is not a valid RE2 pattern"), std::string::npos);
  EXPECT_NE(error_of({.settings = {{"mode", "diff"}}, .id = "m"}).find("mode must be list or watch"), std::string::npos);
}

}  // namespace
}  // namespace sigflow
