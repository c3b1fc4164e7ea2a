// SinkDispatcher against a scripted in-process sink: order per key, the rate limit, the circuit
// breaker, Retry-After holding the whole sink, expiry into dead letters and a full outbox.
#include "delivery/sink_dispatcher.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace sigflow::delivery {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Attempt {
  std::string alert_id;
  Clock::time_point at;
};

// A sink whose answer to each attempt comes from `script(alert id, attempt number)`.
class ScriptedSink final : public Sink {
 public:
  using Script = std::function<DeliveryOutcome(const std::string&, int)>;
  explicit ScriptedSink(Script script) : spec_{"fake", "stdout", {}}, script_(std::move(script)) {}
  const SinkSpec& spec() const override { return spec_; }

  DeliveryOutcome deliver(const Delivery& d) override {
    std::lock_guard lock(mutex_);
    for (const Alert& a : d.alerts) attempts_.push_back({a.id, Clock::now()});
    auto outcome = script_(d.alerts.front().id, ++tries_[d.alerts.front().id]);
    if (outcome.verdict == Verdict::delivered) {
      for (const Alert& a : d.alerts) delivered_.push_back(a.id);
    }
    changed_.notify_all();
    return outcome;
  }

  // Waits (bounded) until `n` alerts were delivered.
  bool await_delivered(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return delivered_.size() >= n; });
  }
  std::vector<std::string> delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }
  std::vector<Attempt> attempts() {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  SinkSpec spec_;
  Script script_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, int> tries_;
  std::vector<std::string> delivered_;
  std::vector<Attempt> attempts_;
};

DeliveryOutcome ok() { return {Verdict::delivered, "ok", "", std::nullopt}; }
DeliveryOutcome fail(std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
  return {Verdict::retry, "http_503", "HTTP 503: busy", retry_after};
}

Alert alert(const std::string& id, const std::string& key = "") {
  Alert a;
  a.id = id;
  a.rule = "r";
  a.signal = "s";
  a.dedup_key = key;
  a.fired_at = "2026-11-24T00:00:00Z";
  a.event = {"e-" + id, "news", "https://news.example.com/" + id, "title", "2026-11-24T00:00:00Z"};
  return a;
}

DeliveryPolicy quick() {
  DeliveryPolicy p;
  p.concurrency = 4;
  p.retry_initial = 20ms;
  p.retry_max = 40ms;
  p.breaker_failures = 1000;
  p.group_by = {"signal"};
  return p;
}

struct Fixture {
  explicit Fixture(ScriptedSink::Script script, DeliveryPolicy policy = quick()) {
    auto owned = std::make_unique<ScriptedSink>(std::move(script));
    sink = owned.get();
    dispatcher = std::make_unique<SinkDispatcher>(std::move(owned), std::move(policy), *store, metrics);
    EXPECT_TRUE(dispatcher->load().ok());
  }
  std::unique_ptr<OutboxStore> store = make_memory_outbox();
  Metrics metrics;
  ScriptedSink* sink = nullptr;
  std::unique_ptr<SinkDispatcher> dispatcher;
};

TEST(SinkDispatcher, AlertsWithOneKeyArriveInOrderEvenWhenTheFirstNeedsRetries) {
  Fixture f([](const std::string& id, int attempt) { return id == "a1" && attempt < 3 ? fail() : ok(); });
  for (const char* id : {"a1", "a2", "a3"}) ASSERT_TRUE(f.dispatcher->accept(alert(id, "same-key")).ok());
  ASSERT_TRUE(f.dispatcher->accept(alert("b1", "other-key")).ok());
  f.dispatcher->start();
  ASSERT_TRUE(f.sink->await_delivered(4));
  const auto delivered = f.sink->delivered();
  std::vector<std::string> same_key;
  for (const auto& id : delivered) {
    if (id[0] == 'a') same_key.push_back(id);
  }
  EXPECT_EQ(same_key, (std::vector<std::string>{"a1", "a2", "a3"}));
  EXPECT_EQ(delivered.front(), "b1");  // another key does not wait for a1's retries
  // a2 is not even tried before a1 got through.
  const auto attempts = f.sink->attempts();
  std::size_t a1_last = 0, a2_first = attempts.size();
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    if (attempts[i].alert_id == "a1") a1_last = i;
    if (attempts[i].alert_id == "a2") a2_first = std::min(a2_first, i);
  }
  EXPECT_GT(a2_first, a1_last);
  EXPECT_EQ(f.dispatcher->drain(Clock::now() + 1s), 0u);
}

