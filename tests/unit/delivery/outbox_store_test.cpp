#include "delivery/outbox_store.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/test_paths.hpp"

namespace sigflow::delivery {
namespace {

OutboxRecord record(std::string key, std::string json, std::int64_t enqueued_ms = 1'700'000'000'000) {
  return OutboxRecord{0, std::move(key), enqueued_ms, std::move(json)};
}

std::vector<std::uint64_t> seqs_of(const std::vector<OutboxRecord>& records) {
  std::vector<std::uint64_t> out;
  for (const auto& r : records) out.push_back(r.seq);
  return out;
}

std::vector<std::string> keys_of(const std::vector<OutboxRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.key);
  return out;
}

// The same contract for both backends.
class OutboxStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "rocksdb") {
      auto opened = open_rocksdb_outbox((dir_ / "outbox").string());
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      store_ = std::move(*opened);
    } else {
      store_ = make_memory_outbox();
    }
  }

  std::uint64_t append(const std::string& sink, const std::string& key, const std::string& json = "{}") {
    auto seq = store_->append(sink, record(key, json));
    EXPECT_TRUE(seq.ok()) << seq.error().message;
    return seq.ok() ? *seq : 0;
  }

  std::vector<OutboxRecord> pending(const std::string& sink) {
    auto p = store_->pending(sink);
    EXPECT_TRUE(p.ok()) << p.error().message;
    return p.ok() ? *p : std::vector<OutboxRecord>{};
  }

  std::vector<DeadLetter> dead(const std::string& sink) {
    auto d = store_->dead_letters(sink);
    EXPECT_TRUE(d.ok()) << d.error().message;
    return d.ok() ? *d : std::vector<DeadLetter>{};
  }

  // Dead-letters the pending record with `seq` of `sink`.
  void kill(const std::string& sink, std::uint64_t seq, const std::string& reason = "http_400") {
    for (const auto& r : pending(sink)) {
      if (r.seq != seq) continue;
      ASSERT_TRUE(store_->dead_letter(DeadLetter{sink, r, 1'700'000'000'500, 3, reason, "HTTP 400: bad payload"}).ok());
      return;
    }
    FAIL() << "no pending record " << seq << " in " << sink;
  }

  test::TempDir dir_;
  std::unique_ptr<OutboxStore> store_;
};

TEST_P(OutboxStoreTest, AppendAssignsIncreasingSeqsAcrossSinksAndPendingKeepsOrder) {
  const auto a1 = append("slack", "k1", R"({"id":"a1"})");
  const auto b1 = append("feishu", "k2", R"({"id":"b1"})");
  const auto a2 = append("slack", "k3", R"({"id":"a2"})");
  const auto a3 = append("slack", "k1", R"({"id":"a3"})");
  EXPECT_LT(a1, b1);
  EXPECT_LT(b1, a2);
  EXPECT_LT(a2, a3);

  const auto slack = pending("slack");
  ASSERT_EQ(slack.size(), 3u);
  EXPECT_EQ(seqs_of(slack), (std::vector<std::uint64_t>{a1, a2, a3}));
  EXPECT_EQ(keys_of(slack), (std::vector<std::string>{"k1", "k3", "k1"}));
  EXPECT_EQ(slack[0].alert_json, R"({"id":"a1"})");
  EXPECT_EQ(slack[2].alert_json, R"({"id":"a3"})");
  EXPECT_EQ(slack[0].enqueued_ms, 1'700'000'000'000);

  const auto feishu = pending("feishu");
  ASSERT_EQ(feishu.size(), 1u);
  EXPECT_EQ(feishu[0].seq, b1);
  EXPECT_EQ(feishu[0].alert_json, R"({"id":"b1"})");

  EXPECT_TRUE(pending("wecom").empty());
}

TEST_P(OutboxStoreTest, OrderFollowsSeqBeyondOneByte) {
  // Keys hold the seq big endian: seq 256 must sort after seq 255, not after seq 1.
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 300; ++i) seqs.push_back(append("slack", fmt::format("k{}", i)));
  EXPECT_EQ(seqs_of(pending("slack")), seqs);
}

