// Operations of a running `sigflow run`: rule reloads (file change, POST /-/reload, SIGHUP)
// while events flow, a broken rule file keeping the running set, config changes that need a
// restart, and SIGTERM in the middle of a load. Events arrive through the webhook connector,
// whose 202 means the event was processed and its alerts are in their outbox.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "sigflow/alert.hpp"
#include "support/demo_alerts.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

using namespace std::chrono_literals;

// A rule firing `signal` on titles that contain `word`.
std::string rule_file(const std::string& id, const std::string& signal, const std::string& word) {
  return fmt::format("schema_version: 1\nrules:\n  - id: {}\n    signal: {}\n    severity: info\n    condition: title icontains \"{}\"\n"
                     "    summary: \"{{title}}\"\n",
                     id, signal, word);
}

// Replaces a file the way editors and ConfigMaps do: write aside, then rename over it.
void replace_file(const std::filesystem::path& path, const std::string& content) {
  const auto aside = path.parent_path() / fmt::format(".{}.tmp", path.filename().string());
  test::write_file(aside, content);
  std::filesystem::rename(aside, path);
}

std::string config_yaml(const std::string& extra, const std::string& reload = "  debounce: 100ms\n", const std::string& admin = "") {
  return "sources:\n"
         "  - {id: push, type: webhook, url: 'http://127.0.0.1:0/ingest', items: items, item_id: id, title: title}\n"
         "rules: [rules]\n"
         "sinks:\n  - {id: archive, type: file, path: alerts.jsonl}\n"
         "admin:\n  listen: 127.0.0.1:0\n" +
         admin + "reload:\n" + reload + extra;
}

// Pushes events "alpha beta <n>" one at a time from its own thread until stopped; remembers
// which were accepted (202: processed, alerts in the outbox).
class Pusher {
 public:
  Pusher(std::uint16_t port, int first) : port_(port), next_(first) {
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        const int n = next_++;
        const std::string body = fmt::format(R"({{"items": [{{"id": "e-{}", "title": "alpha beta {}"}}]}})", n, n);
        auto r = test::http_request("POST", "127.0.0.1", port_, "/ingest", {{"Content-Type", "application/json"}}, body);
        if (r.status == 202 && r.body.find("\"accepted\": 1") != std::string::npos) {
          std::lock_guard lock(mutex_);
          accepted_.push_back(n);
        } else if (r.status == 0) {
          break;  // the listener is gone
        }
      }
    });
  }
  ~Pusher() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t accepted_count() {
    std::lock_guard lock(mutex_);
    return accepted_.size();
  }
  std::vector<int> accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  // Waits (bounded) until `n` more events than now were accepted.
  bool await_more(std::size_t n) {
    const std::size_t target = accepted_count() + n;
    for (int i = 0; i < 1000 && accepted_count() < target; ++i) std::this_thread::sleep_for(10ms);
    return accepted_count() >= target;
  }

 private:
  std::uint16_t port_;
  std::atomic<int> next_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<int> accepted_;
  std::thread thread_;
};

std::string rules_hash(std::uint16_t admin) {
  auto r = test::http_get("127.0.0.1", admin, "/rules");
  simdjson::dom::parser parser;
  auto doc = parser.parse(r.body);
  std::string_view hash;
  if (doc.error() || doc["hash"].get(hash)) return {};
  return std::string(hash);
}

// Waits (bounded) until the rule-set hash differs from `old`; returns the new one.
std::string await_new_hash(std::uint16_t admin, const std::string& old) {
  for (int i = 0; i < 500; ++i) {
    std::string h = rules_hash(admin);
    if (!h.empty() && h != old) return h;
    std::this_thread::sleep_for(20ms);
  }
  return old;
}

