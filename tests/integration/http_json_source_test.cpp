// The http_json connector against a real HTTP server: the shipped example configs (page
// numbers over GET, a POST body with a secret header, epoch and Beijing-time fields), cursors
// that survive a restart, and broken responses.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fmt/format.h>

#include "sigflow/state_store.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/source_harness.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

std::string query_value(const std::string& target, const std::string& name) {
  const auto pos = target.find(name + "=");
  if (pos == std::string::npos) return {};
  const auto start = pos + name.size() + 1;
  return target.substr(start, target.find('&', start) - start);
}

struct EventLine {
  std::string title, time, url, guid, product, unparsed, categories, lang;
};

std::vector<EventLine> parse_lines(const std::string& out) {
  std::vector<EventLine> events;
  simdjson::dom::parser parser;
  for (const auto& line : test::lines_of(out)) {
    simdjson::dom::element e = parser.parse(line);
    simdjson::dom::element d = e["data"];
    EventLine ev;
    ev.title = std::string(std::string_view(d["title"]));
    if (std::string_view t; e["time"].get(t) == simdjson::SUCCESS) ev.time = t;
    if (std::string_view u; d["url"].get(u) == simdjson::SUCCESS) ev.url = u;
    ev.guid = std::string(std::string_view(d["guid"]));
    if (std::string_view v; d["product"].get(v) == simdjson::SUCCESS) ev.product = v;
    if (std::string_view v; d["unparsed_date"].get(v) == simdjson::SUCCESS) ev.unparsed = v;
    if (simdjson::dom::array cats; d["categories"].get(cats) == simdjson::SUCCESS) {
      for (auto c : cats) ev.categories += std::string(std::string_view(c)) + ";";
    }
    if (std::string_view v; d["lang"].get(v) == simdjson::SUCCESS) ev.lang = v;
    events.push_back(ev);
  }
  return events;
}

