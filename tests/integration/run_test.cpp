// End to end: `sigflow run` over feeds (bundled files and real HTTP on 127.0.0.1), alerts on
// stdout and in a file sink, /metrics, /healthz and /readyz, SIGTERM drain.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "sigflow/alert.hpp"
#include "sigflow/event.hpp"
#include "support/demo_alerts.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

using namespace std::chrono_literals;

std::string sample_feed(const std::string& name) { return test::read_file(test::source_dir() / "config" / "samples" / name); }

TEST(Run, ShippedDemoConfigAlertsOnExactlyTheExpectedItems) {
  auto r = test::run_sigflow({"run", "--config", (test::source_dir() / "config" / "sigflow.yaml").string(), "--once"});
  ASSERT_EQ(r.code, 0) << r.err;
  test::expect_demo_alerts(test::parse_alert_lines(r.out));
  EXPECT_NE(r.err.find("sigflow: 3 sources, 3 polls (0 failed), 30 events"), std::string::npos) << r.err;
}

class RunOverHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("/cloud-news.xml", {200, "application/rss+xml; charset=utf-8", sample_feed("cloud-news.rss.xml")});
    server_.route("/intl-ai.xml", {200, "application/atom+xml", sample_feed("intl-ai.atom.xml")});
    server_.route("/hk-finance.xml", {200, "application/rdf+xml", sample_feed("hk-finance.rdf.xml")});
    server_.route("/broken.xml", {500, "text/plain", "upstream exploded"});
  }

  std::string write_config(const std::string& extra_source, const std::string& interval, const std::string& admin) {
    std::string yaml = "sources:\n";
    for (const char* id : test::kDemoSourceIds) {
      yaml += fmt::format("  - {{id: {}, type: feed, url: '{}', interval: {}}}\n", id, server_.url(std::string("/") + id + ".xml"), interval);
    }
    yaml += extra_source;
    yaml += fmt::format("rules: ['{}']\n", (test::source_dir() / "rules").string());
    yaml += "sinks:\n  - type: stdout\n  - type: file\n    path: alerts.jsonl\n";
    yaml += admin;
    test::write_file(dir_ / "sigflow.yaml", yaml);
    return (dir_ / "sigflow.yaml").string();
  }

  test::TempDir dir_;
  test::TestHttpServer server_;
};

TEST_F(RunOverHttp, OnceRunWritesTheSameAlertsToStdoutAndTheFileSink) {
  const std::string config = write_config("", "5m", "");
  auto r = test::run_sigflow({"run", "--config", config, "--once"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto stdout_alerts = test::parse_alert_lines(r.out);
  test::expect_demo_alerts(stdout_alerts);
  EXPECT_EQ(test::read_file(dir_ / "alerts.jsonl"), r.out);
  for (const char* id : test::kDemoSourceIds) EXPECT_EQ(server_.request_count(std::string("/") + id + ".xml"), 1u) << id;
}

TEST_F(RunOverHttp, OnceRunWithAFailingSourceStillDeliversTheRestAndExitsOne) {
  const std::string config = write_config(fmt::format("  - {{id: broken, type: feed, url: '{}'}}\n", server_.url("/broken.xml")), "5m", "");
  auto r = test::run_sigflow({"run", "--config", config, "--once"});
  EXPECT_EQ(r.code, 1);
  test::expect_demo_alerts(test::parse_alert_lines(r.out));
  EXPECT_NE(r.err.find("source 'broken' failed (fetch.http_status)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4 sources, 4 polls (1 failed)"), std::string::npos) << r.err;
}

TEST_F(RunOverHttp, StateDirectoryMeansNoRepeatsAcrossRestartsAndNoMissedItems) {
  std::string config = write_config("", "5m", "state:\n  dir: state\n");
  auto first = test::run_sigflow({"run", "--config", config, "--once"});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.err.find("30 events"), std::string::npos) << first.err;

  // A restart: nothing was added, so nothing is emitted again.
  auto second = test::run_sigflow({"run", "--config", config, "--once"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.err.find("0 events, 0 alerts"), std::string::npos) << second.err;
  EXPECT_TRUE(second.out.empty());

  // One new item appears: exactly it is emitted after the next restart.
  std::string feed = sample_feed("cloud-news.rss.xml");
  const std::string item = "<item><title>智谱完成新一轮 12 亿元融资，杭州城投领投</title><link>https://news.example.cn/new-item</link>"
                           "<guid>restart-test-new-item</guid><pubDate>Tue, 25 Feb 2025 10:00:00 +0800</pubDate></item>";
  feed.insert(feed.find("<item>"), item);
  server_.route("/cloud-news.xml", {200, "application/rss+xml; charset=utf-8", feed});
  auto third = test::run_sigflow({"run", "--config", config, "--once"});
  ASSERT_EQ(third.code, 0) << third.err;
  EXPECT_NE(third.err.find("1 events, 1 alerts (funding_round 1)"), std::string::npos) << third.err;
}

TEST_F(RunOverHttp, AFailingSourceBacksOffAndHonoursRetryAfter) {
  server_.route("/busy.xml", {503, "text/plain", "maintenance", {{"Retry-After", "60"}}});
  const std::string config = write_config(fmt::format("  - {{id: busy, type: feed, url: '{}', interval: 1s}}\n", server_.url("/busy.xml")),
                                          "1s", "admin:\n  enabled: false\n");
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config});
  // Bounded wait: the healthy 1s sources poll at least three times meanwhile.
  for (int i = 0; i < 500 && server_.request_count("/cloud-news.xml") < 3; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_GE(server_.request_count("/cloud-news.xml"), 3u);
  EXPECT_EQ(server_.request_count("/busy.xml"), 1u);  // Retry-After: 60 holds the second try back
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0);
  EXPECT_NE(p.err().find("source 'busy' failed (fetch.http_status)"), std::string::npos);
  EXPECT_NE(p.err().find("next try in 60s"), std::string::npos) << p.err();
}

