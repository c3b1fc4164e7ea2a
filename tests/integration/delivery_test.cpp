// End to end: alerts of the bundled demo (16 alerts) delivered by `sigflow run` to real HTTP
// receivers on 127.0.0.1 that fail in the ways receivers do: 500s, slow answers, 429 with
// Retry-After, 400 refusals, being down, and sigflow itself killed with SIGKILL mid-delivery.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "sigflow/alert.hpp"
#include "sigflow/hash.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kDemoAlerts = 16;
constexpr const char* kSecret = "whsec-7f3a";

// What a receiver saw: alert ids it accepted (answered 2xx) and every attempt per id.
struct Ledger {
  std::mutex mutex;
  std::map<std::string, int> attempts;
  std::map<std::string, int> accepted;
  std::map<std::string, Clock::time_point> last_answer;

  std::size_t accepted_ids() {
    std::lock_guard lock(mutex);
    return accepted.size();
  }
};

// Polls `done` every 20 ms for up to `limit`.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 30s) {
  for (auto deadline = Clock::now() + limit; Clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
    if (done()) return true;
  }
  return done();
}

class Delivery : public ::testing::Test {
 protected:
  // The demo's three sample feeds, the shipped rules, a state directory and `sinks`.
  std::string write_config(const std::string& sinks, const std::string& extra = "") {
    std::string yaml = "sources:\n";
    for (const auto& [id, file] : {std::pair{"cloud-news", "cloud-news.rss.xml"}, {"intl-ai", "intl-ai.atom.xml"}, {"hk-finance", "hk-finance.rdf.xml"}}) {
      yaml += fmt::format("  - {{id: {}, type: feed, url: '{}', interval: 1h}}\n", id, (test::source_dir() / "config" / "samples" / file).string());
    }
    yaml += fmt::format("rules: ['{}']\nstate: {{dir: '{}'}}\nadmin: {}\ndelivery: {{drain_timeout: {}}}\n",
                        (test::source_dir() / "rules").string(), (dir_ / "state").string(), admin_, drain_timeout_);
    yaml += "sinks:\n" + sinks + extra;
    test::write_file(dir_ / "sigflow.yaml", yaml);
    return (dir_ / "sigflow.yaml").string();
  }

  // A webhook sink named "hook" posting to `url`, signed, quick to retry.
  static std::string hook(const std::string& url, const std::string& extra = "") {
    return fmt::format("  - {{type: webhook, id: hook, url: '{}', secret: '${{env:HOOK_SECRET}}', retry_initial: 50ms, retry_max: 200ms, "
                       "breaker_cooldown: 200ms{}}}\n", url, extra);
  }

  // Reads the alert from a webhook body; records the attempt and answers with `answer(id, attempt)`.
  test::TestHttpServer::Handler recording(Ledger& ledger, std::function<test::HttpResponseSpec(const Alert&, int)> answer) {
    return [&ledger, answer](const test::HttpRequestSeen& req) {
      auto alert = Alert::from_json(req.body);
      if (!alert) return test::HttpResponseSpec{400, "text/plain", "not an alert"};
      int attempt = 0;
      {
        std::lock_guard lock(ledger.mutex);
        attempt = ++ledger.attempts[alert->id];
      }
      auto spec = answer(*alert, attempt);
      std::lock_guard lock(ledger.mutex);
      if (spec.status < 300 && spec.delay < 1s) ++ledger.accepted[alert->id];  // longer: beyond the sinks' timeout
      ledger.last_answer[alert->id] = Clock::now() + spec.delay;
      return spec;
    };
  }

  std::map<std::string, std::string> env() const { return {{"HOOK_SECRET", kSecret}}; }

  test::TempDir dir_;
  std::string drain_timeout_ = "60s";
  std::string admin_ = "{listen: '127.0.0.1:0'}";
};

std::string metrics_of(std::uint16_t admin) { return test::http_get("127.0.0.1", admin, "/metrics").body; }