bool await_metric(std::uint16_t admin, const std::string& line) {
  for (int i = 0; i < 500; ++i) {
    if (test::http_get("127.0.0.1", admin, "/metrics").body.find(line) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// The n of "alpha beta <n>" -> the signals alerted for it.
std::map<int, std::vector<std::string>> signals_by_event(const std::string& jsonl) {
  std::map<int, std::vector<std::string>> by_event;
  for (const Alert& a : test::parse_alert_lines(jsonl)) by_event[std::stoi(a.event.title.substr(a.event.title.rfind(' ') + 1))].push_back(a.signal);
  return by_event;
}

TEST(Reload, RuleChangesSwitchOverWhileEventsFlowAndABrokenFileKeepsTheRunningSet) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "rules");
  test::write_file(dir / "rules" / "switch.yaml", rule_file("switch_a", "sig_a", "alpha"));
  test::write_file(dir / "sigflow.yaml", config_yaml(""));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", (dir / "sigflow.yaml").string()});
  const std::uint16_t port = p.wait_for_port("accepting pushes on http://127.0.0.1:");
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(port, 0) << p.err();
  ASSERT_NE(admin, 0) << p.err();
  const std::string first_hash = rules_hash(admin);
  ASSERT_EQ(first_hash.size(), 16u);
  EXPECT_TRUE(await_metric(admin, fmt::format("sigflow_rules_info{{hash=\"{}\"}} 1", first_hash)));
  EXPECT_TRUE(await_metric(admin, "sigflow_rules_last_reload_success 1"));

  Pusher pusher(port, 0);
  ASSERT_TRUE(pusher.await_more(20));

  // A valid change, picked up from the file system: from the swap on, sig_b instead of sig_a.
  const std::size_t before_change = pusher.accepted_count();
  replace_file(dir / "rules" / "switch.yaml", rule_file("switch_b", "sig_b", "beta"));
  const std::string second_hash = await_new_hash(admin, first_hash);
  ASSERT_NE(second_hash, first_hash) << p.err();
  const std::size_t after_change = pusher.accepted_count();
  ASSERT_TRUE(pusher.await_more(20));

  // A broken file: logged with file:line:col, metric 0, the running set kept.
  test::write_file(dir / "rules" / "typo.yaml", "schema_version: 1\nrules:\n  - id: typo\n    signal: sig_c\n    severity: info\n    condition: title icontain \"x\"\n");
  ASSERT_TRUE(await_metric(admin, "sigflow_rules_last_reload_success 0")) << p.err();
  EXPECT_TRUE(p.wait_for_log("typo.yaml:6:")) << p.err();
  EXPECT_TRUE(p.wait_for_log("the running rules (hash " + second_hash + ") stay in use")) << p.err();
  auto refused = test::http_request("POST", "127.0.0.1", admin, "/-/reload");
  EXPECT_EQ(refused.status, 422u) << refused.body;
  EXPECT_NE(refused.body.find("typo.yaml:6:"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find(second_hash), std::string::npos) << refused.body;
  EXPECT_EQ(rules_hash(admin), second_hash);
  ASSERT_TRUE(pusher.await_more(20));

  // Fixed, then reloaded by SIGHUP; a change to the sinks is flagged as needing a restart.
  std::filesystem::remove(dir / "rules" / "typo.yaml");
  test::write_file(dir / "sigflow.yaml", config_yaml("") + "log:\n  level: info\n");  // the level reloads: no restart needed
  p.signal(SIGHUP);
  ASSERT_TRUE(await_metric(admin, "sigflow_rules_last_reload_success 1")) << p.err();
  EXPECT_TRUE(await_metric(admin, "sigflow_config_restart_required 0"));
  EXPECT_TRUE(p.wait_for_log("rules unchanged (SIGHUP)")) << p.err();
  test::write_file(dir / "sigflow.yaml", config_yaml("") + "delivery:\n  drain_timeout: 5s\n");
  ASSERT_TRUE(await_metric(admin, "sigflow_config_restart_required 1")) << p.err();
  auto manual = test::http_request("POST", "127.0.0.1", admin, "/-/reload");
  EXPECT_EQ(manual.status, 200u) << manual.body;
  EXPECT_NE(manual.body.find(R"("result":"unchanged")"), std::string::npos) << manual.body;
  EXPECT_NE(manual.body.find(R"("restart_required":["delivery"])"), std::string::npos) << manual.body;
  EXPECT_TRUE(p.wait_for_log("config changes to delivery need a restart")) << p.err();
  ASSERT_TRUE(pusher.await_more(10));

  pusher.stop();
  const auto listing = test::http_get("127.0.0.1", admin, "/rules");
  EXPECT_NE(listing.body.find(R"("id":"switch_b","signal":"sig_b")"), std::string::npos) << listing.body;
  EXPECT_NE(listing.body.find(R"("result":"unchanged")"), std::string::npos) << listing.body;
  const std::string metrics = test::http_get("127.0.0.1", admin, "/metrics").body;
  EXPECT_NE(metrics.find(R"(sigflow_rules_reloads_total{result="failure"})"), std::string::npos) << metrics;
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(30s), 0) << p.err();

  // Every accepted event alerted exactly once: sig_a before the change, sig_b after the swap
  // was visible, either in between (the swap falls between two events, never inside one).
  const auto accepted = pusher.accepted();
  const auto by_event = signals_by_event(test::read_file(dir / "alerts.jsonl"));
  ASSERT_EQ(by_event.size(), accepted.size());
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    auto it = by_event.find(accepted[i]);
    ASSERT_NE(it, by_event.end()) << "event " << accepted[i] << " has no alert";
    ASSERT_EQ(it->second.size(), 1u) << "event " << accepted[i];
    if (i < before_change) {
      EXPECT_EQ(it->second[0], "sig_a") << "event " << accepted[i];
    }
    if (i >= after_change) {
      EXPECT_EQ(it->second[0], "sig_b") << "event " << accepted[i];
    }
  }
  EXPECT_GE(accepted.size(), 70u);
}

