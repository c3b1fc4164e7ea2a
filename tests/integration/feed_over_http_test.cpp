// The HTTP client and feed parser against a real HTTP server on 127.0.0.1.
#include <gtest/gtest.h>

#include <thread>

#include "common/feed_parser.hpp"
#include "sigflow/http_client.hpp"
#include "support/http_server.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

using test::HttpResponseSpec;

class FeedOverHttp : public ::testing::Test {
 protected:
  Result<HttpResponse> get(const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    HttpRequest req;
    req.url = server_.url(path);
    req.timeout = timeout;
    req.max_bytes = 64 * 1024;
    return http_->fetch(req);
  }
  test::TestHttpServer server_;
  std::unique_ptr<HttpClient> http_ = make_curl_http_client();
};

TEST_F(FeedOverHttp, GzipBodiesAreDecompressed) {
  const std::string gz = test::read_file(test::fixture("compressed/cloud-news.rss.xml.gz"));
  server_.route("/gz.xml", {200, "application/rss+xml", gz, {{"Content-Encoding", "gzip"}}});
  auto resp = get("/gz.xml");
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->body, test::read_file(test::source_dir() / "config" / "samples" / "cloud-news.rss.xml"));
  EXPECT_NE(server_.requests()[0].headers.at("accept-encoding").find("gzip"), std::string::npos);
  auto parsed = feed::parse_feed(resp->body, server_.url("/gz.xml"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->items.size(), 12u);
}

TEST_F(FeedOverHttp, FetchesAndParsesAGbkFeedServedWithACharset) {
  server_.route("/gbk.xml", {200, "application/rss+xml; charset=GBK", test::read_file(test::fixture("feeds/gbk.xml"))});
  auto resp = get("/gbk.xml");
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->status, 200);
  auto feed = feed::parse_feed(resp->body, resp->effective_url, resp->content_type);
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  ASSERT_EQ(feed->items.size(), 2u);
  EXPECT_EQ(feed->items[0].title, "阿里云百炼上线DeepSeek-R1模型");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].headers.at("user-agent").rfind("sigflow/", 0), 0u);
}

TEST_F(FeedOverHttp, FollowsRedirectsAndResolvesLinksAgainstTheFinalUrl) {
  server_.route("/old", {301, "text/plain", "", {{"Location", "/new/feed.xml"}}});
  server_.route("/new/feed.xml", {200, "application/rss+xml",
                                  "<rss version=\"2.0\"><channel><title>t</title><item><title>a</title><link>a.html</link>"
                                  "<guid>1</guid></item></channel></rss>"});
  auto resp = get("/old");
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  EXPECT_EQ(resp->effective_url, server_.url("/new/feed.xml"));
  auto feed = feed::parse_feed(resp->body, resp->effective_url, resp->content_type);
  ASSERT_TRUE(feed.ok());
  EXPECT_EQ(feed->items[0].link, server_.url("/new/a.html"));
}

TEST_F(FeedOverHttp, ErrorsAreTypedAndNameTheUrl) {
  server_.route("/missing", {404, "text/plain", "nope"});
  server_.route("/big", {200, "application/xml", std::string(200 * 1024, 'x')});
  server_.route("/slow", {200, "application/xml", "<rss/>", {}, std::chrono::milliseconds(1500)});
  server_.route("/loop", {302, "text/plain", "", {{"Location", "/loop"}}});

  auto missing = get("/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "fetch.http_status");
  EXPECT_NE(missing.error().message.find("HTTP 404"), std::string::npos);
  EXPECT_NE(missing.error().message.find(server_.url("/missing")), std::string::npos);

  auto big = get("/big");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, "fetch.too_large");

  auto slow = get("/slow", std::chrono::milliseconds(300));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, "fetch.timeout");

  auto loop = get("/loop");
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().code, "fetch.redirects");

  HttpRequest refused;
  refused.url = "http://127.0.0.1:1/feed.xml";  // nothing listens on port 1
  auto conn = http_->fetch(refused);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, "fetch.connect");

  HttpRequest gopher;
  gopher.url = "gopher://127.0.0.1/feed";
  auto proto = http_->fetch(gopher);
  ASSERT_FALSE(proto.ok());
  EXPECT_EQ(proto.error().code, "fetch.url");
}

TEST(HttpClientLimits, RequestsToOneHostWaitForTheirTurn) {
  for (const std::size_t limit : {1u, 3u}) {
    test::TestHttpServer server;
    server.route("/slow", {200, "text/plain", "ok", {}, std::chrono::milliseconds(300)});
    auto http = make_curl_http_client({.max_per_host = limit});
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&] {
        HttpRequest req;
        req.url = server.url("/slow");
        EXPECT_TRUE(http->fetch(req).ok());
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(server.request_count("/slow"), 3u);
    EXPECT_EQ(server.max_in_flight(), limit) << "max_per_host " << limit;
  }
}

TEST(HttpClientLimits, AProxyCarriesTheRequest) {
  test::TestHttpServer proxy;  // answers for any host it is asked about
  proxy.set_handler([](const test::HttpRequestSeen&) -> test::HttpResponseSpec {
    return {200, "application/rss+xml", "<rss version=\"2.0\"><channel><title>p</title></channel></rss>"};
  });
  auto http = make_curl_http_client();
  HttpRequest req;
  req.url = "http://feeds.invalid/cloud.xml";  // unresolvable: only the proxy can answer
  req.proxy = proxy.url("");
  auto resp = http->fetch(req);
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  const auto seen = proxy.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "http://feeds.invalid/cloud.xml");  // absolute-form: a proxy request
}

}  // namespace
}  // namespace sigflow
