#include "config/app_config.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "connectors.hpp"
#include "sinks/builtin_sinks.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

class AppConfigTest : public ::testing::Test {
 protected:
  AppConfigTest() {
    register_builtin_connectors(registry_);
    register_builtin_sinks(sinks_);
  }
  LoadResult<AppConfig> load(const std::string& yaml, const Environment& env = {}) {
    test::write_file(dir_ / "sigflow.yaml", yaml);
    return load_app_config((dir_ / "sigflow.yaml").string(), registry_, sinks_, env);
  }
  static std::string first_error(const LoadResult<AppConfig>& r) {
    for (const auto& d : r.diagnostics) {
      if (d.level == Diagnostic::Level::error) return format_diagnostic(d, false);
    }
    return "(no error)";
  }
  std::string file() const { return (dir_ / "sigflow.yaml").string(); }

  test::TempDir dir_;
  SourceRegistry registry_;
  SinkRegistry sinks_;
};

TEST_F(AppConfigTest, LoadsAFullConfigWithDefaultsAndResolvedPaths) {
  auto r = load(R"(sources:
  - id: news
    type: feed
    url: samples/news.xml
    interval: 30s
    timeout: 5s
  - id: remote
    type: feed
    url: https://news.example.cn/rss
rules: [../rules, extra.yaml]
sinks:
  - type: stdout
  - type: file
    path: out/alerts.jsonl
admin:
  listen: 0.0.0.0:9000
bus:
  capacity: 64
log:
  level: debug
currency_rates:
  CNY: 0.14
)");
  ASSERT_TRUE(r.value) << first_error(r);
  const AppConfig& c = *r.value;
  ASSERT_EQ(c.sources.size(), 2u);
  EXPECT_EQ(c.sources[0].url, "file://" + (dir_ / "samples/news.xml").string());
  EXPECT_EQ(c.sources[0].interval.count(), 30'000);
  EXPECT_EQ(c.sources[0].settings.get_duration("timeout").count(), 5'000);
  EXPECT_EQ(c.sources[0].settings.get_size("max_bytes"), 16u << 20);  // default filled in
  EXPECT_EQ(c.sources[1].url, "https://news.example.cn/rss");
  EXPECT_EQ(c.sources[1].interval.count(), 300'000);
  EXPECT_EQ(c.rule_paths[0], dir_.path().parent_path().string() + "/rules");
  EXPECT_EQ(c.sinks[1].settings.get("path"), (dir_ / "out/alerts.jsonl").string());
  EXPECT_EQ(c.admin.host, "0.0.0.0");
  EXPECT_EQ(c.admin.port, 9000);
  EXPECT_EQ(c.bus_capacity, 64u);
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.currency_rates.at("CNY"), 0.14);
}

TEST_F(AppConfigTest, SinksDefaultToStdout) {
  auto r = load("rules: [r.yaml]\n");
  ASSERT_TRUE(r.value) << first_error(r);
  ASSERT_EQ(r.value->sinks.size(), 1u);
  EXPECT_EQ(r.value->sinks[0].type, "stdout");
}

TEST_F(AppConfigTest, ErrorsNameTheKeyAndLine) {
  const std::pair<std::string, std::string> cases[] = {
      {"rules: [r.yaml]\nsoruces: []\n", ":2:1: error: unknown key 'soruces' in the configuration"},
      {"rules: [r.yaml]\nsources:\n  - id: a\n    type: feed\n    url: x.xml\n    intervall: 5m\n",
       ":6:5: error: unknown key 'intervall' in source 'a'"},
      {"rules: [r.yaml]\nsources:\n  - id: a\n    type: feed\n    url: x.xml\n    interval: soon\n",
       ":6:15: error: 'interval' in source 'a': 'soon' is not a duration"},
      {"rules: [r.yaml]\nsources:\n  - id: a\n    type: feed\n    url: x.xml\n    timeout: [1]\n",
       ":6:14: error: 'timeout' in source 'a' must be a duration, found a list"},
      {"rules: [r.yaml]\nsources:\n  - id: a\n    type: fede\n    url: x.xml\n",
       ":4:11: error: source 'a': unknown source type 'fede' (known types: "},
      {"rules: [r.yaml]\nsources:\n  - id: a\n    type: feed\n", ":3:5: error: source 'a' is missing required key 'url'"},
      {"rules: [r.yaml]\nsources:\n  - {id: a, type: feed, url: x}\n  - {id: a, type: feed, url: y}\n",
       ":4:10: error: duplicate source id 'a'"},
      {"rules: [r.yaml]\nsinks:\n  - type: file\n", ":3:5: error: sink 'file' is missing required key 'path'"},
      {"rules: [r.yaml]\nadmin:\n  listen: localhost\n", ":3:11: error: 'admin.listen' must be an IP address and port"},
      {"rules: [r.yaml]\nbus:\n  capacity: -1\n", ":3:13: error: 'capacity' in 'bus' must be a positive integer"},
      {"sources: []\n", "sigflow.yaml: error: no rules configured"},
      {"rules: [r.yaml]\nsources:\n  - id: a\n    type: http_json\n    url: http://x/\n    id: noticeId\n",
       ":6:5: error: duplicate key 'id' (first at line 3); the later value would be ignored"},
      {"rules: [r.yaml]\ncurrency_rates:\n  yuan: 0.14\n", ":3:3: error: 'yuan' in 'currency_rates' is not an ISO 4217 code"},
      {"rules: [r.yaml]\ncurrency_rates:\n  CNY: -1\n", ":3:8: error: 'currency_rates.CNY' must be a positive number"},
      {"rules: [r.yaml\n", ":2:1: error:"},
      {"rules: [r.yaml]\nsinks:\n  - {type: webhook, url: 'ftp://x'}\n", "error: sink 'webhook': 'url' must start with http:// or https://"},
      {"rules: [r.yaml]\nsinks:\n  - {type: webhook, url: 'http://x', template: '{\"a\": \"{sumary}\"}'}\n",
       "error: sink 'webhook': unknown placeholder '{sumary}' in template"},
      {"rules: [r.yaml]\nsinks:\n  - {type: webhook, url: 'http://x', template: '{\"a\": {summary}}'}\n",
       "error: sink 'webhook': the template does not render valid JSON"},
      {"rules: [r.yaml]\nsinks:\n  - {type: slack, url: 'http://x', rate_limit: fast}\n",
       "error: sink 'slack': rate_limit must be messages per period such as 20/1m or 5/1s, found 'fast'"},
      {"rules: [r.yaml]\nsinks:\n  - {type: stdout, group_by: [team]}\n", "error: sink 'stdout': group_by: unknown alert field 'team'"},
      {"rules: [r.yaml]\nsinks:\n  - {type: stdout, id: 'a b'}\n", "error: sink 'a b': id may contain only letters"},
      {"rules: [r.yaml]\nroutes:\n  - match: {signal: x}\n    sinks: [stdout]\n", ":3:3: error: 'routes' must end with a default route"},
      {"rules: [r.yaml]\nroutes:\n  - sinks: [stdout]\n  - match: {signal: x}\n    sinks: [stdout]\n",
       ":4:5: error: the route at line 4 comes after the default route"},
      {"rules: [r.yaml]\nroutes:\n  - sinks: [pager]\n", ":3:12: error: the route at line 3: no sink has the id 'pager' (sinks: stdout)"},
      {"rules: [r.yaml]\nroutes:\n  - match: {severity: urgent}\n    sinks: [stdout]\n  - sinks: [stdout]\n",
       "error: the route at line 3: unknown severity 'urgent'"},
      {"rules: [r.yaml]\nroutes:\n  - match: {sigal: x}\n    sinks: [stdout]\n  - sinks: [stdout]\n", "unknown key 'sigal' in 'match'"},
      {"rules: [r.yaml]\nroutes:\n  - {}\n", "is missing 'sinks'"},
  };
  for (const auto& [yaml, expected] : cases) {
    auto r = load(yaml);
    EXPECT_FALSE(r.value) << yaml;
    EXPECT_NE(first_error(r).find(expected), std::string::npos) << "config:\n" << yaml << "\ngot: " << first_error(r);
  }
}

TEST_F(AppConfigTest, EnvironmentOverridesSettings) {
  const std::string yaml = "sources:\n  - {id: cloud-news, type: feed, url: a.xml}\nrules: [r.yaml]\nsinks:\n  - {type: file, id: archive, path: a.jsonl}\n";
  auto r = load(yaml, {{"SIGFLOW_ADMIN_LISTEN", "127.0.0.1:0"},
                       {"SIGFLOW_RULES", "/etc/sigflow/rules,more.yaml"},
                       {"SIGFLOW_SOURCE_CLOUD_NEWS_INTERVAL", "10s"},
                       {"SIGFLOW_SOURCE_CLOUD_NEWS_MAX_BYTES", "1MiB"},
                       {"SIGFLOW_SINK_ARCHIVE_PATH", "/var/lib/sigflow/alerts.jsonl"},
                       {"SIGFLOW_LOG_LEVEL", "warn"}});
  ASSERT_TRUE(r.value) << first_error(r);
  const AppConfig& c = *r.value;
  EXPECT_EQ(c.admin.port, 0);
  EXPECT_EQ(c.rule_paths, (std::vector<std::string>{"/etc/sigflow/rules", (dir_ / "more.yaml").string()}));
  EXPECT_EQ(c.sources[0].interval.count(), 10'000);
  EXPECT_EQ(c.sources[0].settings.get_size("max_bytes"), 1u << 20);
  EXPECT_EQ(c.sources[0].settings.get_duration("timeout").count(), 30'000);  // untouched keys keep their values
  EXPECT_EQ(c.sinks[0].settings.get("path"), "/var/lib/sigflow/alerts.jsonl");
  EXPECT_EQ(c.log_level, "warn");
}

TEST_F(AppConfigTest, BadEnvironmentOverridesAreErrorsNamingTheVariable) {
  const std::string yaml = "sources:\n  - {id: news, type: feed, url: a.xml}\nrules: [r.yaml]\n";
  EXPECT_NE(first_error(load(yaml, {{"SIGFLOW_SOURCE_NEWS_TIMEOUT", "forever"}})).find("environment SIGFLOW_SOURCE_NEWS_TIMEOUT"),
            std::string::npos);
  EXPECT_NE(first_error(load(yaml, {{"SIGFLOW_SOURCE_NEWS_COLOUR", "red"}})).find("'colour' is not a setting of source 'news'"),
            std::string::npos);
  EXPECT_NE(first_error(load(yaml, {{"SIGFLOW_SOURCE_OTHER_URL", "x"}})).find("names no configured source"), std::string::npos);
  EXPECT_NE(first_error(load(yaml, {{"SIGFLOW_ADMIN_LISTEN", "nope"}})).find("must be an IP address and port"), std::string::npos);
  // A sink's own checks see the overridden value too.
  const std::string hooks = "rules: [r.yaml]\nsinks:\n  - {type: webhook, id: hook, url: 'http://x'}\n";
  EXPECT_NE(first_error(load(hooks, {{"SIGFLOW_SINK_HOOK_TEMPLATE", "{\"a\": {summary}}"}})).find("sink 'hook': the template does not render valid JSON"),
            std::string::npos);
  EXPECT_NE(first_error(load(hooks, {{"SIGFLOW_SINK_HOOK_URL", "ftp://x"}})).find("sink 'hook': 'url' must start with http://"), std::string::npos);
}

TEST_F(AppConfigTest, EnvironmentNamesResolveToTheLongestMatchingId) {
  const std::string yaml = "sources:\n  - {id: a, type: feed, url: a.xml}\n  - {id: a_b, type: feed, url: b.xml}\nrules: [r.yaml]\n";
  auto r = load(yaml, {{"SIGFLOW_SOURCE_A_B_URL", "https://b.example/rss"}, {"SIGFLOW_SOURCE_A_URL", "https://a.example/rss"}});
  ASSERT_TRUE(r.value) << first_error(r);
  EXPECT_EQ(r.value->sources[0].url, "https://a.example/rss");
  EXPECT_EQ(r.value->sources[1].url, "https://b.example/rss");

  auto clash = load("sources:\n  - {id: news-cn, type: feed, url: a.xml}\n  - {id: news_cn, type: feed, url: b.xml}\nrules: [r.yaml]\n");
  EXPECT_NE(first_error(clash).find("source ids 'news-cn' and 'news_cn' map to the same environment variable prefix"),
            std::string::npos)
      << first_error(clash);
}

TEST_F(AppConfigTest, EnvironmentIntervalKeepsTheOneSecondMinimumAndUnknownNamesWarn) {
  const std::string yaml = "sources:\n  - {id: news, type: feed, url: a.xml}\nrules: [r.yaml]\n";
  EXPECT_NE(first_error(load(yaml, {{"SIGFLOW_SOURCE_NEWS_INTERVAL", "0s"}})).find("at least 1s"), std::string::npos);
  auto typo = load(yaml, {{"SIGFLOW_LOGLEVEL", "debug"}});
  ASSERT_TRUE(typo.value);
  ASSERT_EQ(typo.diagnostics.size(), 1u);
  EXPECT_EQ(typo.diagnostics[0].level, Diagnostic::Level::warning);
  EXPECT_NE(format_diagnostic(typo.diagnostics[0]).find("environment SIGFLOW_LOGLEVEL"), std::string::npos);
  // The implicit stdout sink exists before overrides apply.
  EXPECT_NE(first_error(load(yaml, {{"SIGFLOW_SINK_STDOUT_PATH", "x"}})).find("'path' is not a setting of sink 'stdout'"),
            std::string::npos);
}

TEST_F(AppConfigTest, AdminListenMustBeAnIpAddress) {
  EXPECT_NE(first_error(load("rules: [r.yaml]\nadmin:\n  listen: localhost:9464\n")).find("must be an IP address and port"),
            std::string::npos);
  auto v6 = load("rules: [r.yaml]\nadmin:\n  listen: '[::1]:9464'\n");
  ASSERT_TRUE(v6.value) << first_error(v6);
  EXPECT_EQ(v6.value->admin.host, "::1");
}

TEST_F(AppConfigTest, ReloadWatchesByDefaultAndTakesADebounceUpToAMinute) {
  auto defaults = load("rules: [r.yaml]\n");
  ASSERT_TRUE(defaults.value) << first_error(defaults);
  EXPECT_TRUE(defaults.value->reload.watch);
  EXPECT_EQ(defaults.value->reload.debounce, std::chrono::seconds(1));
  auto set = load("rules: [r.yaml]\nreload:\n  watch: false\n  debounce: 250ms\n");
  ASSERT_TRUE(set.value) << first_error(set);
  EXPECT_FALSE(set.value->reload.watch);
  EXPECT_EQ(set.value->reload.debounce, std::chrono::milliseconds(250));
  EXPECT_EQ(first_error(load("rules: [r.yaml]\nreload:\n  debounce: 2m\n")),
            file() + ":3:13: error: 'reload.debounce' must be a duration up to 1m, such as 1s");
  EXPECT_NE(first_error(load("rules: [r.yaml]\nreload:\n  watch: yes\n")).find("true or false"), std::string::npos);
  EXPECT_NE(first_error(load("rules: [r.yaml]\nreload:\n  poll: 1s\n")).find("unknown key 'poll' in 'reload'"), std::string::npos);
}

TEST_F(AppConfigTest, KafkaSectionPassesLibrdkafkaPropertiesThroughAndChecksItsOwnKeys) {
  auto r = load(R"(rules: [r.yaml]
kafka:
  bootstrap.servers: k1:9092,k2:9092
  sasl.password: ${env:KAFKA_PASSWORD}
  topics: {events: e, alerts: a, dlq: d}
  partitions: 12
  retention: 3d
  max_event_bytes: 64KiB
  max_unacknowledged: 10
  exactly_once: true
)");
  ASSERT_TRUE(r.value) << first_error(r);
  const KafkaConfig& k = *r.value->kafka;
  EXPECT_EQ(k.properties.at("bootstrap.servers"), "k1:9092,k2:9092");
  EXPECT_EQ(k.properties.at("sasl.password"), "${env:KAFKA_PASSWORD}");  // resolved when a client is made
  EXPECT_EQ(k.topics.events, "e");
  EXPECT_EQ(k.topics.dlq, "d");
  EXPECT_EQ(k.partitions, 12);
  EXPECT_EQ(k.retention, std::chrono::hours(72));
  EXPECT_EQ(k.max_event_bytes, 64u * 1024);
  EXPECT_EQ(k.max_unacknowledged, 10u);
  EXPECT_TRUE(k.exactly_once);

  EXPECT_NE(first_error(load("rules: [r.yaml]\nkafka:\n  bootstrap.servers: k:1\n  brokers: k:1\n")).find("unknown key 'brokers' in 'kafka'"),
            std::string::npos);
  EXPECT_NE(first_error(load("rules: [r.yaml]\nkafka:\n  group.id: g\n")).find("'kafka' needs bootstrap.servers"), std::string::npos);
  EXPECT_NE(first_error(load("rules: [r.yaml]\nkafka:\n  bootstrap.servers: k:1\n  retention: soon\n")).find("'kafka.retention' must be a duration"),
            std::string::npos);

  // SIGFLOW_KAFKA_BROKERS alone turns Kafka mode on.
  auto env = load("rules: [r.yaml]\n", {{"SIGFLOW_KAFKA_BROKERS", "127.0.0.1:19092"}});
  ASSERT_TRUE(env.value) << first_error(env);
  ASSERT_TRUE(env.value->kafka.has_value());
  EXPECT_EQ(env.value->kafka->properties.at("bootstrap.servers"), "127.0.0.1:19092");
  EXPECT_FALSE(load("rules: [r.yaml]\n").value->kafka.has_value());
}

TEST_F(AppConfigTest, ShippedConfigFilesValidate) {
  std::size_t checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::source_dir() / "config")) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = load_app_config(entry.path().string(), registry_, sinks_, {});
    EXPECT_TRUE(r.value) << entry.path() << ": " << first_error(r);
    for (const auto& d : r.diagnostics) EXPECT_NE(d.level, Diagnostic::Level::warning) << entry.path() << ": " << d.message;
    ++checked;
  }
  EXPECT_GE(checked, 3u);
}

}  // namespace
}  // namespace sigflow