TEST(SinkDispatcher, TheRateLimitSpacesMessagesAfterTheBurst) {
  DeliveryPolicy p = quick();
  p.rate_messages = 5;
  p.rate_period = 500ms;  // 10 a second, bursts of 5
  Fixture f([](const std::string&, int) { return ok(); }, p);
  for (int i = 0; i < 15; ++i) ASSERT_TRUE(f.dispatcher->accept(alert(fmt::format("x{}", i))).ok());
  const auto t0 = Clock::now();
  f.dispatcher->start();
  ASSERT_TRUE(f.sink->await_delivered(15));
  const auto attempts = f.sink->attempts();
  // 5 at once, then 10 more at 10 a second: the last no sooner than ~1 s after the start.
  EXPECT_GE(attempts.back().at - t0, 900ms);
  EXPECT_LT(attempts[4].at - t0, 400ms);
}

TEST(SinkDispatcher, AnOpenBreakerHoldsTheSinkThenOneProbeClosesIt) {
  DeliveryPolicy p = quick();
  p.concurrency = 1;
  p.breaker_failures = 3;
  p.breaker_cooldown = 300ms;
  std::atomic<bool> receiver_up{false};
  Fixture f([&](const std::string&, int) { return receiver_up ? ok() : fail(); }, p);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(f.dispatcher->accept(alert(fmt::format("x{}", i))).ok());
  f.dispatcher->start();
  // Wait (bounded) until the third failure opened the breaker; it then holds for the cooldown.
  for (auto deadline = Clock::now() + 5s;
       f.metrics.serialize().find(R"(sigflow_sink_circuit_open{sink="fake"} 1)") == std::string::npos && Clock::now() < deadline;) {
    std::this_thread::sleep_for(5ms);
  }
  const auto third = f.sink->attempts()[2].at;
  receiver_up = true;
  ASSERT_TRUE(f.sink->await_delivered(5));
  const auto attempts = f.sink->attempts();
  ASSERT_GE(attempts.size(), 4u);
  EXPECT_GE(attempts[3].at - third, 280ms);  // nothing was sent while the breaker was open
  EXPECT_NE(f.metrics.serialize().find(R"(sigflow_sink_circuit_open{sink="fake"} 0)"), std::string::npos);
}

TEST(SinkDispatcher, RetryAfterHoldsEveryAlertOfTheSink) {
  Fixture f([](const std::string& id, int attempt) { return id == "first" && attempt == 1 ? fail(400ms) : ok(); });
  ASSERT_TRUE(f.dispatcher->accept(alert("first")).ok());
  f.dispatcher->start();
  // Wait (bounded) until the 503 was settled, not merely sent.
  for (auto deadline = Clock::now() + 5s;
       f.metrics.serialize().find(R"(sigflow_sink_failures_total{reason="http_503",sink="fake"} 1)") == std::string::npos && Clock::now() < deadline;) {
    std::this_thread::sleep_for(5ms);
  }
  const auto refused_at = f.sink->attempts().front().at;
  ASSERT_TRUE(f.dispatcher->accept(alert("second")).ok());  // another key, but the receiver said wait
  ASSERT_TRUE(f.sink->await_delivered(2));
  for (const auto& a : f.sink->attempts()) {
    if (a.at > refused_at) {
      EXPECT_GE(a.at - refused_at, 380ms) << a.alert_id;
    }
  }
}

TEST(SinkDispatcher, AnAlertUndeliveredPastRetryForBecomesAnExpiredDeadLetter) {
  DeliveryPolicy p = quick();
  p.retry_for = 100ms;
  Fixture f([](const std::string&, int) { return fail(); }, p);
  ASSERT_TRUE(f.dispatcher->accept(alert("doomed")).ok());
  f.dispatcher->start();
  EXPECT_EQ(f.dispatcher->drain(Clock::now() + 5s), 0u);
  auto dead = f.store->dead_letters("fake");
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].reason, "expired");
  EXPECT_EQ((*dead)[0].response, "http_503: HTTP 503: busy");
  EXPECT_GE((*dead)[0].attempts, 2);
  EXPECT_EQ(f.dispatcher->dead_lettered(), 1u);
}

TEST(SinkDispatcher, AFullOutboxWaitsForRoomAndFailsOnlyWhenToldToGiveUp) {
  DeliveryPolicy p = quick();
  p.outbox_max_bytes = 700;  // room for two small alerts (about 320 bytes each)
  Fixture f([](const std::string&, int) { return fail(); }, p);
  ASSERT_TRUE(f.dispatcher->accept(alert("a")).ok());
  ASSERT_TRUE(f.dispatcher->accept(alert("b")).ok());
  std::optional<Status> third;
  std::thread engine([&] { third = f.dispatcher->accept(alert("c")); });
  std::this_thread::sleep_for(100ms);  // the engine is held back, not failed
  EXPECT_FALSE(third.has_value());
  EXPECT_NE(f.metrics.serialize().find(R"(sigflow_outbox_full{sink="fake"} 1)"), std::string::npos);
  f.dispatcher->give_up_waiting();
  engine.join();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->error().code, "outbox.full");
}

}  // namespace
}  // namespace sigflow::delivery
