// The webhook connector inside a running `sigflow run`: signed pushes become alerts once,
// repeats are acknowledged as duplicates, and every bad push gets its status and reason.
#include <gtest/gtest.h>

#include <csignal>

#include <fmt/format.h>

#include "sigflow/hash.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

constexpr const char* kSecret = "whsec-test-2b7e1516";

TEST(Webhook, SignedPushesAlertOnceAndBadPushesGetAReason) {
  test::TempDir dir;
  const auto config = dir / "sigflow.yaml";
  test::write_file(config, fmt::format(R"(sources:
  - id: vendor-push
    type: webhook
    url: http://127.0.0.1:0/ingest
    hmac_secret: ${{env:PUSH_SECRET}}
    max_body: 4KiB
    items: items
    item_id: id
    title: title
    link: url
rules:
  - {}
admin:
  listen: 127.0.0.1:0
)",
                                       (test::source_dir() / "rules").string()));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", config.string()}, {{"PUSH_SECRET", kSecret}});
  const std::uint16_t port = p.wait_for_port("accepting pushes on http://127.0.0.1:");
  ASSERT_NE(port, 0) << p.err();
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();

  auto push = [&](const std::string& body, std::map<std::string, std::string> headers) {
    headers.emplace("Content-Type", "application/json");
    return test::http_request("POST", "127.0.0.1", port, "/ingest", headers, body);
  };
  auto signed_headers = [](const std::string& body) {
    return std::map<std::string, std::string>{{"X-Signature-256", "sha256=" + hmac_sha256_hex(kSecret, body)}};
  };
  const std::string items = R"({"items": [
    {"id": "n-1", "title": "阿里云百炼上线 DeepSeek-R1 模型", "url": "https://vendor.example.cn/n/1"},
    {"id": "n-2", "title": "某公司召开年度员工大会", "url": "https://vendor.example.cn/n/2"}]})";

  auto unsigned_push = push(items, {});
  EXPECT_EQ(unsigned_push.status, 401u);
  EXPECT_NE(unsigned_push.body.find("missing X-Signature-256 header"), std::string::npos) << unsigned_push.body;
  auto forged = push(items, {{"X-Signature-256", "sha256=" + hmac_sha256_hex("wrong key", items)}});
  EXPECT_EQ(forged.status, 401u);
  EXPECT_NE(forged.body.find("signature does not match"), std::string::npos) << forged.body;
  const std::string broken = R"({"items": [{"id": )";
  auto malformed = push(broken, signed_headers(broken));
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_NE(malformed.body.find("not valid JSON"), std::string::npos) << malformed.body;
  const std::string odd = R"({"items": [{"id": "x", "title": "ok"}, 7]})";
  auto partly = push(odd, signed_headers(odd));
  EXPECT_EQ(partly.status, 422u);
  EXPECT_NE(partly.body.find("nothing accepted: item 1 is not an object"), std::string::npos) << partly.body;
  const std::string huge(5000, ' ');
  EXPECT_EQ(push(huge, signed_headers(huge)).status, 413u);
  auto text = test::http_request("POST", "127.0.0.1", port, "/ingest", {{"Content-Type", "text/plain"}, {"X-Signature-256", "sha256=" + hmac_sha256_hex(kSecret, "hi")}}, "hi");
  EXPECT_EQ(text.status, 415u);
  EXPECT_EQ(test::http_get("127.0.0.1", port, "/ingest").status, 405u);
  EXPECT_EQ(test::http_get("127.0.0.1", port, "/elsewhere").status, 404u);

  auto accepted = push(items, signed_headers(items));
  EXPECT_EQ(accepted.status, 202u) << accepted.body;
  EXPECT_EQ(accepted.body, "{\"accepted\": 2, \"duplicates\": 0}\n");
  auto again = push(items, signed_headers(items));  // the vendor retries: acknowledged, not re-emitted
  EXPECT_EQ(again.status, 202u);
  EXPECT_EQ(again.body, "{\"accepted\": 0, \"duplicates\": 2}\n");

  const std::string m = test::http_get("127.0.0.1", admin, "/metrics").body;
  EXPECT_NE(m.find(R"(sigflow_source_fetches_total{result="webhook_unauthorized",source="vendor-push"} 2)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_source_duplicates_total{source="vendor-push"} 2)"), std::string::npos) << m;
  EXPECT_NE(m.find(R"(sigflow_events_in_total{source="vendor-push"} 2)"), std::string::npos) << m;

  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << p.err();
  const auto alerts = test::lines_of(p.out());
  ASSERT_EQ(alerts.size(), 1u) << p.out();
  EXPECT_NE(alerts[0].find("阿里云百炼上线 DeepSeek-R1 模型"), std::string::npos);
  EXPECT_EQ(p.err().find(kSecret), std::string::npos);
}

TEST(Webhook, ABearerTokenFromAFileGuardsTheEndpoint) {
  test::TempDir dir;
  test::write_file(dir / "token", "tok-5f2c\n");  // a trailing newline, as secret files have
  const auto config = dir / "sigflow.yaml";
  test::write_file(config, fmt::format("sources:\n  - {{id: pushed, type: webhook, url: 'http://127.0.0.1:0/in', token: '${{file:{}}}'}}\n",
                                       (dir / "token").string()));
  test::Process p(SIGFLOW_BINARY, {"connect", "--config", config.string()});
  const std::uint16_t port = p.wait_for_port("accepting pushes on http://127.0.0.1:");
  ASSERT_NE(port, 0) << p.err();
  const std::string body = R"({"id": "x1", "title": "UCloud 上线 DeepSeek"})";  // one object is one item
  auto push = [&](const std::string& auth) {
    return test::http_request("POST", "127.0.0.1", port, "/in", {{"Authorization", auth}, {"Content-Type", "application/json"}}, body);
  };
  auto wrong = push("Bearer tok-0000");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.headers["www-authenticate"], "Bearer");
  EXPECT_NE(wrong.body.find("missing or wrong bearer token"), std::string::npos) << wrong.body;
  auto right = push("Bearer tok-5f2c");
  EXPECT_EQ(right.status, 202u) << right.body;
  ASSERT_TRUE(p.wait_for_log("source 'pushed': 1 new events")) << p.err();
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0) << p.err();
  const auto lines = test::lines_of(p.out());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("UCloud 上线 DeepSeek"), std::string::npos);
  EXPECT_EQ(p.err().find("tok-5f2c"), std::string::npos);
}

TEST(Webhook, ListeningBeyondLoopbackNeedsAuthentication) {
  test::TempDir dir;
  const auto config = dir / "sigflow.yaml";
  test::write_file(config, "sources:\n  - {id: open, type: webhook, url: 'http://0.0.0.0:0/in'}\n");
  auto r = test::run_sigflow({"connect", "--config", config.string()});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("source 'open': a webhook listening beyond loopback needs a token or an hmac_secret"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sigflow
