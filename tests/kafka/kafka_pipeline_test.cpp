// Kafka mode against the real broker that deploy/kafka/local-broker.sh runs (label `kafka`):
// connector process -> events topic -> engine process -> alerts topic, dead letters, and an
// engine killed mid-stream. Each test uses its own topics and consumer group.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sigflow/event.hpp"
#include "support/demo_alerts.hpp"
#include "support/http_server.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

using namespace std::chrono_literals;

std::string brokers() {
  const char* port = std::getenv("SIGFLOW_KAFKA_PORT");
  return fmt::format("127.0.0.1:{}", port != nullptr ? port : "19092");
}

// The cluster the running test uses (the shared broker, or a test's own).
std::string& current_brokers() {
  static std::string b = brokers();
  return b;
}

// Messages of a topic, from its start to its current end, as kcat prints them with `format`.
std::vector<std::string> read_topic(const std::string& topic, const std::string& format = "%s\\n") {
  test::Process kcat("/usr/bin/kcat", {"-C", "-b", current_brokers(), "-t", topic, "-e", "-q", "-f", format});
  EXPECT_EQ(kcat.wait(30s), 0) << kcat.err();
  return test::lines_of(kcat.out());
}

// Waits (bounded) until `topic` holds at least `n` messages.
std::vector<std::string> await_messages(const std::string& topic, std::size_t n, const std::string& format = "%s\\n") {
  std::vector<std::string> lines;
  for (int i = 0; i < 60 && lines.size() < n; ++i) {  // up to ~60 s with kcat's own time
    lines = read_topic(topic, format);
    if (lines.size() < n) std::this_thread::sleep_for(500ms);
  }
  return lines;
}

void produce_raw(const std::string& topic, const std::string& key, const std::string& value, const test::TempDir& dir) {
  const auto file = dir / fmt::format("msg-{}", key);
  test::write_file(file, value);
  test::Process kcat("/usr/bin/kcat", {"-P", "-b", current_brokers(), "-t", topic, "-k", key, file.string()});
  ASSERT_EQ(kcat.wait(30s), 0) << kcat.err();
}

std::string joined(const std::vector<std::string>& lines) { return fmt::format("{}\n", fmt::join(lines, "\n")); }

class KafkaPipeline : public ::testing::Test {
 protected:
  void SetUp() override { configure(brokers()); }

  // Writes the test's config (its own topics and group on `bootstrap`) and creates the topics.
  void configure(const std::string& bootstrap, const std::string& sources_yaml = "", const std::string& extra_kafka = "",
                 std::string rules = "") {
    if (rules.empty()) rules = (test::source_dir() / "rules").string();
    current_brokers() = bootstrap;
    prefix_ = fmt::format("t{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->current_test_info()->name());
    config_ = (dir_ / "sigflow.yaml").string();
    std::string sources = sources_yaml;
    if (sources.empty()) {
      for (const char* name : {"cloud-news.rss.xml", "intl-ai.atom.xml", "hk-finance.rdf.xml"}) {
        const std::string id = std::string(name).substr(0, std::string(name).find('.'));
        sources += fmt::format("  - {{id: {}, type: feed, url: '{}'}}\n", id, (test::source_dir() / "config" / "samples" / name).string());
      }
    }
    test::write_file(config_, fmt::format(R"(sources:
{}rules:
  - {}
admin:
  enabled: false
state:
  dir: {}
kafka:
  bootstrap.servers: {}
  group.id: {}-engine
  session.timeout.ms: 6000
  partitions: 3
  max_event_bytes: 16KiB
  topics: {{events: {}.events, alerts: {}.alerts, dlq: {}.dlq}}
{})",
                                          sources, rules, (dir_ / "state").string(), bootstrap, prefix_, prefix_, prefix_, prefix_,
                                          extra_kafka));
    auto init = test::run_sigflow({"kafka", "init", "--config", config_});
    ASSERT_EQ(init.code, 0) << init.out << init.err;
    ASSERT_NE(init.out.find(prefix_ + ".events"), std::string::npos) << init.out;
  }

  std::string topic(const std::string& kind) const { return prefix_ + "." + kind; }