TEST_F(Delivery, EveryAlertArrivesOnceSignedWithItsIdAsIdempotencyKey) {
  test::TestHttpServer receiver;
  std::mutex mutex;
  std::vector<test::HttpRequestSeen> seen;
  receiver.set_handler([&](const test::HttpRequestSeen& req) {
    std::lock_guard lock(mutex);
    seen.push_back(req);
    return test::HttpResponseSpec{204, "text/plain", ""};
  });
  const auto config = write_config(hook(receiver.url("/alerts")));
  auto r = test::run_sigflow({"run", "--config", config, "--once"}, env());
  ASSERT_EQ(r.code, 0) << r.err;
  std::lock_guard lock(mutex);  // the receiver's thread wrote `seen`
  ASSERT_EQ(seen.size(), kDemoAlerts);
  std::set<std::string> ids;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& req : seen) {
    EXPECT_EQ(req.method, "POST");
    EXPECT_EQ(req.headers.at("content-type"), "application/json");
    auto alert = Alert::from_json(req.body);
    ASSERT_TRUE(alert.ok()) << req.body;
    ids.insert(alert->id);
    EXPECT_EQ(req.headers.at("idempotency-key"), alert->id);
    // How a receiver verifies: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, t recent.
    const std::string& sig = req.headers.at("x-sigflow-signature");
    const auto comma = sig.find(",v1=");
    ASSERT_TRUE(sig.starts_with("t=") && comma != std::string::npos) << sig;
    const std::string t = sig.substr(2, comma - 2);
    EXPECT_TRUE(constant_time_equal(sig.substr(comma + 4), hmac_sha256_hex(kSecret, t + "." + req.body))) << sig;
    EXPECT_LE(std::abs(now - std::stoll(t)), 300);
  }
  EXPECT_EQ(ids.size(), kDemoAlerts);
  EXPECT_EQ(r.err.find(kSecret), std::string::npos);
}

TEST_F(Delivery, ServerErrorsTimeoutsAndRateLimitsAreRetriedUntilEachAlertIsAccepted) {
  test::TestHttpServer receiver;
  Ledger ledger;
  std::mutex mutex;
  std::string throttled;  // the one alert answered 429 with Retry-After: 1
  Clock::time_point throttled_at;
  receiver.set_handler(recording(ledger, [&](const Alert& a, int attempt) -> test::HttpResponseSpec {
    if (attempt == 1) return {500, "text/plain", "database is down"};
    if (attempt == 2) return {200, "text/plain", "too late", {}, 1500ms};  // beyond the sink's timeout
    std::lock_guard lock(mutex);
    if (attempt == 3 && (throttled.empty() || throttled == a.id)) {
      throttled = a.id;
      throttled_at = Clock::now();
      return {429, "text/plain", "slow down", {{"Retry-After", "1"}}};
    }
    return {200, "text/plain", "ok"};
  }));
  const auto config = write_config(hook(receiver.url("/alerts"), ", timeout: 400ms, breaker_failures: 1000"));
  auto r = test::run_sigflow({"run", "--config", config, "--once"}, env());
  ASSERT_EQ(r.code, 0) << r.err;
  std::lock_guard lock(ledger.mutex);
  ASSERT_EQ(ledger.accepted.size(), kDemoAlerts);
  for (const auto& [id, n] : ledger.accepted) EXPECT_EQ(n, 1) << id << " accepted more than once";
  for (const auto& [id, n] : ledger.attempts) EXPECT_EQ(n, id == throttled ? 4 : 3) << id;
  // The retry after the 429 waited for the receiver's Retry-After.
  EXPECT_GE(ledger.last_answer.at(throttled) - throttled_at, 1s);
  EXPECT_NE(r.err.find("attempt 1 failed (http_500: HTTP 500: database is down)"), std::string::npos) << r.err;
}

