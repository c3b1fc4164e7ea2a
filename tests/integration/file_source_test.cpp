// The file connector: JSON lines backfills (CloudEvents or mapped objects, bad lines rejected
// with their position), tailing with partial lines, restarts and rotation, and feed files.
#include <gtest/gtest.h>

#include <fstream>

#include "sigflow/state_store.hpp"
#include "support/source_harness.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

void append(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::app | std::ios::binary);
  out << text;
}

std::vector<std::string> titles(const PollBatch& b) {
  std::vector<std::string> t;
  for (const auto& e : b.events) t.push_back(e.data.title);
  return t;
}

const char* kCloudEvent =
    R"({"specversion":"1.0","id":"e-1","source":"archive","type":"sigflow.feed.item","data":{"title":"归档事件","url":"https://a.example/1","guid":"1"}})";

TEST(FileSource, BackfillReadsCloudEventsAndMappedLinesAndRejectsBadOnesWithTheirPosition) {
  test::TempDir dir;
  const auto path = dir / "backfill.jsonl";
  test::write_file(path, std::string(kCloudEvent) + "\n" +
                             R"({"id": 7, "headline": "UCloud 上线 DeepSeek", "ts": 1738636200})" + "\n" +
                             "{not json\n\n" + R"({"id": 8, "headline": "第二条", "ts": 1738636300})" + "\n");
  test::SourceHarness harness;
  auto source = harness.make("file", "file://" + path.string(),
                             {.settings = {{"title", "headline"}, {"time", "ts"}, {"time_format", "epoch_s"}}, .id = "backfill"});
  auto batch = harness.poll_and_commit(*source);
  EXPECT_EQ(titles(batch), (std::vector<std::string>{"归档事件", "UCloud 上线 DeepSeek", "第二条"}));
  EXPECT_EQ(batch.events[0].id, "e-1");  // CloudEvents lines keep their identity
  EXPECT_EQ(batch.events[1].time, "2025-02-04T02:30:00Z");
  EXPECT_EQ(batch.events[1].type, "sigflow.file.item");
  ASSERT_EQ(batch.rejected.size(), 1u);
  EXPECT_NE(batch.rejected[0].find("backfill.jsonl at byte "), std::string::npos) << batch.rejected[0];
  EXPECT_NE(batch.rejected[0].find("not valid JSON"), std::string::npos) << batch.rejected[0];
  EXPECT_TRUE(harness.poll_and_commit(*source).unchanged);

  append(path, R"({"id": 9, "headline": "第三条"})" "\n");
  EXPECT_EQ(titles(harness.poll_and_commit(*source)), (std::vector<std::string>{"第三条"}));  // the rest were delivered
}

TEST(FileSource, TailReadsCompleteLinesAcrossRestartsAndStartsOverAfterRotation) {
  test::TempDir dir;
  const auto path = dir / "stream.jsonl";
  const auto state_dir = (dir / "state").string();
  const test::SourceOptions options{.settings = {{"tail", "true"}}, .id = "stream"};
  test::write_file(path, R"({"id": 1, "title": "one"})" "\n" R"({"id": 2, "title": "tw)");  // the second line is still being written
  {
    auto store = open_rocksdb_state_store(state_dir, std::chrono::hours(24));
    ASSERT_TRUE(store.ok());
    test::SourceHarness harness(std::move(store.value()));
    auto source = harness.make("file", "file://" + path.string(), options);
    EXPECT_EQ(titles(harness.poll_and_commit(*source)), (std::vector<std::string>{"one"}));
    append(path, R"(o"})" "\n" R"({"id": 3, "title": "three"})" "\n");
    auto undelivered = source->poll();  // read, then "crash" before hand-off
    ASSERT_TRUE(undelivered.ok());
    EXPECT_EQ(titles(*undelivered), (std::vector<std::string>{"two", "three"}));
  }
  auto store = open_rocksdb_state_store(state_dir, std::chrono::hours(24));
  ASSERT_TRUE(store.ok());
  test::SourceHarness harness(std::move(store.value()));
  auto source = harness.make("file", "file://" + path.string(), options);
  EXPECT_EQ(titles(harness.poll_and_commit(*source)), (std::vector<std::string>{"two", "three"}));  // nothing missed
  EXPECT_TRUE(harness.poll_and_commit(*source).unchanged);                                       // nothing repeated

  // Rotation: a new file under the same name is read from its start.
  std::filesystem::rename(path, dir / "stream.jsonl.1");
  test::write_file(path, R"({"id": 4, "title": "four"})" "\n");
  EXPECT_EQ(titles(harness.poll_and_commit(*source)), (std::vector<std::string>{"four"}));
}

TEST(FileSource, FeedFilesAndConfigMistakes) {
  test::SourceHarness harness;
  auto feed = harness.make("file", "file://" + test::fixture("feeds/gbk.xml").string(), {.id = "gbk-file"});
  auto batch = harness.poll_and_commit(*feed);
  EXPECT_FALSE(batch.events.empty());
  EXPECT_EQ(batch.events[0].type, "sigflow.feed.item");

  auto missing = harness.make("file", "file:///nonexistent/x.jsonl", {.id = "missing"});
  auto r = missing->poll();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "fetch.io");
  EXPECT_NE(r.error().message.find("/nonexistent/x.jsonl"), std::string::npos);

  auto http = harness.try_make("file", "http://example.com/x.jsonl", {.id = "h"});
  ASSERT_FALSE(http.ok());
  EXPECT_NE(http.error().message.find("source 'h': url must be a local path"), std::string::npos);
  auto tail_feed = harness.try_make("file", "file:///x.xml", {.settings = {{"tail", "true"}}, .id = "t"});
  ASSERT_FALSE(tail_feed.ok());
  EXPECT_NE(tail_feed.error().message.find("tail works with JSON lines"), std::string::npos);
}

}  // namespace
}  // namespace sigflow