  test::TempDir dir_;
  std::string prefix_;
  std::string config_;
};

TEST_F(KafkaPipeline, ConnectorAndEngineProcessesGiveTheStandaloneAlerts) {
  auto init_again = test::run_sigflow({"kafka", "init", "--config", config_});  // SetUp created them
  EXPECT_EQ(init_again.code, 0) << init_again.err;
  EXPECT_NE(init_again.out.find(fmt::format("{}.alerts", prefix_)), std::string::npos);
  EXPECT_NE(init_again.out.find("exists"), std::string::npos) << init_again.out;
  EXPECT_EQ(init_again.out.find("created"), std::string::npos) << init_again.out;
  auto connect = test::run_sigflow({"connect", "--config", config_, "--once"});
  ASSERT_EQ(connect.code, 0) << connect.err;
  EXPECT_NE(connect.err.find(fmt::format("30 events to Kafka topic {}", topic("events"))), std::string::npos) << connect.err;
  // Events carry their CloudEvents attributes as headers and the source id as key.
  const auto events = read_topic(topic("events"), "%k %h\\n");
  ASSERT_EQ(events.size(), 30u);
  EXPECT_NE(events[0].find("ce_specversion=1.0"), std::string::npos) << events[0];

  test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(engine.wait_for_log("consuming")) << engine.err();
  const auto alerts = await_messages(topic("alerts"), 16);
  engine.signal(SIGTERM);
  ASSERT_EQ(engine.wait(30s), 0) << engine.err();
  ASSERT_EQ(alerts.size(), 16u);
  test::expect_demo_alerts(test::parse_alert_lines(joined(alerts)));
  EXPECT_EQ(test::parse_alert_lines(engine.out()).size(), 16u);  // the stdout sink saw the same

  // The state advanced with Kafka's acknowledgement: a second connector run sends nothing,
  // and a restarted engine resumes after its committed offsets.
  auto again = test::run_sigflow({"connect", "--config", config_, "--once"});
  EXPECT_NE(again.err.find("0 events to Kafka"), std::string::npos) << again.err;
  test::Process restarted(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(restarted.wait_for_log("assigned")) << restarted.err();
  std::this_thread::sleep_for(2s);
  restarted.signal(SIGTERM);
  ASSERT_EQ(restarted.wait(30s), 0) << restarted.err();
  EXPECT_NE(restarted.err().find("sigflow: 0 events, 0 alerts"), std::string::npos) << restarted.err();
}

TEST_F(KafkaPipeline, PoisonMessagesGoToTheDeadLetterTopicAndTheRestFlows) {
  produce_raw(topic("events"), "junk", "this is not JSON", dir_);
  produce_raw(topic("events"), "nosource", R"({"specversion": "1.0", "id": "x", "type": "sigflow.feed.item"})", dir_);
  produce_raw(topic("events"), "huge", std::string(20 * 1024, 'x'), dir_);
  ASSERT_EQ(test::run_sigflow({"connect", "--config", config_, "--once"}).code, 0);
  test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(engine.wait_for_log("consuming")) << engine.err();
  const auto alerts = await_messages(topic("alerts"), 16);
  const auto dead = await_messages(topic("dlq"), 3, "%k|%h\\n");
  engine.signal(SIGTERM);
  ASSERT_EQ(engine.wait(30s), 0) << engine.err();
  EXPECT_EQ(alerts.size(), 16u);
  ASSERT_EQ(dead.size(), 3u);
  std::map<std::string, std::string> by_key;
  for (const auto& d : dead) by_key[d.substr(0, d.find('|'))] = d;
  EXPECT_NE(by_key["junk"].find("sigflow.error=invalid"), std::string::npos) << by_key["junk"];
  EXPECT_NE(by_key["junk"].find(fmt::format("sigflow.source.topic={}", topic("events"))), std::string::npos) << by_key["junk"];
  EXPECT_NE(by_key["junk"].find("sigflow.source.offset="), std::string::npos) << by_key["junk"];
  EXPECT_NE(by_key["nosource"].find("source"), std::string::npos) << by_key["nosource"];  // the missing attribute is named
  EXPECT_NE(by_key["huge"].find("sigflow.error=too_large"), std::string::npos) << by_key["huge"];
  EXPECT_NE(engine.err().find("3 dead letters"), std::string::npos) << engine.err();
}

TEST_F(KafkaPipeline, AnEngineKilledMidStreamLosesNoAlertAndRepeatsOnlyIdenticalOnes) {
  ASSERT_EQ(test::run_sigflow({"connect", "--config", config_, "--once"}).code, 0);
  {
    test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_});
    await_messages(topic("alerts"), 1);  // it is producing: kill it before (or while) it commits
    engine.signal(SIGKILL);
    EXPECT_EQ(engine.wait(10s), 128 + SIGKILL);
  }
  test::Process restarted(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(restarted.wait_for_log("assigned")) << restarted.err();
  std::vector<std::string> alerts;
  std::set<std::string> ids;
  for (int i = 0; i < 60 && ids.size() < 16; ++i) {
    alerts = read_topic(topic("alerts"));
    ids.clear();
    for (const auto& a : test::parse_alert_lines(joined(alerts))) ids.insert(a.id);
    if (ids.size() < 16) std::this_thread::sleep_for(500ms);
  }
  restarted.signal(SIGTERM);
  ASSERT_EQ(restarted.wait(30s), 0) << restarted.err();
  EXPECT_EQ(ids.size(), 16u);  // every expected alert, by id
  test::expect_demo_alerts(test::parse_alert_lines(joined(alerts)));  // and nothing else: repeats carry the same id
}