TEST_F(Delivery, ARefusedAlertIsDeadLetteredWithTheAnswerAndCanBeRequeued) {
  test::TestHttpServer receiver;
  Ledger ledger;
  std::atomic<bool> fixed{false};
  receiver.set_handler(recording(ledger, [&](const Alert& a, int) -> test::HttpResponseSpec {
    if (a.signal == "funding_round" && !fixed) return {400, "application/json", R"({"error": "amount_usd missing"})"};
    return {200, "text/plain", "ok"};
  }));
  const auto config = write_config(hook(receiver.url("/alerts")));
  auto first = test::run_sigflow({"run", "--config", config, "--once"}, env());
  EXPECT_EQ(first.code, 1) << first.err;  // a failure was found
  EXPECT_NE(first.err.find("4 dead-lettered (sigflow outbox list)"), std::string::npos) << first.err;
  {
    std::lock_guard lock(ledger.mutex);
    EXPECT_EQ(ledger.accepted.size(), 12u);
    EXPECT_EQ(ledger.attempts.size(), kDemoAlerts);
    for (const auto& [id, n] : ledger.attempts) EXPECT_EQ(n, 1) << "a 400 must not be retried: " << id;
  }
  auto list = test::run_sigflow({"outbox", "list", "--config", config});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find(fmt::format("{:<20} {:>8} {:>13}", "hook", 0, 4)), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("signal funding_round"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find(R"((http_400): HTTP 400: {"error": "amount_usd missing"})"), std::string::npos) << list.out;

  fixed = true;
  auto retry = test::run_sigflow({"outbox", "retry", "--config", config, "--sink", "hook", "--all"});
  ASSERT_EQ(retry.code, 0) << retry.err;
  EXPECT_NE(retry.out.find("requeued 4 dead letters of sink 'hook'"), std::string::npos) << retry.out;
  // The next run delivers the requeued alerts; the feeds' items are not alerted again.
  auto second = test::run_sigflow({"run", "--config", config, "--once"}, env());
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(ledger.accepted_ids(), kDemoAlerts);
  auto after = test::run_sigflow({"outbox", "list", "--config", config});
  EXPECT_NE(after.out.find(fmt::format("{:<20} {:>8} {:>13}", "hook", 0, 0)), std::string::npos) << after.out;
}

TEST_F(Delivery, AReceiverThatIsDownGetsEveryAlertOnceItIsBack) {
  std::uint16_t port = 0;
  {
    test::TestHttpServer probe;  // a free port, closed again: connections are refused
    port = probe.port();
  }
  const auto config = write_config(hook(fmt::format("http://127.0.0.1:{}/alerts", port), ", breaker_failures: 3"));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config}, env());
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();
  ASSERT_TRUE(eventually([&] {
    const auto m = metrics_of(admin);
    return m.find(R"(sigflow_outbox_depth{sink="hook"} 16)") != std::string::npos &&
           m.find(R"(sigflow_sink_circuit_open{sink="hook"} 1)") != std::string::npos;
  })) << metrics_of(admin);
  EXPECT_NE(metrics_of(admin).find(R"(sigflow_sink_failures_total{reason="connect",sink="hook"})"), std::string::npos);
  // Without admin.token, POST works on loopback, but never from a web page.
  EXPECT_EQ(test::http_request("POST", "127.0.0.1", admin, "/outbox/retry?sink=hook&all=true", {{"Origin", "https://evil.example"}}).status, 403u);
  const auto requeued = test::http_request("POST", "127.0.0.1", admin, "/outbox/retry?sink=hook&all=true");
  EXPECT_EQ(requeued.status, 200u);
  EXPECT_EQ(requeued.body, "{\"sink\":\"hook\",\"requeued\":0}\n");

  test::TestHttpServer receiver(port);
  Ledger ledger;
  receiver.set_handler(recording(ledger, [](const Alert&, int) { return test::HttpResponseSpec{200, "text/plain", "ok"}; }));
  ASSERT_TRUE(eventually([&] { return ledger.accepted_ids() == kDemoAlerts; })) << p.err();
  ASSERT_TRUE(eventually([&] { return metrics_of(admin).find(R"(sigflow_outbox_depth{sink="hook"} 0)") != std::string::npos; }));
  const auto m = metrics_of(admin);
  EXPECT_NE(m.find(R"(sigflow_sink_alerts_sent_total{sink="hook"} 16)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_sink_circuit_open{sink="hook"} 0)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_sink_delivery_latency_seconds_count{sink="hook"} 16)"), std::string::npos) << m;
  p.signal(SIGTERM);
  auto code = p.wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.err();
}