TEST_P(OutboxStoreTest, SinkNamesThatArePrefixesOfEachOtherStayApart) {
  const auto a = append("hook", "k1");
  const auto b = append("hook2", "k2");
  EXPECT_EQ(seqs_of(pending("hook")), std::vector<std::uint64_t>{a});
  EXPECT_EQ(seqs_of(pending("hook2")), std::vector<std::uint64_t>{b});
}

TEST_P(OutboxStoreTest, BinaryAndUnicodeContentRoundTrips) {
  const std::string json = std::string("{\"summary\":\"阿里云\\u0000\"}") + std::string(1, '\0') + "tail";
  const auto seq = append("slack", std::string("key\0with nul", 12), json);
  const auto p = pending("slack");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].seq, seq);
  EXPECT_EQ(p[0].key, std::string("key\0with nul", 12));
  EXPECT_EQ(p[0].alert_json, json);
}

TEST_P(OutboxStoreTest, RemoveDeletesOnlyThatRecord) {
  const auto a1 = append("slack", "k1");
  const auto a2 = append("slack", "k2");
  const auto b1 = append("feishu", "k1");
  ASSERT_TRUE(store_->remove("slack", a1).ok());
  EXPECT_EQ(seqs_of(pending("slack")), std::vector<std::uint64_t>{a2});
  // The seq belongs to another sink: nothing happens there.
  ASSERT_TRUE(store_->remove("slack", b1).ok());
  EXPECT_EQ(seqs_of(pending("feishu")), std::vector<std::uint64_t>{b1});
  // Removing twice is harmless.
  ASSERT_TRUE(store_->remove("slack", a1).ok());
  EXPECT_EQ(seqs_of(pending("slack")), std::vector<std::uint64_t>{a2});
}

TEST_P(OutboxStoreTest, DeadLetterMovesTheRecordOutOfTheQueue) {
  const auto a1 = append("slack", "k1", R"({"id":"a1"})");
  const auto a2 = append("slack", "k2", R"({"id":"a2"})");
  kill("slack", a1, "http_400");

  EXPECT_EQ(seqs_of(pending("slack")), std::vector<std::uint64_t>{a2});
  const auto letters = dead("slack");
  ASSERT_EQ(letters.size(), 1u);
  const DeadLetter& d = letters[0];
  EXPECT_EQ(d.sink, "slack");
  EXPECT_EQ(d.record.seq, a1);
  EXPECT_EQ(d.record.key, "k1");
  EXPECT_EQ(d.record.enqueued_ms, 1'700'000'000'000);
  EXPECT_EQ(d.record.alert_json, R"({"id":"a1"})");
  EXPECT_EQ(d.failed_ms, 1'700'000'000'500);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.reason, "http_400");
  EXPECT_EQ(d.response, "HTTP 400: bad payload");
}

TEST_P(OutboxStoreTest, DeadLettersOfOneSinkOrOfAll) {
  const auto a1 = append("slack", "k1");
  const auto b1 = append("feishu", "k2");
  append("feishu", "k3");
  kill("slack", a1, "http_400");
  kill("feishu", b1, "expired");

  const auto slack = dead("slack");
  ASSERT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack[0].reason, "http_400");
  const auto feishu = dead("feishu");
  ASSERT_EQ(feishu.size(), 1u);
  EXPECT_EQ(feishu[0].sink, "feishu");
  EXPECT_EQ(feishu[0].reason, "expired");

  const auto all = dead("");
  ASSERT_EQ(all.size(), 2u);
  std::vector<std::string> sinks{all[0].sink, all[1].sink};
  std::sort(sinks.begin(), sinks.end());
  EXPECT_EQ(sinks, (std::vector<std::string>{"feishu", "slack"}));
  EXPECT_TRUE(dead("wecom").empty());
}

TEST_P(OutboxStoreTest, RequeueOnePutsItBackAtTheEndWithANewSeq) {
  const auto a1 = append("slack", "k1", R"({"id":"a1"})");
  const auto a2 = append("slack", "k2", R"({"id":"a2"})");
  const auto a3 = append("slack", "k3", R"({"id":"a3"})");
  kill("slack", a1);
  kill("slack", a2);
  const auto a4 = append("slack", "k4", R"({"id":"a4"})");

  auto moved = store_->requeue("slack", a1);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->size(), 1u);

  const auto p = pending("slack");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].seq, a3);
  EXPECT_EQ(p[1].seq, a4);
  EXPECT_GT(p[2].seq, a4);  // a new seq, after everything appended so far
  EXPECT_EQ(p[2].key, "k1");
  EXPECT_EQ(p[2].alert_json, R"({"id":"a1"})");
  EXPECT_GT(p[2].enqueued_ms, 1'700'000'000'000);  // as if enqueued now: retry_for starts again

  const auto left = dead("slack");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].record.seq, a2);

  // The next append comes after the requeued record.
  const auto a5 = append("slack", "k5");
  EXPECT_GT(a5, p[2].seq);
}