// With admin.token, /-/reload and /rules need it. Without reload.watch, a file change waits for
// an explicit reload.
TEST(Reload, AdminTokenGuardsReloadAndRulesAndWatchingCanBeTurnedOff) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "rules");
  test::write_file(dir / "rules" / "switch.yaml", rule_file("switch_a", "sig_a", "alpha"));
  test::write_file(dir / "sigflow.yaml", config_yaml("", "  watch: false\n", "  token: ${env:RELOAD_TEST_TOKEN}\n"));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", (dir / "sigflow.yaml").string()}, {{"RELOAD_TEST_TOKEN", "s3cret-token"}});
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();
  const std::map<std::string, std::string> auth{{"Authorization", "Bearer s3cret-token"}};
  EXPECT_EQ(test::http_get("127.0.0.1", admin, "/rules").status, 401u);
  EXPECT_EQ(test::http_request("POST", "127.0.0.1", admin, "/-/reload").status, 401u);
  EXPECT_EQ(test::http_request("POST", "127.0.0.1", admin, "/-/reload", {{"Authorization", "Bearer wrong"}}).status, 401u);
  EXPECT_EQ(test::http_request("GET", "127.0.0.1", admin, "/-/reload", auth).status, 405u);
  EXPECT_EQ(test::http_get("127.0.0.1", admin, "/metrics").status, 200u);  // scrapes need no token
  const auto before = test::http_request("GET", "127.0.0.1", admin, "/rules", auth);
  ASSERT_EQ(before.status, 200u);
  EXPECT_NE(before.body.find(R"("id":"switch_a")"), std::string::npos) << before.body;

  replace_file(dir / "rules" / "switch.yaml", rule_file("switch_b", "sig_b", "beta"));
  std::this_thread::sleep_for(500ms);  // five debounce periods: nothing watches
  EXPECT_EQ(test::http_request("GET", "127.0.0.1", admin, "/rules", auth).body, before.body);
  const auto reloaded = test::http_request("POST", "127.0.0.1", admin, "/-/reload", auth);
  EXPECT_EQ(reloaded.status, 200u) << reloaded.body;
  EXPECT_NE(reloaded.body.find(R"("result":"reloaded")"), std::string::npos) << reloaded.body;
  EXPECT_NE(test::http_request("GET", "127.0.0.1", admin, "/rules", auth).body.find(R"("id":"switch_b")"), std::string::npos);
  p.signal(SIGTERM);
  ASSERT_EQ(p.wait(30s), 0) << p.err();
  EXPECT_EQ(p.err().find("s3cret-token"), std::string::npos);
}