TEST_F(Delivery, SigkillMidDeliveryThenRestartDeliversEveryAlert) {
  test::TestHttpServer receiver;
  Ledger ledger;
  std::atomic<bool> slow{true};
  receiver.set_handler(recording(ledger, [&](const Alert&, int) -> test::HttpResponseSpec {
    if (slow) return {200, "text/plain", "ok", {}, 300ms};
    return {200, "text/plain", "ok"};
  }));
  const auto config = write_config(hook(receiver.url("/alerts"), ", concurrency: 1, timeout: 5s"));
  {
    test::Process p(SIGFLOW_BINARY, {"run", "--config", config}, env());
    ASSERT_TRUE(eventually([&] {
      std::lock_guard lock(ledger.mutex);
      return ledger.attempts.size() >= 3;
    })) << p.err();
    p.signal(SIGKILL);
    ASSERT_EQ(p.wait(10s), 128 + SIGKILL);
  }
  {
    std::lock_guard lock(ledger.mutex);
    ASSERT_LT(ledger.attempts.size(), kDemoAlerts) << "killed too late to test anything";
  }
  slow = false;
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config}, env());
  EXPECT_TRUE(p.wait_for_log("alerts from the last run wait in the outbox")) << p.err();
  ASSERT_TRUE(eventually([&] { return ledger.accepted_ids() == kDemoAlerts; })) << p.err();
  p.signal(SIGTERM);
  auto code = p.wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.err();
  // Only the restart's redelivery repeats, and repeats carry the alert's id.
  std::lock_guard lock(ledger.mutex);
  EXPECT_EQ(ledger.attempts.size(), kDemoAlerts);
}

TEST_F(Delivery, AFullOutboxHoldsTheEngineBackAndLosesNothing) {
  std::uint16_t port = 0;
  {
    test::TestHttpServer probe;
    port = probe.port();
  }
  const auto config = write_config(hook(fmt::format("http://127.0.0.1:{}/alerts", port), ", outbox_max_bytes: 8KiB"));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config}, env());
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();
  ASSERT_TRUE(eventually([&] { return metrics_of(admin).find(R"(sigflow_outbox_full{sink="hook"} 1)") != std::string::npos; }));
  EXPECT_TRUE(p.wait_for_log("sink 'hook': the outbox is full")) << p.err();
  test::TestHttpServer receiver(port);
  Ledger ledger;
  receiver.set_handler(recording(ledger, [](const Alert&, int) { return test::HttpResponseSpec{200, "text/plain", "ok"}; }));
  ASSERT_TRUE(eventually([&] { return ledger.accepted_ids() == kDemoAlerts; })) << p.err();
  EXPECT_NE(metrics_of(admin).find(R"(sigflow_outbox_full{sink="hook"} 0)"), std::string::npos);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(20s), 0);
}

TEST_F(Delivery, AFullOutboxDelaysShutdownOnlyByTheDrainTimeoutAndSaysWhatWasNotHandedOff) {
  std::uint16_t port = 0;
  {
    test::TestHttpServer probe;
    port = probe.port();
  }
  drain_timeout_ = "1s";
  const auto config = write_config(hook(fmt::format("http://127.0.0.1:{}/alerts", port), ", outbox_max_bytes: 8KiB"));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config}, env());
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();
  ASSERT_TRUE(eventually([&] { return metrics_of(admin).find(R"(sigflow_outbox_full{sink="hook"} 1)") != std::string::npos; }));
  p.signal(SIGTERM);
  auto code = p.wait(20s);
  ASSERT_TRUE(code.has_value()) << "a full outbox held shutdown";
  EXPECT_EQ(*code, 1) << p.err();
  EXPECT_NE(p.err().find("not handed to its sinks: sink 'hook': the outbox is full"), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("waiting in outboxes"), std::string::npos) << p.err();
}