TEST_P(OutboxStoreTest, RequeueAllOfASinkKeepsTheirOrderAndLeavesOtherSinks) {
  const auto a1 = append("slack", "k1");
  const auto a2 = append("slack", "k2");
  const auto b1 = append("feishu", "k3");
  kill("slack", a1);
  kill("slack", a2);
  kill("feishu", b1);

  auto moved = store_->requeue("slack", std::nullopt);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->size(), 2u);
  EXPECT_EQ(keys_of(pending("slack")), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_TRUE(dead("slack").empty());
  EXPECT_EQ(dead("feishu").size(), 1u);
  EXPECT_TRUE(pending("feishu").empty());

  // A seq that is not a dead letter moves nothing.
  auto none = store_->requeue("feishu", 999'999);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 0u);
  EXPECT_EQ(dead("feishu").size(), 1u);
}

TEST_P(OutboxStoreTest, DropDeletesDeadLettersForGood) {
  const auto a1 = append("slack", "k1");
  const auto a2 = append("slack", "k2");
  const auto a3 = append("slack", "k3");
  const auto b1 = append("feishu", "k4");
  kill("slack", a1);
  kill("slack", a2);
  kill("feishu", b1);

  auto one = store_->drop("slack", a2);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  auto left = dead("slack");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].record.seq, a1);

  // Dropping a pending record's seq does nothing: only dead letters are dropped.
  auto pending_seq = store_->drop("slack", a3);
  ASSERT_TRUE(pending_seq.ok());
  EXPECT_EQ(pending_seq->size(), 0u);
  EXPECT_EQ(seqs_of(pending("slack")), std::vector<std::uint64_t>{a3});

  auto all = store_->drop("slack", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  EXPECT_TRUE(dead("slack").empty());
  EXPECT_EQ(dead("feishu").size(), 1u);  // another sink's stay

  // Dropped letters cannot be requeued.
  auto requeued = store_->requeue("slack", std::nullopt);
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(requeued->size(), 0u);
  EXPECT_EQ(seqs_of(pending("slack")), std::vector<std::uint64_t>{a3});
}

