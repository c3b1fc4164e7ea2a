// The feed source against a real HTTP server: conditional GET, unchanged bodies, validators
// that advance only with delivery, and Retry-After.
#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

#include "support/http_server.hpp"
#include "support/source_harness.hpp"

namespace sigflow {
namespace {

const char* kFeed =
    "<rss version=\"2.0\"><channel><title>t</title>"
    "<item><title>腾讯云上线 DeepSeek-R1</title><link>https://news.example.cn/1</link><guid>1</guid></item>"
    "<item><title>阿里云百炼降价</title><link>https://news.example.cn/2</link><guid>2</guid></item>"
    "</channel></rss>";

class FeedSourceOverHttp : public ::testing::Test {
 protected:
  std::unique_ptr<Source> make_source(const std::string& path, std::map<std::string, std::string> settings = {},
                                      const std::string& id = "news") {
    return harness_.make("feed", server_.url(path), {.settings = std::move(settings), .id = id});
  }
  test::TestHttpServer server_;
  test::SourceHarness harness_;
  HttpClient* http_ = &harness_.http();
};

TEST_F(FeedSourceOverHttp, ConditionalGetAfterDeliveryGets304) {
  server_.set_handler([](const test::HttpRequestSeen& req) -> test::HttpResponseSpec {
    auto it = req.headers.find("if-none-match");
    if (it != req.headers.end() && it->second == "\"v1\"") return {304, "application/rss+xml", ""};
    return {200, "application/rss+xml", kFeed, {{"ETag", "\"v1\""}, {"Last-Modified", "Tue, 04 Feb 2025 10:00:00 GMT"}}};
  });
  auto source = make_source("/feed.xml");
  auto first = source->poll();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->events.size(), 2u);
  EXPECT_FALSE(first->unchanged);

  // Not handed on yet: the validators have not advanced, so the full feed comes again.
  auto again = source->poll();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events.size(), 2u);
  EXPECT_EQ(server_.requests()[1].headers.count("if-none-match"), 0u);

  source->commit(again->events);
  auto third = source->poll();
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->unchanged);
  EXPECT_TRUE(third->events.empty());
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].headers.at("if-none-match"), "\"v1\"");
  EXPECT_EQ(requests[2].headers.at("if-modified-since"), "Tue, 04 Feb 2025 10:00:00 GMT");
}

TEST_F(FeedSourceOverHttp, AnUnchangedBodyIsNotParsedAgainAndNewItemsStillCome) {
  std::string body = kFeed;
  server_.set_handler([&](const test::HttpRequestSeen&) -> test::HttpResponseSpec { return {200, "application/rss+xml", body}; });
  auto source = make_source("/plain.xml");
  auto first = source->poll();
  ASSERT_TRUE(first.ok());
  source->commit(first->events);
  auto same = source->poll();
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->unchanged);

  body.insert(body.find("<item>"), "<item><title>新条目</title><link>https://news.example.cn/3</link><guid>3</guid></item>");
  auto changed = source->poll();
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->unchanged);
  ASSERT_EQ(changed->events.size(), 1u);  // only the new item; delivered ones are remembered
  EXPECT_EQ(changed->events[0].data.guid, "3");
}

TEST_F(FeedSourceOverHttp, UniqueByLinkSurvivesRewrittenGuids) {
  int guid_revision = 1;  // (an int: GCC 12 -O3 warns falsely on assigning a literal to a captured string)
  server_.set_handler([&](const test::HttpRequestSeen&) -> test::HttpResponseSpec {
    return {200, "application/rss+xml",
            fmt::format("<rss version=\"2.0\"><channel><title>t</title><item><title>x</title>"
                        "<link>https://news.example.cn/1?utm_source=rss</link><guid>rev-{}</guid></item></channel></rss>",
                        guid_revision)};
  });
  auto by_guid = make_source("/g.xml", {}, "by-guid");
  auto by_link = make_source("/l.xml", {{"unique_by", "link"}}, "by-link");
  for (auto* source : {by_guid.get(), by_link.get()}) {
    auto first = source->poll();
    ASSERT_TRUE(first.ok());
    ASSERT_EQ(first->events.size(), 1u);
    source->commit(first->events);
  }
  guid_revision = 2;  // the site rewrites its guids; the link (tracking parameters aside) stays
  auto guid_again = by_guid->poll();
  auto link_again = by_link->poll();
  ASSERT_TRUE(guid_again.ok() && link_again.ok());
  EXPECT_EQ(guid_again->events.size(), 1u);  // by guid: a "new" item
  EXPECT_TRUE(link_again->events.empty());   // by link: the same item
}

TEST_F(FeedSourceOverHttp, RetryAfterIsReportedOn429And503) {
  server_.route("/busy", {429, "text/plain", "slow down", {{"Retry-After", "7"}}});
  server_.route("/down", {503, "text/plain", "maintenance", {{"Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT"}}});
  server_.route("/broken", {500, "text/plain", "oops", {{"Retry-After", "7"}}});
  HttpRequest req;
  req.url = server_.url("/busy");
  auto busy = http_->fetch(req);
  ASSERT_FALSE(busy.ok());
  ASSERT_TRUE(busy.error().retry_after.has_value());
  EXPECT_EQ(*busy.error().retry_after, std::chrono::seconds(7));
  req.url = server_.url("/down");
  auto down = http_->fetch(req);
  ASSERT_FALSE(down.ok());
  ASSERT_TRUE(down.error().retry_after.has_value());
  EXPECT_EQ(*down.error().retry_after, std::chrono::seconds(86400));  // far dates are capped at a day
  req.url = server_.url("/broken");
  auto broken = http_->fetch(req);
  ASSERT_FALSE(broken.ok());
  EXPECT_FALSE(broken.error().retry_after.has_value());  // only 429 and 503 carry it
}

}  // namespace
}  // namespace sigflow