TEST_F(Delivery, GroupingSendsEachSignalsBurstAsOneMessage) {
  test::TestHttpServer receiver;
  receiver.route("/alerts", {200, "text/plain", "ok"});
  const auto config = write_config(hook(receiver.url("/alerts"), ", group_wait: 1s, group_by: [signal]"));
  auto r = test::run_sigflow({"run", "--config", config, "--once"}, env());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);  // funding_round, model_onboarding, pricing_change
  std::size_t alerts = 0;
  for (const auto& req : requests) {
    const auto open = req.body.find("\"alerts\":[");
    ASSERT_NE(open, std::string::npos) << req.body;
    for (auto pos = req.body.find("\"rule\":"); pos != std::string::npos; pos = req.body.find("\"rule\":", pos + 1)) ++alerts;
    EXPECT_EQ(req.headers.count("idempotency-key"), 1u);
  }
  EXPECT_EQ(alerts, kDemoAlerts);
}

TEST_F(Delivery, RoutesSendEachAlertToTheSinksItMatches) {
  const auto config = write_config("  - {type: file, id: deals, path: deals.jsonl}\n  - {type: file, id: everything-else, path: rest.jsonl}\n"
                                   "  - {type: file, id: critical, path: critical.jsonl}\n",
                                   "routes:\n  - match: {min_severity: critical}\n    sinks: [critical]\n    continue: true\n"
                                   "  - match: {signal: funding_round}\n    sinks: [deals]\n  - sinks: [everything-else]\n");
  auto r = test::run_sigflow({"run", "--config", config, "--once"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto deals = test::lines_of(test::read_file(dir_ / "deals.jsonl"));
  const auto rest = test::lines_of(test::read_file(dir_ / "rest.jsonl"));
  EXPECT_EQ(deals.size(), 4u);
  EXPECT_EQ(rest.size(), 12u);
  for (const auto& line : deals) EXPECT_NE(line.find(R"("signal":"funding_round")"), std::string::npos);
  const auto critical = test::lines_of(test::read_file(dir_ / "critical.jsonl"));
  for (const auto& line : critical) EXPECT_NE(line.find(R"("severity":"critical")"), std::string::npos);

  auto explain = test::run_sigflow({"routes", "test", "--config", config, "--signal", "funding_round", "--severity", "critical"});
  ASSERT_EQ(explain.code, 0) << explain.err;
  EXPECT_NE(explain.out.find("route 1 (line "), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("severity >= critical: matches -> critical (continue)"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("signal in [funding_round]: matches -> deals"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("default route (no match): not reached"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("delivered to: critical, deals"), std::string::npos) << explain.out;
}

TEST_F(Delivery, ChatBotsAreSignedAndTheirOwnErrorCodesDecideRetryOrDeadLetter) {
  test::TestHttpServer feishu, dingtalk, wecom;
  std::atomic<int> feishu_ok{0}, feishu_bad{0}, dingtalk_calls{0};
  feishu.set_handler([&](const test::HttpRequestSeen& req) {
    // The bot checks sign = base64(HMAC-SHA256(key "<timestamp>\n<secret>", "")).
    const auto ts_at = req.body.find(R"("timestamp":")");
    const auto sign_at = req.body.find(R"("sign":")");
    if (ts_at == std::string::npos || sign_at == std::string::npos) return test::HttpResponseSpec{200, "application/json", R"({"code":19021,"msg":"sign match fail"})"};
    const std::string ts = req.body.substr(ts_at + 13, req.body.find('"', ts_at + 13) - ts_at - 13);
    const std::string sign = req.body.substr(sign_at + 8, req.body.find('"', sign_at + 8) - sign_at - 8);
    if (sign != base64_encode(hmac_sha256(ts + "\nfeishu-secret", ""))) {
      ++feishu_bad;
      return test::HttpResponseSpec{200, "application/json", R"({"code":19021,"msg":"sign match fail"})"};
    }
    ++feishu_ok;
    return test::HttpResponseSpec{200, "application/json", R"({"code":0,"msg":"success","data":{}})"};
  });
  dingtalk.set_handler([&](const test::HttpRequestSeen& req) {
    const bool signed_url = req.target.find("access_token=tok&timestamp=") != std::string::npos && req.target.find("&sign=") != std::string::npos;
    if (!signed_url) return test::HttpResponseSpec{200, "application/json", R"({"errcode":310000,"errmsg":"sign not match"})"};
    if (++dingtalk_calls == 1) return test::HttpResponseSpec{200, "application/json", R"({"errcode":130101,"errmsg":"send too fast"})"};
    return test::HttpResponseSpec{200, "application/json", R"({"errcode":0,"errmsg":"ok"})"};
  });
  wecom.set_handler([](const test::HttpRequestSeen&) {
    return test::HttpResponseSpec{200, "application/json", R"({"errcode":93000,"errmsg":"invalid webhook url"})"};
  });
  const std::string quick = "retry_initial: 50ms, retry_max: 100ms, rate_limit: ''";
  const auto config = write_config(
      fmt::format("  - {{type: feishu, id: lark, url: '{}', secret: feishu-secret, {}}}\n"
                  "  - {{type: dingtalk, id: ding, url: '{}', secret: '${{env:DING_SECRET}}', {}}}\n"
                  "  - {{type: wecom, id: wecom, url: '{}', {}}}\n",
                  feishu.url("/open-apis/bot/v2/hook/x"), quick, dingtalk.url("/robot/send?access_token=tok"), quick,
                  wecom.url("/cgi-bin/webhook/send?key=k"), quick),
      "routes:\n  - match: {signal: funding_round}\n    sinks: [lark, ding, wecom]\n  - sinks: [lark]\n");
  auto r = test::run_sigflow({"run", "--config", config, "--once"}, {{"DING_SECRET", "ding-secret"}});
  EXPECT_EQ(r.code, 1) << r.err;  // WeCom refused its 4
  EXPECT_EQ(feishu_ok.load(), static_cast<int>(kDemoAlerts));
  EXPECT_EQ(feishu_bad.load(), 0);
  EXPECT_EQ(dingtalk_calls.load(), 5);  // 4 alerts, one "send too fast" retried
  EXPECT_EQ(wecom.requests().size(), 4u);  // refused for good: not retried
  auto list = test::run_sigflow({"outbox", "list", "--config", config, "--sink", "wecom"});
  EXPECT_NE(list.out.find("(receiver_code): {\"errcode\":93000"), std::string::npos) << list.out;
  EXPECT_EQ(r.err.find("ding-secret"), std::string::npos);
  EXPECT_EQ(r.err.find("access_token=tok"), std::string::npos) << "a bot URL's token leaked into the log";
}

TEST_F(Delivery, AlertmanagerReceivesLabelsAndAnnotationsItCanRouteOn) {
  test::TestHttpServer am;
  am.route("/api/v2/alerts", {200, "application/json", ""});
  const auto config = write_config(fmt::format("  - {{type: alertmanager, id: am, url: '{}'}}\n", am.url("")));
  auto r = test::run_sigflow({"run", "--config", config, "--once"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto requests = am.requests();
  ASSERT_EQ(requests.size(), kDemoAlerts);
  for (const auto& req : requests) {
    EXPECT_EQ(req.target, "/api/v2/alerts");
    EXPECT_TRUE(req.body.starts_with(R"([{"labels":{"alertname":")")) << req.body;
    EXPECT_NE(req.body.find(R"("alert_id":")"), std::string::npos);
    EXPECT_NE(req.body.find(R"("startsAt":")"), std::string::npos);
    EXPECT_NE(req.body.find(R"("endsAt":")"), std::string::npos);
    EXPECT_NE(req.body.find(R"("annotations":{"summary":")"), std::string::npos);
  }
}

TEST_F(Delivery, DeadLettersOfARunningEngineAreListedAndRequeuedThroughItsAdminEndpoint) {
  test::TestHttpServer receiver;
  Ledger ledger;
  std::atomic<bool> fixed{false};
  receiver.set_handler(recording(ledger, [&](const Alert& a, int) -> test::HttpResponseSpec {
    if (a.signal == "funding_round" && !fixed) return {422, "text/plain", "unknown currency"};
    return {200, "text/plain", "ok"};
  }));
  // The admin token guards POST; it comes from a secret file.
  test::write_file(dir_ / "admin-token", "adm-91c\n");
  admin_ = fmt::format("{{listen: '127.0.0.1:0', token: '${{file:{}}}'}}", (dir_ / "admin-token").string());
  const auto config = write_config(hook(receiver.url("/alerts")));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config}, env());
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();
  ASSERT_TRUE(eventually([&] {
    const auto m = metrics_of(admin);
    return m.find(R"(sigflow_outbox_dead_letters{sink="hook"} 4)") != std::string::npos &&
           m.find(R"(sigflow_outbox_depth{sink="hook"} 0)") != std::string::npos;
  })) << p.err();
  EXPECT_EQ(test::http_get("127.0.0.1", admin, "/outbox").status, 401u);  // the token guards the listing too
  test::SimpleResponse listed;
  // The sources' polls land at different times: wait until every alert was tried.
  EXPECT_TRUE(eventually([&] {
    listed = test::http_request("GET", "127.0.0.1", admin, "/outbox", {{"Authorization", "Bearer adm-91c"}});
    return listed.body.find(R"({"sink":"hook","waiting":0,"dead_letters":4})") != std::string::npos;
  })) << listed.body;
  EXPECT_EQ(listed.status, 200u);
  EXPECT_NE(listed.body.find(R"("reason":"http_422","response":"HTTP 422: unknown currency")"), std::string::npos) << listed.body;
  // `outbox list` reads next to the running engine.
  auto list = test::run_sigflow({"outbox", "list", "--config", config});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find(fmt::format("{:<20} {:>8} {:>13}", "hook", 0, 4)), std::string::npos) << list.out;

  EXPECT_EQ(test::http_request("POST", "127.0.0.1", admin, "/outbox/retry?sink=hook&all=true").status, 401u);
  EXPECT_EQ(test::http_request("POST", "127.0.0.1", admin, "/outbox/retry?sink=hook&all=true", {{"Authorization", "Bearer nope"}}).status, 401u);
  fixed = true;
  const std::string admin_url = fmt::format("http://127.0.0.1:{}", admin);
  auto retry = test::run_sigflow({"outbox", "retry", "--config", config, "--sink", "hook", "--all", "--admin", admin_url});
  ASSERT_EQ(retry.code, 0) << retry.err;
  EXPECT_NE(retry.out.find(R"({"sink":"hook","requeued":4} (by the running sigflow at )"), std::string::npos) << retry.out;
  ASSERT_TRUE(eventually([&] { return ledger.accepted_ids() == kDemoAlerts; })) << p.err();
  EXPECT_NE(metrics_of(admin).find(R"(sigflow_outbox_dead_letters{sink="hook"} 0)"), std::string::npos);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(20s), 0);
  EXPECT_EQ(p.err().find("adm-91c"), std::string::npos);
}

TEST_F(Delivery, TlsIsVerifiedByDefaultAndACustomCaBundleIsTrusted) {
  const auto pki = test::make_test_pki(dir_.path());
  test::TestHttpServer receiver(0, pki.server);
  receiver.route("/alerts", {200, "text/plain", "ok"});
  // The system's CAs do not know the test CA: every attempt fails its TLS check.
  drain_timeout_ = "2s";
  const auto untrusted = write_config(hook(receiver.url("/alerts"), ", breaker_failures: 1000"));
  auto refused = test::run_sigflow({"run", "--config", untrusted, "--once"}, env());
  EXPECT_EQ(refused.code, 1) << refused.err;
  EXPECT_NE(refused.err.find("failed (tls:"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("16 waiting in outboxes"), std::string::npos) << refused.err;
  EXPECT_EQ(receiver.request_count("/alerts"), 0u);
  // With the CA bundle, the same outbox is delivered at the next run.
  drain_timeout_ = "60s";
  const auto trusted = write_config(hook(receiver.url("/alerts"), fmt::format(", ca_file: '{}'", pki.ca_file)));
  auto delivered = test::run_sigflow({"run", "--config", trusted, "--once"}, env());
  EXPECT_EQ(delivered.code, 0) << delivered.err;
  EXPECT_EQ(receiver.request_count("/alerts"), kDemoAlerts);
}

}  // namespace
}  // namespace sigflow
