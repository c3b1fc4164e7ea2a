#include "sigflow/state_store.hpp"

#include <gtest/gtest.h>

#include "support/test_paths.hpp"

namespace sigflow {
namespace {

TEST(RocksDbStateStore, SeenKeysAndValuesSurviveReopening) {
  test::TempDir dir;
  const auto path = (dir / "state").string();
  {
    auto store = open_rocksdb_state_store(path, std::chrono::hours(24));
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto news = (*store)->source("news");
    ASSERT_TRUE(news.ok());
    EXPECT_FALSE((*news)->seen("a"));
    ASSERT_TRUE((*news)->commit({"a", "b"}, {{"etag", "\"v1\""}}).ok());
    EXPECT_TRUE((*news)->seen("a"));
    auto other = (*store)->source("other");
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE((*other)->seen("a"));  // state is per source
  }
  auto store = open_rocksdb_state_store(path, std::chrono::hours(24));
  ASSERT_TRUE(store.ok());
  auto news = (*store)->source("news");
  ASSERT_TRUE(news.ok());
  EXPECT_TRUE((*news)->seen("a"));
  EXPECT_TRUE((*news)->seen("b"));
  EXPECT_FALSE((*news)->seen("c"));
  EXPECT_EQ((*news)->value("etag"), "\"v1\"");
  EXPECT_EQ((*news)->value("cursor"), std::nullopt);
}

TEST(RocksDbStateStore, ASecondOpenOfTheSameDirectoryIsAClearError) {
  test::TempDir dir;
  auto first = open_rocksdb_state_store((dir / "state").string(), std::chrono::hours(1));
  ASSERT_TRUE(first.ok());
  auto second = open_rocksdb_state_store((dir / "state").string(), std::chrono::hours(1));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "state.open");
  EXPECT_NE(second.error().message.find("is another sigflow using it?"), std::string::npos);
}

TEST(MemoryStateStore, RemembersTheMostRecentKeysPerSource) {
  auto store = make_memory_state_store(2);
  auto s = store->source("news");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->commit({"a", "b", "c"}, {}).ok());
  EXPECT_FALSE((*s)->seen("a"));  // oldest forgotten
  EXPECT_TRUE((*s)->seen("b"));
  EXPECT_TRUE((*s)->seen("c"));
  auto again = store->source("news");
  EXPECT_TRUE((*again)->seen("c"));  // the same state for the same source
}

}  // namespace
}  // namespace sigflow