TEST(HttpJson, AliyunShapedExampleFollowsPagesAndStopsAtKnownItems) {
  test::TestHttpServer server;
  server.set_handler([](const test::HttpRequestSeen& req) -> test::HttpResponseSpec {
    const std::string page = query_value(req.target, "pageNum");
    return {200, "application/json;charset=UTF-8", test::read_file(test::fixture(fmt::format("http_json/aliyun-page{}.json", page)))};
  });
  test::TempDir state;
  const std::map<std::string, std::string> env = {
      {"SIGFLOW_SOURCE_ALIYUN_BULLETINS_URL", server.url("/notice/list?pageNum={page}&pageSize=20")},
      {"SIGFLOW_STATE_DIR", state.path().string()}};
  const auto config = (test::source_dir() / "config/examples/aliyun-bulletins.yaml").string();
  auto run = test::run_sigflow({"connect", "--config", config, "--once"}, env);
  ASSERT_EQ(run.code, 0) << run.err;
  const auto events = parse_lines(run.out);
  ASSERT_EQ(events.size(), 3u) << run.out;
  EXPECT_EQ(events[0].title, "阿里云百炼上线 DeepSeek-V3 与 DeepSeek-R1 模型");
  EXPECT_EQ(events[0].time, "2025-02-04T02:30:00Z");  // epoch ms
  EXPECT_EQ(events[0].url, "https://www.aliyun.com/notice/80231");
  EXPECT_EQ(events[0].guid, "80231");
  EXPECT_EQ(events[0].product, "百炼");
  EXPECT_EQ(events[0].categories, "新产品发布;人工智能;");
  EXPECT_EQ(events[0].lang, "zh-Hans");
  EXPECT_EQ(events[1].categories, "价格调整;");
  EXPECT_EQ(events[2].time, "");  // an unreadable time is kept as text, the item is not lost
  EXPECT_EQ(events[2].unparsed, "not a time");
  EXPECT_EQ(server.requests().size(), 2u);  // page 2 was empty: the end

  // Restarted with the same state: page 1 is all known, so nothing is emitted and page 2 is
  // not even asked for.
  auto again = test::run_sigflow({"connect", "--config", config, "--once"}, env);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(test::lines_of(again.out).empty()) << again.out;
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpJson, TencentShapedExamplePostsPagesWithASecretHeaderThatIsNeverLogged) {
  test::TestHttpServer server;
  server.set_handler([](const test::HttpRequestSeen& req) -> test::HttpResponseSpec {
    if (req.method != "POST" || req.headers.count("authorization") == 0) return {400, "text/plain", "bad request"};
    const auto pos = req.body.find("\"PageNumber\": ");
    const std::string page = pos == std::string::npos ? "?" : req.body.substr(pos + 14, 1);
    return {200, "application/json", test::read_file(test::fixture(fmt::format("http_json/tencent-page{}.json", page)))};
  });
  test::TempDir state;
  const std::string secret = "tc-secret-7f3a9b";
  std::map<std::string, std::string> env = {{"SIGFLOW_SOURCE_TENCENT_ANNOUNCEMENTS_URL", server.url("/")},
                                            {"SIGFLOW_STATE_DIR", state.path().string()},
                                            {"TENCENT_ANNOUNCE_TOKEN", secret},
                                            {"SIGFLOW_LOG_LEVEL", "debug"}};
  const auto config = (test::source_dir() / "config/examples/tencent-announcements.yaml").string();
  auto run = test::run_sigflow({"connect", "--config", config, "--once"}, env);
  ASSERT_EQ(run.code, 0) << run.err;
  const auto events = parse_lines(run.out);
  ASSERT_EQ(events.size(), 3u) << run.out;
  EXPECT_EQ(events[0].time, "2025-02-04T02:30:00Z");  // 10:30 in Asia/Shanghai
  EXPECT_EQ(events[0].url, server.url("/announce/detail/5521?from=console"));  // resolved, utm_* dropped
  EXPECT_EQ(events[2].categories, "活动;");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);  // pages 1, 2 and the empty 3
  EXPECT_EQ(requests[0].headers.at("authorization"), secret);
  EXPECT_EQ(requests[0].headers.at("x-tc-action"), "DescribeAnnouncements");
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_NE(requests[0].headers.at("user-agent").find("sigflow/"), std::string::npos);
  EXPECT_EQ(run.err.find(secret), std::string::npos);

  // Without the variable the source fails with an error that names it, and nothing leaks.
  env.erase("TENCENT_ANNOUNCE_TOKEN");
  auto missing = test::run_sigflow({"connect", "--config", config, "--once"}, env);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("environment variable TENCENT_ANNOUNCE_TOKEN is not set"), std::string::npos) << missing.err;
}

TEST(HttpJson, CursorsResumeAfterARestartAndAdvanceOnlyWithDelivery) {
  test::TestHttpServer server;
  // Three pages chained by cursors; the last page's next cursor is its own (no more data yet).
  server.set_handler([](const test::HttpRequestSeen& req) -> test::HttpResponseSpec {
    const std::string cursor = query_value(req.target, "after");
    const std::map<std::string, std::pair<std::string, std::string>> pages = {
        {"", {"c1", R"([{"id": "a", "title": "A"}, {"id": "b", "title": "B"}])"}},
        {"c1", {"c2", R"([{"id": "c", "title": "C"}])"}},
        {"c2", {"c2", R"([])"}}};
    auto it = pages.find(cursor);
    if (it == pages.end()) return {400, "text/plain", "unknown cursor"};
    return {200, "application/json", fmt::format(R"({{"next": "{}", "items": {}}})", it->second.first, it->second.second)};
  });
  test::TempDir dir;
  const test::SourceOptions options{.settings = {{"pagination", "cursor"}, {"cursor_path", "next"}, {"items", "items"}}, .id = "changes"};
  const std::string url = server.url("/changes?after={cursor}");
  {
    auto store = open_rocksdb_state_store(dir.path().string(), std::chrono::hours(24));
    ASSERT_TRUE(store.ok());
    test::SourceHarness harness(std::move(store.value()));
    auto source = harness.make("http_json", url, options);
    auto undelivered = source->poll();  // polled but never handed on: the cursor must not move
    ASSERT_TRUE(undelivered.ok());
    EXPECT_EQ(undelivered->events.size(), 3u);
    auto batch = harness.poll_and_commit(*source);
    EXPECT_EQ(batch.events.size(), 3u);
  }
  const std::size_t before = server.requests().size();
  auto store = open_rocksdb_state_store(dir.path().string(), std::chrono::hours(24));
  ASSERT_TRUE(store.ok());
  test::SourceHarness restarted(std::move(store.value()));
  auto source = restarted.make("http_json", url, options);
  auto batch = restarted.poll_and_commit(*source);
  EXPECT_TRUE(batch.events.empty());
  const auto requests = server.requests();
  ASSERT_GT(requests.size(), before);
  EXPECT_EQ(query_value(requests[before].target, "after"), "c2");  // resumed from the committed cursor
}