TEST_F(RunOverHttp, ContinuousRunServesMetricsAndDrainsOnSigterm) {
  const std::string config = write_config(fmt::format("  - {{id: broken, type: feed, url: '{}', interval: 1s}}\n", server_.url("/broken.xml")),
                                          "1s", "admin:\n  listen: 127.0.0.1:0\n");
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config});
  const std::uint16_t port = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(port, 0) << p.err();

  // Wait (bounded) until every feed was polled at least twice: repeats must not re-alert.
  for (int i = 0; i < 500; ++i) {
    bool all = true;
    for (const char* id : test::kDemoSourceIds) all = all && server_.request_count(std::string("/") + id + ".xml") >= 2;
    if (all && server_.request_count("/broken.xml") >= 2) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(server_.request_count("/cloud-news.xml"), 2u);

  auto health = test::http_get("127.0.0.1", port, "/healthz");
  EXPECT_EQ(health.status, 200u);
  auto ready = test::http_get("127.0.0.1", port, "/readyz");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(test::http_get("127.0.0.1", port, "/nope").status, 404u);

  test::SimpleResponse metrics;
  for (int i = 0; i < 200; ++i) {  // the engine may still be evaluating the first poll
    metrics = test::http_get("127.0.0.1", port, "/metrics");
    if (metrics.body.find("sigflow_events_processed_total 30") != std::string::npos) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(metrics.status, 200u);
  const std::string& m = metrics.body;
  EXPECT_NE(m.find("sigflow_events_processed_total 30"), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_events_in_total{source=\"cloud-news\"} 12"), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_source_fetches_total{result=\"fetch_http_status\",source=\"broken\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_source_fetches_total{result=\"ok\",source=\"intl-ai\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_alerts_total{rule=\"model_onboarding.cloud_platform\",signal=\"model_onboarding\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_source_fetch_duration_seconds_bucket{source=\"hk-finance\""), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_source_last_success_timestamp_seconds{source=\"cloud-news\"}"), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_rules_loaded "), std::string::npos) << m;
  EXPECT_NE(m.find("sigflow_ready 1"), std::string::npos) << m;

  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "sigflow did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << p.err();
  EXPECT_NE(p.err().find("draining and shutting down"), std::string::npos);

  // Every alert once, though the feeds were polled repeatedly; the file sink matches stdout.
  const auto alerts = test::parse_alert_lines(p.out());
  test::expect_demo_alerts(alerts);
  std::set<std::string> ids;
  for (const auto& a : alerts) EXPECT_TRUE(ids.insert(a.id).second) << "duplicate alert " << a.id;
  EXPECT_EQ(test::read_file(dir_ / "alerts.jsonl"), p.out());
}

// A stop request while the rules compile (before the signal watcher exists) is not fatal: the
// process starts, drains and exits 0 instead of dying with 143.
TEST_F(RunOverHttp, SigtermWhileRulesCompileShutsDownCleanly) {
  const std::string config = write_config("", "1h", "admin:\n  listen: 127.0.0.1:0\n");
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config});
  ASSERT_TRUE(p.wait_for_log("compiling the rules of")) << p.err();
  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.err();
  EXPECT_NE(p.err().find("draining and shutting down"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("sigflow: 3 sources"), std::string::npos) << p.err();
}

// log.format json (here through SIGFLOW_LOG_FORMAT): one JSON object per stderr line; a warning
// repeated with different numbers and ids is written 10 times a minute, then left out.
TEST(Logs, JsonLinesAndRepeatedWarningsAreLimited) {
  test::TempDir dir;
  std::string yaml = "sources:\n";
  for (const auto& [id, file] : {std::pair{"cloud-news", "cloud-news.rss.xml"}, {"intl-ai", "intl-ai.atom.xml"}, {"hk-finance", "hk-finance.rdf.xml"}}) {
    yaml += fmt::format("  - {{id: {}, type: feed, url: '{}'}}\n", id, (test::source_dir() / "config" / "samples" / file).string());
  }
  yaml += fmt::format("rules: ['{}']\nsinks:\n  - {{type: file, path: /dev/full, breaker_failures: 1000}}\ndelivery: {{drain_timeout: 1s}}\n",
                      (test::source_dir() / "rules").string());
  test::write_file(dir / "sigflow.yaml", yaml);
  auto r = test::run_sigflow({"run", "--config", (dir / "sigflow.yaml").string(), "--once"}, {{"SIGFLOW_LOG_FORMAT", "json"}});
  EXPECT_EQ(r.code, 1);
  std::size_t first_attempts = 0, left_out = 0, json_lines = 0;
  simdjson::dom::parser parser;
  for (const auto& line : test::lines_of(r.err)) {
    if (line.starts_with("sigflow: ")) continue;  // the summary line is for people, not a log record
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
    std::string_view time, level, component, message;
    ASSERT_EQ(doc["time"].get(time), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["level"].get(level), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["component"].get(component), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["message"].get(message), simdjson::SUCCESS) << line;
    EXPECT_TRUE(time.ends_with("Z")) << line;
    ++json_lines;
    if (message.find("attempt 1 failed (io: cannot write /dev/full") != std::string_view::npos) ++first_attempts;
    if (message.find("repeats of this message are left out for the rest of the minute") != std::string_view::npos) ++left_out;
  }
  EXPECT_GT(json_lines, 10u);
  EXPECT_EQ(first_attempts, 11u) << r.err;  // 16 alerts failed; 10 said so, the 11th says the rest are left out
  EXPECT_EQ(left_out, 1u) << r.err;
}

// A source that fails, recovers and then goes empty, seen through /metrics of `sigflow connect`.
TEST(SourceHealth, FailureMarksASourceDownRecoveryUpAndAnEmptiedListRaisesSourceEmpty) {
  test::TestHttpServer server;
  std::atomic<int> calls{0};
  server.set_handler([&](const test::HttpRequestSeen&) -> test::HttpResponseSpec {
    switch (calls++) {
      case 0: return {500, "text/plain", "oops"};
      case 1: return {200, "application/json", R"({"items": [{"id": 1, "title": "trunc)"};
      case 2: return {200, "application/json", R"({"items": [{"id": 1, "title": "ok"}]})"};
      default: return {200, "application/json", R"({"items": []})"};
    }
  });
  test::TempDir dir;
  test::write_file(dir / "c.yaml", fmt::format("sources:\n  - {{id: api, type: http_json, url: '{}', interval: 1s, items: items}}\n"
                                               "admin:\n  listen: 127.0.0.1:0\n",
                                               server.url("/api")));
  test::Process p(SIGFLOW_BINARY, {"connect", "--config", (dir / "c.yaml").string()});
  const std::uint16_t port = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(port, 0) << p.err();
  auto metrics_when = [&](const std::string& wanted) {
    std::string m;
    for (int i = 0; i < 600; ++i) {  // bounded: up to ~12 s (backoff after two failures is ~2 s)
      m = test::http_get("127.0.0.1", port, "/metrics").body;
      if (m.find(wanted) != std::string::npos) break;
      std::this_thread::sleep_for(20ms);
    }
    return m;
  };
  std::string m = metrics_when(R"(sigflow_source_fetches_total{result="json_syntax",source="api"} 1)");
  EXPECT_NE(m.find(R"(sigflow_source_fetches_total{result="fetch_http_status",source="api"} 1)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_source_up{source="api"} 0)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_parse_errors_total{source="api"} 1)"), std::string::npos) << m;
  m = metrics_when(R"(sigflow_events_in_total{source="api"} 1)");
  EXPECT_NE(m.find(R"(sigflow_events_in_total{source="api"} 1)"), std::string::npos) << m;
  m = metrics_when(R"(sigflow_source_empty{source="api"} 1)");
  EXPECT_NE(m.find(R"(sigflow_source_empty{source="api"} 1)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_source_up{source="api"} 1)"), std::string::npos) << m;
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0) << p.err();
  EXPECT_NE(p.err().find("source 'api' yielded no items although its last fetch had some (source_empty)"), std::string::npos) << p.err();
  EXPECT_EQ(test::lines_of(p.out()).size(), 1u);  // the one item, once
}

}  // namespace
}  // namespace sigflow