TEST_F(KafkaPipeline, TwoEnginesInOneGroupSplitThePartitionsAndAlertOncePerEvent) {
  test::Process a(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(a.wait_for_log("assigned 3 partitions")) << a.err();
  // Each replica keeps its own outbox, so it needs its own state directory.
  test::Process b(SIGFLOW_BINARY, {"run", "--config", config_}, {{"SIGFLOW_STATE_DIR", (dir_ / "state-b").string()}});
  ASSERT_TRUE(b.wait_for_log("assigned")) << b.err();  // cooperative: a gives some partitions up
  EXPECT_TRUE(a.wait_for_log("revoked")) << a.err();
  ASSERT_EQ(test::run_sigflow({"connect", "--config", config_, "--once"}).code, 0);
  const auto alerts = await_messages(topic("alerts"), 16);
  std::this_thread::sleep_for(1s);  // a duplicate, if any, would arrive now
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  ASSERT_EQ(a.wait(30s), 0) << a.err();
  ASSERT_EQ(b.wait(30s), 0) << b.err();
  EXPECT_EQ(read_topic(topic("alerts")).size(), 16u);  // once per event, not once per engine
  test::expect_demo_alerts(test::parse_alert_lines(joined(alerts)));
  const std::size_t from_a = test::parse_alert_lines(a.out()).size();
  const std::size_t from_b = test::parse_alert_lines(b.out()).size();
  EXPECT_EQ(from_a + from_b, 16u);
}

TEST_F(KafkaPipeline, ABrokerRestartMidStreamLosesNothing) {
  // Its own broker, so stopping it does not disturb the other tests.
  test::TempDir data;
  const std::string port = std::to_string(19300 + ::getpid() % 500);
  const std::map<std::string, std::string> env = {{"SIGFLOW_KAFKA_PORT", port}, {"SIGFLOW_KAFKA_DATA", data.path().string()}};
  const std::string script = (test::source_dir() / "deploy" / "kafka" / "local-broker.sh").string();
  auto broker = [&](std::vector<std::string> args) {
    args.insert(args.begin(), script);
    test::Process p("/bin/bash", args, env);
    return p.wait(120s).value_or(-1);
  };
  ASSERT_EQ(broker({"start"}), 0);
  configure("127.0.0.1:" + port);
  test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(engine.wait_for_log("assigned 3 partitions")) << engine.err();

  ASSERT_EQ(broker({"stop", "--keep-data"}), 0);
  // The connector runs while the broker is down: its events wait in the producer (and its
  // state does not advance) until the broker is back.
  test::Process connect(SIGFLOW_BINARY, {"connect", "--config", config_, "--once"});
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(broker({"start"}), 0);
  ASSERT_EQ(connect.wait(120s), 0) << connect.err();
  const auto alerts = await_messages(topic("alerts"), 16);
  engine.signal(SIGTERM);
  EXPECT_EQ(engine.wait(60s), 0) << engine.err();
  broker({"stop"});
  std::set<std::string> ids;
  for (const auto& a : test::parse_alert_lines(joined(alerts))) ids.insert(a.id);
  EXPECT_EQ(ids.size(), 16u);
  test::expect_demo_alerts(test::parse_alert_lines(joined(alerts)));
}

TEST_F(KafkaPipeline, AConnectorKilledMidPollMissesNothingAndDuplicatesNothing) {
  test::TestHttpServer server;
  std::atomic<int> version{1};
  std::atomic<int> slow_requests{0};
  server.set_handler([&](const test::HttpRequestSeen&) -> test::HttpResponseSpec {
    std::string items;
    for (int i = 1; i <= version + 1; ++i) {
      items += fmt::format("<item><title>条目 {}</title><link>https://news.example.cn/{}</link><guid>g{}</guid></item>", i, i, i);
    }
    test::HttpResponseSpec r{200, "application/rss+xml", fmt::format("<rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>", items)};
    if (version == 2 && slow_requests++ == 0) r.delay = 5s;  // the poll the connector dies in
    return r;
  });
  configure(brokers(), fmt::format("  - {{id: news, type: feed, url: '{}', interval: 1s}}\n", server.url("/feed.xml")));
  {
    test::Process connect(SIGFLOW_BINARY, {"connect", "--config", config_});
    ASSERT_EQ(await_messages(topic("events"), 2).size(), 2u) << connect.err();
    version = 2;  // item 3 appears; the next answer is slow
    for (int i = 0; i < 500 && slow_requests == 0; ++i) std::this_thread::sleep_for(20ms);
    ASSERT_EQ(slow_requests, 1);
    connect.signal(SIGKILL);  // mid-poll: the response has not arrived
    EXPECT_EQ(connect.wait(10s), 128 + SIGKILL);
  }
  test::Process restarted(SIGFLOW_BINARY, {"connect", "--config", config_});
  const auto events = await_messages(topic("events"), 3, "%k %h\n");
  std::this_thread::sleep_for(2s);  // further polls must add nothing
  restarted.signal(SIGTERM);
  ASSERT_EQ(restarted.wait(30s), 0) << restarted.err();
  const auto all = read_topic(topic("events"), "%h\n");
  EXPECT_EQ(all.size(), 3u) << joined(all);
  std::set<std::string> ids;
  for (const auto& h : all) ids.insert(h.substr(h.find("ce_id="), 38));
  EXPECT_EQ(ids.size(), 3u) << joined(all);  // items 1, 2 and 3, each once
}

TEST_F(KafkaPipeline, ExactlyOnceAnEngineKilledMidStreamLeavesEveryAlertExactlyOnce) {
  // 3,000 events that each alert once (a rule without dedup), so the engine is still busy,
  // with a transaction open, when it is killed.
  constexpr int kEvents = 3000;
  std::string lines;
  for (int i = 0; i < kEvents; ++i) lines += fmt::format(R"({{"id": "n-{}", "title": "DeepSeek item {}"}})" "\n", i, i);
  test::write_file(dir_ / "items.jsonl", lines);
  test::write_file(dir_ / "rules.yaml", "schema_version: 1\nlists:\n  words: [DeepSeek]\nrules:\n"
                                        "  - {id: eos.every_item, signal: test, condition: any(words)}\n");
  configure(brokers(), fmt::format("  - {{id: items, type: file, url: '{}'}}\n", (dir_ / "items.jsonl").string()),
            "  exactly_once: true\n", (dir_ / "rules.yaml").string());
  ASSERT_EQ(test::run_sigflow({"connect", "--config", config_, "--once"}).code, 0);
  std::size_t before_kill = 0;
  {
    test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_});
    ASSERT_TRUE(engine.wait_for_log("exactly once")) << engine.err();
    before_kill = await_messages(topic("alerts"), 1).size();
    engine.signal(SIGKILL);
    EXPECT_EQ(engine.wait(10s), 128 + SIGKILL);
  }
  test::Process restarted(SIGFLOW_BINARY, {"run", "--config", config_});
  ASSERT_TRUE(restarted.wait_for_log("assigned")) << restarted.err();
  await_messages(topic("alerts"), kEvents);  // kcat reads committed transactions only
  std::this_thread::sleep_for(1s);
  restarted.signal(SIGTERM);
  ASSERT_EQ(restarted.wait(30s), 0) << restarted.err();
  const auto all = read_topic(topic("alerts"), "%h\n");
  std::set<std::string> events;
  for (const auto& h : all) events.insert(h.substr(h.find("sigflow.event.id=")));
  EXPECT_EQ(events.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kEvents)) << "repeats got through (" << before_kill << " visible before the kill)";
  std::cerr << "alerts visible before the kill: " << before_kill << " of " << kEvents << "\n";
}