// A Kubernetes ConfigMap volume: each file is a link into `..data`, itself a link to a
// timestamped directory that the kubelet replaces by renaming a new `..data` over the old one.
// No rule file is written in place, yet the engine reloads.
TEST(Reload, AConfigMapStyleSwapOfTheDataLinkReloads) {
  namespace fs = std::filesystem;
  test::TempDir dir;
  const auto rules = dir / "rules";
  fs::create_directories(rules / "..2026_11_24_v1");
  test::write_file(rules / "..2026_11_24_v1" / "switch.yaml", rule_file("switch_a", "sig_a", "alpha"));
  fs::create_directory_symlink("..2026_11_24_v1", rules / "..data");
  fs::create_symlink("..data/switch.yaml", rules / "switch.yaml");
  test::write_file(dir / "sigflow.yaml", config_yaml(""));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", (dir / "sigflow.yaml").string()});
  const std::uint16_t admin = p.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(admin, 0) << p.err();
  const std::string before = rules_hash(admin);
  ASSERT_FALSE(before.empty());

  fs::create_directories(rules / "..2026_11_24_v2");
  test::write_file(rules / "..2026_11_24_v2" / "switch.yaml", rule_file("switch_b", "sig_b", "beta"));
  fs::create_directory_symlink("..2026_11_24_v2", rules / "..data_tmp");
  fs::rename(rules / "..data_tmp", rules / "..data");  // the kubelet's atomic swap
  fs::remove_all(rules / "..2026_11_24_v1");
  EXPECT_NE(await_new_hash(admin, before), before) << p.err();
  EXPECT_NE(test::http_get("127.0.0.1", admin, "/rules").body.find(R"("id":"switch_b")"), std::string::npos);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(30s), 0) << p.err();
}

// SIGTERM while four clients push as fast as they can: sigflow stops accepting, drains and
// exits 0, and every event it acknowledged has its alert in the sink.
TEST(Shutdown, SigtermDuringLoadDeliversEveryAcceptedEvent) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "rules");
  test::write_file(dir / "rules" / "switch.yaml", rule_file("switch_a", "sig_a", "alpha"));
  test::write_file(dir / "sigflow.yaml", config_yaml(fmt::format("state:\n  dir: {}\n", (dir / "state").string())));
  test::Process p(SIGFLOW_BINARY, {"run", "--config", (dir / "sigflow.yaml").string()});
  const std::uint16_t port = p.wait_for_port("accepting pushes on http://127.0.0.1:");
  ASSERT_NE(port, 0) << p.err();
  std::vector<std::unique_ptr<Pusher>> pushers;
  for (int i = 0; i < 4; ++i) pushers.push_back(std::make_unique<Pusher>(port, i * 1'000'000));
  for (auto& pusher : pushers) ASSERT_TRUE(pusher->await_more(25));
  p.signal(SIGTERM);
  const auto code = p.wait(30s);
  for (auto& pusher : pushers) pusher->stop();
  ASSERT_EQ(code, 0) << p.err();
  EXPECT_NE(p.err().find("draining and shutting down"), std::string::npos);

  const auto by_event = signals_by_event(test::read_file(dir / "alerts.jsonl"));
  std::size_t accepted = 0;
  for (auto& pusher : pushers) {
    for (int n : pusher->accepted()) {
      ++accepted;
      auto it = by_event.find(n);
      ASSERT_NE(it, by_event.end()) << "accepted event " << n << " has no alert";
      EXPECT_EQ(it->second.size(), 1u) << "event " << n;
    }
  }
  EXPECT_EQ(by_event.size(), accepted);
  EXPECT_GE(accepted, 100u);
}

}  // namespace
}  // namespace sigflow