TEST(HttpJson, BrokenResponsesAreTypedErrorsAndOddItemsAreRejectedWithAReason) {
  test::TestHttpServer server;
  server.route("/truncated", {200, "application/json", R"({"items": [{"id": 1, "title": "x"})"});
  server.route("/login", {200, "text/html; charset=utf-8", "<html><body>请登录</body></html>"});
  server.route("/moved", {200, "application/json", R"({"result": {"rows": []}})"});
  server.route("/mixed", {200, "application/json", R"({"items": [{"id": 1, "title": "ok"}, 42, "text", {"title": "no id"}]})"});
  test::SourceHarness harness;
  const test::SourceOptions options{.settings = {{"items", "items"}}};
  for (const auto& [path, code] : std::vector<std::pair<std::string, std::string>>{
           {"/truncated", "json.syntax"}, {"/login", "json.content_type"}, {"/moved", "json.items"}}) {
    auto source = harness.make("http_json", server.url(path), options);
    auto r = source->poll();
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, code) << path << ": " << r.error().message;
    EXPECT_NE(r.error().message.find(server.url(path)), std::string::npos) << r.error().message;
  }
  auto mixed = harness.make("http_json", server.url("/mixed"), options);
  auto batch = harness.poll_and_commit(*mixed);
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[1].data.guid.rfind("sha256:", 0), 0u);  // no id, no link: title and time
  ASSERT_EQ(batch.rejected.size(), 2u);
  EXPECT_EQ(batch.rejected[0], "item 1 is not an object");
}

TEST(HttpJson, AListThatGoesEmptyRaisesSourceEmptyOnce) {
  test::TestHttpServer server;
  std::string body = R"({"items": [{"id": 1, "title": "x"}]})";
  server.set_handler([&](const test::HttpRequestSeen&) -> test::HttpResponseSpec { return {200, "application/json", body}; });
  test::SourceHarness harness;
  auto source = harness.make("http_json", server.url("/list"), {.settings = {{"items", "items"}}});
  EXPECT_FALSE(harness.poll_and_commit(*source).went_empty);
  body = R"({"items": []})";
  EXPECT_TRUE(harness.poll_and_commit(*source).went_empty);
  body = R"({"items": [], "v": 2})";
  EXPECT_FALSE(harness.poll_and_commit(*source).went_empty);  // still empty: signalled already
}

TEST(HttpJson, ConfigMistakesNameTheSourceAndKey) {
  test::SourceHarness harness;
  auto expect_error = [&](const test::SourceOptions& o, const std::string& url, const std::string& text) {
    auto s = harness.try_make("http_json", url, o);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.error().message.find(text), std::string::npos) << s.error().message;
  };
  expect_error({.settings = {{"time_zone", "Asia/Beijing"}}, .id = "tz"}, "http://x/", "source 'tz': time_zone 'Asia/Beijing' is not an IANA time zone");
  expect_error({.settings = {{"pagination", "page"}}, .id = "pg"}, "http://x/", "pagination page needs a {page} placeholder");
  expect_error({.settings = {{"pagination", "cursor"}}, .id = "cu"}, "http://x/?c={cursor}", "pagination cursor needs cursor_path");
  expect_error({.settings = {{"method", "PUT"}}, .id = "m"}, "http://x/", "method must be GET or POST");
  expect_error({.maps = {{"fields", {{"title", "t"}}}}, .id = "f"}, "http://x/", "fields: 'title' is a standard event field");
  expect_error({.maps = {{"headers", {{"Bad Header", "v"}}}}, .id = "h"}, "http://x/", "'Bad Header' is not a valid header name");
}

}  // namespace
}  // namespace sigflow
