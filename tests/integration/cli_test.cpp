// The sigflow binary's CLI contract: subcommands, messages and exit codes (0 ok, 1 failure
// found, 2 usage or configuration error).
#include <gtest/gtest.h>

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
  for (const char* sub : {"run", "rules", "feed"}) {
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
                                           "']\nsources:\n  - {id: a, type: feed, url: x.xml, remember_items: 0}\n");
  auto range = run_sigflow({"run", "--config", (dir / "range.yaml").string(), "--once"});
  EXPECT_EQ(range.code, 2);
  EXPECT_NE(range.err.find("source 'a': remember_items must be at least 1"), std::string::npos) << range.err;

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

TEST(Cli, FeedParsePrintsOneEventPerItem) {
  auto r = run_sigflow({"feed", "parse", test::fixture("feeds/rdf-basic.xml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<Event> events;
  std::size_t start = 0;
  while (start < r.out.size()) {
    const auto end = r.out.find('\n', start);
    auto e = Event::from_json(r.out.substr(start, end - start));
    ASSERT_TRUE(e.ok()) << e.error().message;
    events.push_back(*e);
    start = end + 1;
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
