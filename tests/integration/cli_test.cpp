// The sigflow binary's CLI contract: subcommands, messages and exit codes (0 ok, 1 failure
// found, 2 usage or configuration error).
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sigflow/event.hpp"
#include "support/process.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

using test::run_sigflow;

TEST(Cli, VersionAndHelp) {
  auto v = run_sigflow({"version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("sigflow ", 0), 0u);
  for (const char* sub : {"run", "rules", "feed", "replay", "connect"}) {
    auto h = run_sigflow({sub, "--help"});
    EXPECT_EQ(h.code, 0) << sub;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << sub;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_sigflow({}).code, 2);
  EXPECT_EQ(run_sigflow({"frobnicate"}).code, 2);
  auto no_config = run_sigflow({"run"}, {{"SIGFLOW_CONFIG", ""}});
  EXPECT_EQ(no_config.code, 2);
  EXPECT_NE(no_config.err.find("--config"), std::string::npos);
}

TEST(Cli, RunWithABadConfigExitsTwoAndSaysWhere) {
  test::TempDir dir;
  test::write_file(dir / "bad.yaml", "rules: [r.yaml]\nsources:\n  - id: a\n    type: feed\n    url: x.xml\n    intervall: 5m\n");
  auto r = run_sigflow({"run", "--config", (dir / "bad.yaml").string(), "--once"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find((dir / "bad.yaml").string() + ":6:5: error: unknown key 'intervall'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  test::write_file(dir / "range.yaml", "rules: ['" + (test::source_dir() / "rules").string() +
                                           "']\nsources:\n  - {id: a, type: feed, url: x.xml, unique_by: title}\n");
  auto range = run_sigflow({"run", "--config", (dir / "range.yaml").string(), "--once"});
  EXPECT_EQ(range.code, 2);
  EXPECT_NE(range.err.find("source 'a': unique_by must be guid, link, title_link or data.<field>, not 'title'"), std::string::npos) << range.err;

  auto missing = run_sigflow({"run", "--config", (dir / "nope.yaml").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("cannot read file"), std::string::npos) << missing.err;
}

TEST(Cli, RulesCheckReportsErrorsAsFileLineColumn) {
  test::TempDir dir;
  test::write_file(dir / "r.yaml", "schema_version: 1\nlists:\n  verbs: [上线]\nrules:\n  - id: r\n    signal: s\n    condition: any(verbz)\n");
  auto bad = run_sigflow({"rules", "check", (dir / "r.yaml").string()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find((dir / "r.yaml").string() + ":7:20: error: unknown list 'verbz'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("                     ^"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("1 error"), std::string::npos);

  auto good = run_sigflow({"rules", "check", (test::source_dir() / "rules").string()});
  EXPECT_EQ(good.code, 0) << good.err;
  EXPECT_NE(good.out.find("rules check: ok:"), std::string::npos);
}

TEST(Cli, RulesTestReportsEachFailureAndASummary) {
  test::TempDir dir;
  test::write_file(dir / "r.yaml", R"(schema_version: 1
lists:
  round: [融资, raised]
rules:
  - {id: funding, signal: funding_round, condition: any(round), extract: {amount: money}}
tests:
  - name: passes
    event: {title: "智谱完成 12 亿元融资"}
    expect:
      - {signal: funding_round, entities: {currency: [CNY], amount: ["1200000000"]}}
  - name: wrong amount
    event: {title: "智谱完成 12 亿元融资"}
    expect:
      - {signal: funding_round, entities: {amount: ["5"]}}
  - name: should be silent
    event: {title: "Mistral raised $600 million"}
    expect: []
)");
  auto r = run_sigflow({"rules", "test", (dir / "r.yaml").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("FAIL " + (dir / "r.yaml").string() + ":11: test 'wrong amount'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expected funding_round amount=[5], not raised"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("unexpected alert funding_round (funding)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL " + (dir / "r.yaml").string() + ":7:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1 passed, 2 failed\n"), std::string::npos) << r.out;

  auto explained = run_sigflow({"rules", "test", "--explain", (dir / "r.yaml").string()});
  EXPECT_NE(explained.out.find("| rule funding: fired"), std::string::npos) << explained.out;
  EXPECT_NE(explained.out.find("any(round): true  [融资 in title]"), std::string::npos) << explained.out;
}

TEST(Cli, ShippedRulePacksPassTheirInlineTests) {
  auto r = run_sigflow({"rules", "test", (test::source_dir() / "rules").string()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos) << r.out;
}

TEST(Cli, ReplayRunsRulesOverAnArchiveAndCountsBadLines) {
  test::TempDir dir;
  std::string archive;
  for (const char* feed : {"cloud-news.rss.xml", "intl-ai.atom.xml", "hk-finance.rdf.xml"}) {
    auto parsed = run_sigflow({"feed", "parse", (test::source_dir() / "config" / "samples" / feed).string()});
    ASSERT_EQ(parsed.code, 0);
    archive += parsed.out;
  }
  archive += "{\"not\": \"an event\"}\n";
  test::write_file(dir / "events.jsonl", archive);
  auto r = run_sigflow({"replay", "--rules", (test::source_dir() / "rules").string(), (dir / "events.jsonl").string()});
  EXPECT_EQ(r.code, 1);  // one bad line
  EXPECT_NE(r.err.find("events.jsonl:31: error: missing required field 'specversion'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("replay: 30 events,"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("model_onboarding.cloud_platform"), std::string::npos) << r.err;
  auto once = run_sigflow({"run", "--config", (test::source_dir() / "config" / "sigflow.yaml").string(), "--once"});
  EXPECT_EQ(test::lines_of(r.out).size(), test::lines_of(once.out).size());  // the same events give the same alerts as a live run

  auto feed = run_sigflow({"replay", "--rules", (test::source_dir() / "rules").string(),
                           (test::source_dir() / "config" / "samples" / "cloud-news.rss.xml").string(), "--no-dedup"});
  EXPECT_EQ(feed.code, 0) << feed.err;
  EXPECT_NE(feed.err.find("replay: 12 events,"), std::string::npos) << feed.err;
}

TEST(Cli, ConnectListsTypesAndRunsSourcesWithoutRules) {
  auto types = run_sigflow({"connect", "--list-types"});
  EXPECT_EQ(types.code, 0);
  EXPECT_NE(types.out.find("feed\n  RSS 2.0"), std::string::npos) << types.out;
  EXPECT_NE(types.out.find("unique_by"), std::string::npos) << types.out;
  EXPECT_NE(types.out.find("(required)"), std::string::npos) << types.out;

  test::TempDir dir;
  test::write_file(dir / "c.yaml", "sources:\n  - {id: hk, type: feed, url: '" +
                                       (test::source_dir() / "config" / "samples" / "hk-finance.rdf.xml").string() + "'}\n");
  auto r = run_sigflow({"connect", "--config", (dir / "c.yaml").string(), "--once"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto lines = test::lines_of(r.out);
  for (const auto& line : lines) {
    auto e = Event::from_json(line);
    ASSERT_TRUE(e.ok()) << e.error().message;
    EXPECT_EQ(e->source, "hk");
  }
  EXPECT_EQ(lines.size(), 8u);
  EXPECT_NE(r.err.find("sigflow connect: 1 sources, 1 polls (0 failed), 8 events"), std::string::npos) << r.err;
  EXPECT_EQ(run_sigflow({"connect"}, {{"SIGFLOW_CONFIG", ""}}).code, 2);
}

// A docs page carries the --markdown tables of a listing command; they must match the code.
void expect_docs_carry_tables(const std::vector<std::string>& command, const std::string& page, std::size_t types) {
  auto tables = run_sigflow(command);
  ASSERT_EQ(tables.code, 0);
  const std::string docs = test::read_file(test::source_dir() / "docs" / page);
  std::size_t count = 0;
  for (std::size_t pos = tables.out.find("### "); pos != std::string::npos; ++count) {
    const std::size_t next = tables.out.find("### ", pos + 4);
    const std::string table = tables.out.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    EXPECT_NE(docs.find(table), std::string::npos)
        << "docs/" << page << " is out of date; regenerate the table from `sigflow " << fmt::format("{}", fmt::join(command, " ")) << "`:\n" << table;
    pos = next;
  }
  EXPECT_EQ(count, types);
}

TEST(Cli, ConnectorDocsCarryEveryTypesCurrentSettingsTable) {
  expect_docs_carry_tables({"connect", "--list-types", "--markdown"}, "connectors.md", 5);
}

TEST(Cli, SinkDocsCarryEveryTypesCurrentSettingsTable) {
  expect_docs_carry_tables({"sinks", "--list-types", "--markdown"}, "sinks.md", 10);  // delivery keys + 9 types
}

TEST(Cli, FeedParsePrintsOneEventPerItem) {
  auto r = run_sigflow({"feed", "parse", test::fixture("feeds/rdf-basic.xml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<Event> events;
  for (const auto& line : test::lines_of(r.out)) {
    auto e = Event::from_json(line);
    ASSERT_TRUE(e.ok()) << e.error().message;
    events.push_back(*e);
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data.title, "星瀾智能完成 1000 萬人民幣天使輪融資");
  EXPECT_EQ(events[0].data.url, "https://finance.example.hk/fixtures/2025/02/12/angel");
  EXPECT_EQ(events[0].time, "2025-02-12T01:30:00Z");
  EXPECT_EQ(events[0].data.guid, "https://finance.example.hk/fixtures/2025/02/12/angel");
  EXPECT_EQ(events[0].data.authors, std::vector<std::string>{"陳嘉欣"});
  EXPECT_EQ(events[0].data.categories, std::vector<std::string>{"融資"});

  auto not_feed = run_sigflow({"feed", "parse", test::fixture("feeds/not-a-feed.xml").string()});
  EXPECT_EQ(not_feed.code, 1);
  EXPECT_NE(not_feed.err.find("not an RSS, RDF or Atom feed"), std::string::npos);
  auto missing = run_sigflow({"feed", "parse", "/nonexistent/feed.xml"});
  EXPECT_EQ(missing.code, 1);
}

}  // namespace
}  // namespace sigflow