TEST_P(OutboxStoreTest, SyncSucceeds) {
  append("slack", "k1");
  EXPECT_TRUE(store_->sync().ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxStoreTest, ::testing::Values("rocksdb", "memory"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(RocksDbOutbox, RecordsAndDeadLettersSurviveReopening) {
  test::TempDir dir;
  const auto path = (dir / "state" / "outbox").string();  // parents are created
  std::uint64_t a1 = 0, a2 = 0, b1 = 0;
  {
    auto store = open_rocksdb_outbox(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    a1 = *(*store)->append("slack", record("k1", R"({"id":"a1"})", 11));
    a2 = *(*store)->append("slack", record("k2", R"({"id":"a2"})", 12));
    b1 = *(*store)->append("feishu", record("k3", R"({"id":"b1"})", 13));
    auto p = (*store)->pending("feishu");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*store)->dead_letter(DeadLetter{"feishu", (*p)[0], 99, 7, "receiver_code", "{\"code\":19001}"}).ok());
    ASSERT_TRUE((*store)->sync().ok());
  }
  auto store = open_rocksdb_outbox(path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto slack = (*store)->pending("slack");
  ASSERT_TRUE(slack.ok());
  ASSERT_EQ(slack->size(), 2u);
  EXPECT_EQ((*slack)[0].seq, a1);
  EXPECT_EQ((*slack)[0].key, "k1");
  EXPECT_EQ((*slack)[0].enqueued_ms, 11);
  EXPECT_EQ((*slack)[0].alert_json, R"({"id":"a1"})");
  EXPECT_EQ((*slack)[1].seq, a2);
  auto feishu = (*store)->pending("feishu");
  ASSERT_TRUE(feishu.ok());
  EXPECT_TRUE(feishu->empty());
  auto letters = (*store)->dead_letters("feishu");
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].record.seq, b1);
  EXPECT_EQ((*letters)[0].record.alert_json, R"({"id":"b1"})");
  EXPECT_EQ((*letters)[0].failed_ms, 99);
  EXPECT_EQ((*letters)[0].attempts, 7);
  EXPECT_EQ((*letters)[0].reason, "receiver_code");
  EXPECT_EQ((*letters)[0].response, "{\"code\":19001}");
}

TEST(RocksDbOutbox, TheNextSeqContinuesAfterReopening) {
  test::TempDir dir;
  const auto path = (dir / "outbox").string();
  std::uint64_t last = 0;
  {
    auto store = open_rocksdb_outbox(path);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 3; ++i) last = *(*store)->append("slack", record("k", "{}"));
  }
  {
    auto store = open_rocksdb_outbox(path);
    ASSERT_TRUE(store.ok());
    const auto next = (*store)->append("feishu", record("k", "{}"));
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, last + 1);
    last = *next;
    // The largest seq may be a dead letter: it still counts.
    auto p = (*store)->pending("feishu");
    ASSERT_TRUE(p.ok());
    ASSERT_TRUE((*store)->dead_letter(DeadLetter{"feishu", (*p)[0], 1, 1, "http_400", ""}).ok());
  }
  auto store = open_rocksdb_outbox(path);
  ASSERT_TRUE(store.ok());
  const auto next = (*store)->append("slack", record("k", "{}"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, last + 1);
  // A requeued dead letter gets a seq after it too.
  ASSERT_TRUE((*store)->requeue("feishu", std::nullopt).ok());
  auto feishu = (*store)->pending("feishu");
  ASSERT_TRUE(feishu.ok());
  ASSERT_EQ(feishu->size(), 1u);
  EXPECT_EQ((*feishu)[0].seq, last + 2);
}

TEST(RocksDbOutbox, ASecondOpenOfTheSameDirectoryIsAClearError) {
  test::TempDir dir;
  const auto path = (dir / "outbox").string();
  auto first = open_rocksdb_outbox(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = open_rocksdb_outbox(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "outbox.open");
  EXPECT_NE(second.error().message.find(path), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find("another sigflow is using it"), std::string::npos) << second.error().message;
}

TEST(RocksDbOutbox, ReadOnlyOpenSeesTheRecordsNextToTheWriter) {
  test::TempDir dir;
  const auto path = (dir / "outbox").string();
  auto writer = open_rocksdb_outbox(path);
  ASSERT_TRUE(writer.ok());
  const auto a1 = *(*writer)->append("slack", record("k1", R"({"id":"a1"})"));
  const auto a2 = *(*writer)->append("slack", record("k2", R"({"id":"a2"})"));
  auto p = (*writer)->pending("slack");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*writer)->dead_letter(DeadLetter{"slack", (*p)[1], 5, 2, "http_404", "HTTP 404: no such hook"}).ok());

  // While the writer holds the lock.
  auto reader = open_rocksdb_outbox(path, /*read_only=*/true);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto pending = (*reader)->pending("slack");
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(seqs_of(*pending), std::vector<std::uint64_t>{a1});
  auto letters = (*reader)->dead_letters("");
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].record.seq, a2);
  EXPECT_EQ((*letters)[0].reason, "http_404");

  // And after it closed.
  reader = make_error("", "");
  writer = make_error("", "");
  auto later = open_rocksdb_outbox(path, /*read_only=*/true);
  ASSERT_TRUE(later.ok()) << later.error().message;
  auto again = (*later)->pending("slack");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(seqs_of(*again), std::vector<std::uint64_t>{a1});
}

TEST(RocksDbOutbox, ReadOnlyOpenOfAMissingDirectoryFails) {
  test::TempDir dir;
  auto store = open_rocksdb_outbox((dir / "nothing-here").string(), /*read_only=*/true);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, "outbox.open");
  EXPECT_FALSE(std::filesystem::exists(dir / "nothing-here"));
}

}  // namespace
}  // namespace sigflow::delivery