TEST_F(KafkaPipeline, SlowAcknowledgementsPauseThePartitionsAndEverythingStillArrives) {
  // Alerts are acknowledged in batches half a second apart, and at most 2 may be in flight:
  // the engine must pause, keep polling, resume, and lose nothing.
  configure(brokers(), "", "  max_unacknowledged: 2\n  linger.ms: 500\n");
  ASSERT_EQ(test::run_sigflow({"connect", "--config", config_, "--once"}).code, 0);
  test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_});
  const auto alerts = await_messages(topic("alerts"), 16);
  engine.signal(SIGTERM);
  ASSERT_EQ(engine.wait(30s), 0) << engine.err();
  EXPECT_EQ(alerts.size(), 16u);
  test::expect_demo_alerts(test::parse_alert_lines(joined(alerts)));
  EXPECT_NE(engine.err().find("pausing"), std::string::npos) << engine.err();
  EXPECT_NE(engine.err().find("resuming"), std::string::npos) << engine.err();
}

}  // namespace
}  // namespace sigflow

namespace sigflow {
namespace {

// A standalone engine whose kafka sink produces the demo's alerts to a topic of its own:
// acknowledged by the broker before they leave the outbox, keyed by dedup key or id.
TEST(KafkaSink, DeliversEveryAlertToItsTopicKeyedWithItsIdHeader) {
  test::TempDir dir;
  const std::string prefix = fmt::format("t{}-sink", ::getpid());
  test::write_file(dir / "init.yaml", fmt::format("kafka:\n  bootstrap.servers: {}\n  partitions: 2\n  topics: {{events: {}.events, alerts: {}.out, dlq: {}.dlq}}\n",
                                                  brokers(), prefix, prefix, prefix));
  auto init = test::run_sigflow({"kafka", "init", "--config", (dir / "init.yaml").string()});
  ASSERT_EQ(init.code, 0) << init.err;
  std::string sources;
  for (const char* name : {"cloud-news.rss.xml", "intl-ai.atom.xml", "hk-finance.rdf.xml"}) {
    const std::string id = std::string(name).substr(0, std::string(name).find('.'));
    sources += fmt::format("  - {{id: {}, type: feed, url: '{}'}}\n", id, (test::source_dir() / "config" / "samples" / name).string());
  }
  test::write_file(dir / "sigflow.yaml", fmt::format("sources:\n{}rules: ['{}']\nstate: {{dir: '{}'}}\nsinks:\n"
                                                     "  - {{type: kafka, id: bus, topic: {}.out, properties: {{bootstrap.servers: '{}'}}}}\n",
                                                     sources, (test::source_dir() / "rules").string(), (dir / "state").string(), prefix, brokers()));
  auto run = test::run_sigflow({"run", "--config", (dir / "sigflow.yaml").string(), "--once"});
  ASSERT_EQ(run.code, 0) << run.err;
  current_brokers() = brokers();
  const auto lines = await_messages(prefix + ".out", 16, "%k\\t%h\\t%s\\n");
  ASSERT_EQ(lines.size(), 16u);
  std::vector<Alert> alerts;
  for (const auto& line : lines) {
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    auto alert = Alert::from_json(line.substr(tab2 + 1));
    ASSERT_TRUE(alert.ok()) << line;
    EXPECT_EQ(line.substr(0, tab1), alert->dedup_key.empty() ? alert->id : alert->dedup_key);
    EXPECT_NE(line.substr(tab1, tab2 - tab1).find("sigflow.alert.id=" + alert->id), std::string::npos) << line;
    alerts.push_back(std::move(*alert));
  }
  test::expect_demo_alerts(alerts);
}

// Sample names in a Prometheus text exposition (`name{labels} value` or `name value`).
std::set<std::string> exported_names(const std::string& exposition) {
  std::set<std::string> names;
  for (const auto& line : test::lines_of(exposition)) {
    if (line.empty() || line[0] == '#') continue;
    names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return names;
}

// Every `sigflow_…` metric name a file refers to (PromQL inside JSON or YAML).
std::set<std::string> referenced_names(const std::string& text) {
  std::set<std::string> names;
  for (std::size_t at = text.find("sigflow_"); at != std::string::npos; at = text.find("sigflow_", at + 1)) {
    if (at > 0 && (std::isalnum(static_cast<unsigned char>(text[at - 1])) || text[at - 1] == '_')) continue;
    std::size_t end = at;
    while (end < text.size() && (std::islower(static_cast<unsigned char>(text[end])) || std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
    names.insert(text.substr(at, end - at));
  }
  return names;
}

// The Grafana dashboard and the self-alerts refer only to metrics that sigflow exports: checked
// against the live /metrics of a connector and an engine whose run creates every labelled series
// they use (polls, alerts, a suppressed repeat, a refused webhook, a dead letter, consumer lag).
TEST_F(KafkaPipeline, TheDashboardAndSelfAlertsUseOnlyMetricsTheProcessesExport) {
  std::filesystem::create_directories(dir_ / "rules");
  test::write_file(dir_ / "rules" / "probe.yaml", R"(schema_version: 1
rules:
  - id: probe
    signal: probe_signal
    severity: warning
    condition: title icontains "probe"
    dedup: {key: "{title}", ttl: 1h}
    summary: "{title}"
)");
  configure(brokers(), "", "", (dir_ / "rules").string());
  test::TestHttpServer refuser;
  refuser.route("/hook", {400, "text/plain", "refused"});
  test::write_file(config_, test::read_file(config_) + fmt::format("sinks:\n  - {{id: refused, type: webhook, url: '{}'}}\n", refuser.url("/hook")));
  produce_raw(topic("events"), "junk", "this is not JSON", dir_);
  // An event straight onto the events topic, as a connector would produce it.
  auto produce_probe = [&](const std::string& id, const std::string& title) {
    Event e;
    e.id = id;
    e.source = "probe";
    e.type = "sigflow.feed.item";
    e.data.title = title;
    produce_raw(topic("events"), id, e.to_json(), dir_);
  };
  produce_probe("probe-1", "probe market signal");
  produce_probe("probe-2", "probe market signal");  // one title: a repeat
  const std::map<std::string, std::string> admin{{"SIGFLOW_ADMIN_LISTEN", "127.0.0.1:0"}};
  test::Process connect(SIGFLOW_BINARY, {"connect", "--config", config_}, admin);
  test::Process engine(SIGFLOW_BINARY, {"run", "--config", config_}, admin);
  const std::uint16_t connect_port = connect.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  const std::uint16_t engine_port = engine.wait_for_port("admin endpoint listening on http://127.0.0.1:");
  ASSERT_NE(connect_port, 0) << connect.err();
  ASSERT_NE(engine_port, 0) << engine.err();
  std::string from_connect, from_engine;
  bool provoked = false;
  for (int i = 0; i < 300 && !provoked; ++i, std::this_thread::sleep_for(200ms)) {
    from_connect = test::http_get("127.0.0.1", connect_port, "/metrics").body;
    from_engine = test::http_get("127.0.0.1", engine_port, "/metrics").body;
    provoked = from_connect.find(R"(sigflow_events_in_total{source="cloud-news"} 12)") != std::string::npos &&
               from_engine.find(R"(sigflow_alerts_suppressed_total{rule="probe"} 1)") != std::string::npos &&
               from_engine.find(R"(sigflow_kafka_dead_letters_total{reason="invalid"} 1)") != std::string::npos &&
               from_engine.find(R"(sigflow_sink_dead_letters_total{reason="http_400",sink="refused"} 1)") != std::string::npos &&
               from_engine.find("sigflow_kafka_consumer_lag{") != std::string::npos &&
               // the periodic commits are asynchronous: timed when their result arrives
               from_engine.find("sigflow_kafka_commit_duration_seconds_count 0") == std::string::npos &&
               from_engine.find("sigflow_events_processed_total 32") != std::string::npos;
  }
  ASSERT_TRUE(provoked) << "connector:\n" << from_connect << "\nengine:\n" << from_engine << "\n" << engine.err();

  std::set<std::string> exported = exported_names(from_connect);
  exported.merge(exported_names(from_engine));
  for (const char* file : {"deploy/grafana/sigflow-dashboard.json", "deploy/prometheus/sigflow-alerts.yml"}) {
    const auto used = referenced_names(test::read_file(test::source_dir() / file));
    EXPECT_GE(used.size(), 10u) << file;
    for (const auto& name : used) EXPECT_TRUE(exported.contains(name)) << file << " uses " << name << ", which no process exports";
  }
  // The engine reloads in Kafka mode too: a changed rule applies to the next message.
  test::write_file(dir_ / "rules" / "probe.yaml", test::read_file(dir_ / "rules" / "probe.yaml") + "    labels: {reloaded: 'yes'}\n");
  auto reloaded = test::http_request("POST", "127.0.0.1", engine_port, "/-/reload");
  EXPECT_EQ(reloaded.status, 200u) << reloaded.body;
  EXPECT_NE(reloaded.body.find(R"("result":"reloaded")"), std::string::npos) << reloaded.body;
  produce_probe("probe-3", "another probe");
  const auto alerts = await_messages(topic("alerts"), 2);
  ASSERT_EQ(alerts.size(), 2u);
  for (const auto& a : alerts) {  // partitions interleave: find each by its title
    const bool after = a.find("another probe") != std::string::npos;
    EXPECT_EQ(a.find(R"("labels":{"reloaded":"yes"})") != std::string::npos, after) << a;
  }
  connect.signal(SIGTERM);
  engine.signal(SIGTERM);
  EXPECT_EQ(connect.wait(30s), 0) << connect.err();
  EXPECT_EQ(engine.wait(60s), 0) << engine.err();
}


// A delivery Kafka finally refuses (here: a topic that does not exist) is final for the
// connector's producer: it stops with the error and exit code 1, so that its supervisor
// restarts it, and its source state does not advance past what Kafka acknowledged.
TEST_F(KafkaPipeline, AConnectorWhoseEventsKafkaRefusesStopsWithTheError) {
  std::string yaml = test::read_file(config_);
  const std::string events = fmt::format("events: {}.events", prefix_);
  yaml.replace(yaml.find(events), events.size(), fmt::format("events: {}.missing", prefix_));
  yaml.replace(yaml.find("  session.timeout.ms"), 0, "  message.timeout.ms: 3000\n");
  test::write_file(config_, yaml);
  test::Process connect(SIGFLOW_BINARY, {"connect", "--config", config_});
  const auto code = connect.wait(60s);
  ASSERT_TRUE(code.has_value()) << "the connector did not stop\n" << connect.err();
  EXPECT_EQ(*code, 1) << connect.err();
  EXPECT_NE(connect.err().find(fmt::format("error: delivery to {}.missing failed", prefix_)), std::string::npos) << connect.err();
  EXPECT_NE(connect.err().find("a restart resumes from the last events Kafka acknowledged"), std::string::npos) << connect.err();
  EXPECT_NE(connect.err().find("sigflow connect: 3 sources"), std::string::npos) << connect.err();
  // Nothing was remembered as delivered: on the real topic, every item goes out.
  test::write_file(config_, yaml.replace(yaml.find(fmt::format("events: {}.missing", prefix_)), events.size() + 1, events));
  auto again = test::run_sigflow({"connect", "--config", config_, "--once"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.err.find("30 events to Kafka"), std::string::npos) << again.err;
}

}  // namespace
}  // namespace sigflow
