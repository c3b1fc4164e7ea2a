#include "bus/in_process_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sigflow {
namespace {

Event ev(int i) {
  Event e;
  e.id = std::to_string(i);
  return e;
}

TEST(InProcessBus, DeliversInOrderAndDrainsAfterClose) {
  InProcessBus bus(8);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(bus.publish(ev(i)).ok());
  bus.close();
  EXPECT_FALSE(bus.publish(ev(99)).ok());  // closed: refused, not dropped silently
  for (int i = 0; i < 5; ++i) {
    auto m = bus.next();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->event.id, std::to_string(i));
    EXPECT_EQ(m->sequence, static_cast<std::uint64_t>(i));
    bus.done(*m, true);
  }
  EXPECT_FALSE(bus.next());
  EXPECT_EQ(bus.completed(), 5u);
}

// A source commits only after flush(): it must wait for the engine, and fail when an event's
// alerts did not reach the outbox.
TEST(InProcessBus, FlushWaitsForTheEngineAndReportsEventsNotHandedOff) {
  InProcessBus bus(8);
  std::atomic<bool> flushed{false};
  Status first_batch = Ok{}, second_batch = make_error("unset", "");
  std::thread source([&] {  // publishes and flushes on its own thread, as a source poll does
    ASSERT_TRUE(bus.publish(ev(1)).ok());
    ASSERT_TRUE(bus.publish(ev(2)).ok());
    first_batch = bus.flush();
    flushed = true;
    ASSERT_TRUE(bus.publish(ev(3)).ok());
    second_batch = bus.flush();
  });
  auto first = bus.next();
  ASSERT_TRUE(first);
  bus.done(*first, true);
  EXPECT_FALSE(flushed.load());  // one of its two events is still being processed
  auto second = bus.next();
  ASSERT_TRUE(second);
  bus.done(*second, false);  // its alert did not reach the outbox
  auto third = bus.next();
  ASSERT_TRUE(third);
  bus.done(*third, true);
  source.join();
  ASSERT_FALSE(first_batch.ok());
  EXPECT_EQ(first_batch.error().code, "bus.handoff");
  EXPECT_TRUE(second_batch.ok());  // a later batch of the thread flushes clean again
}

TEST(InProcessBus, PublishBlocksWhileFullAndNothingIsLost) {
  InProcessBus bus(2);
  constexpr int kEvents = 1000;
  std::atomic<int> max_depth{0};
  std::thread producer([&] {
    for (int i = 0; i < kEvents; ++i) ASSERT_TRUE(bus.publish(ev(i)).ok());
    bus.close();
  });
  int received = 0;
  while (auto m = bus.next()) {
    max_depth = std::max<int>(max_depth, static_cast<int>(bus.depth()));
    EXPECT_EQ(m->event.id, std::to_string(received));
    ++received;
    bus.done(*m, true);
  }
  producer.join();
  EXPECT_EQ(received, kEvents);
  EXPECT_LE(max_depth.load(), 2);
  EXPECT_EQ(bus.published(), static_cast<std::uint64_t>(kEvents));
}

TEST(InProcessBus, CloseReleasesABlockedPublisher) {
  InProcessBus bus(1);
  ASSERT_TRUE(bus.publish(ev(0)).ok());
  std::atomic<bool> returned{false};
  Status second = Ok{};
  std::thread blocked([&] {
    second = bus.publish(ev(1));
    returned = true;
  });
  bus.close();
  blocked.join();
  EXPECT_TRUE(returned);
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "bus.closed");
}

}  // namespace
}  // namespace sigflow
