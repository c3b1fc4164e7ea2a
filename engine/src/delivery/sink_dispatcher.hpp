#pragma once
// SinkDispatcher: delivers one sink's outbox. The engine thread calls accept(); `concurrency`
// worker threads (started by start(), joined by stop()) take deliverable messages in outbox
// order and call Sink::deliver(). They may block on the receiver (bounded by the sink's
// timeout); everything else happens under one mutex, held briefly.
//
// Rules, in the order a worker applies them: an open circuit breaker or a receiver's
// Retry-After holds the whole sink; the rate limit spaces messages; an alert waits for the
// earlier alerts with its key (order per key) and for its own backoff; with grouping, a group
// is sent group_wait after its first alert and at most once per group_interval.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "delivery/delivery_policy.hpp"
#include "delivery/outbox_store.hpp"
#include "metrics/metrics.hpp"
#include "sigflow/sink.hpp"

namespace sigflow::delivery {

class SinkDispatcher {
 public:
  using Clock = std::chrono::steady_clock;

  SinkDispatcher(std::unique_ptr<Sink> sink, DeliveryPolicy policy, OutboxStore& store, Metrics& metrics);
  ~SinkDispatcher();  // stop()
  SinkDispatcher(const SinkDispatcher&) = delete;
  SinkDispatcher& operator=(const SinkDispatcher&) = delete;

  const std::string& id() const { return sink_->spec().id; }
  // Reads what a previous run left in this sink's outbox; call before start().
  Status load();
  void start();
  // Puts the alert in the outbox. While the outbox is over its disk budget this waits for
  // room (the engine is held back, nothing is dropped) until give_up_waiting(); then it fails
  // with outbox.full. Other failures: outbox.io.
  Status accept(const Alert& alert);
  // Returns once nothing waits in the outbox, or at the deadline: how many alerts still wait.
  std::size_t drain(Clock::time_point deadline);
  // Ends a wait in accept() (shutdown).
  void give_up_waiting();
  // Workers finish the message they are sending and exit; what waits stays in the outbox.
  void stop();
  // Dead letters of this sink back into its queue (all, or the one with `seq`), or deleted;
  // how many. For `sigflow outbox retry|drop` while the engine runs.
  Result<std::size_t> requeue(std::optional<std::uint64_t> seq);
  Result<std::size_t> drop(std::optional<std::uint64_t> seq);
  // Alerts waiting now.
  std::size_t waiting();
  // Alerts this process moved to the dead letters.
  std::size_t dead_lettered() const { return dead_lettered_.load(); }

 private:
  struct Pending {
    std::string key;
    std::string group;
    std::int64_t enqueued_ms = 0;
    Clock::time_point arrived;  // for group_wait
    std::string alert_json;
    int attempts = 0;
    Clock::time_point next_at;
    bool in_flight = false;
  };
  struct Batch {
    std::vector<std::uint64_t> seqs;
    std::string group;
    bool probe = false;
  };

  void work();
  // Under the lock: the next deliverable batch, or when to look again.
  std::optional<Batch> pick(Clock::time_point now, Clock::time_point& wake);
  DeliveryOutcome send(const Batch& batch);
  void settle(const Batch& batch, const DeliveryOutcome& outcome);
  // Moves the alert to the dead letters; false (logged, the alert stays queued) when the store failed.
  bool dead_letter(std::uint64_t seq, Pending& p, int attempts, const std::string& reason, const std::string& response);
  void publish_gauges();
  // Bytes an entry holds against outbox_max_bytes.
  static std::uint64_t size_of(const Pending& p) { return p.alert_json.size() + p.key.size() + 64; }
  static std::uint64_t size_of(const DeadLetter& d) { return d.record.alert_json.size() + d.response.size() + 64; }
  // The group an alert belongs to ("" without grouping).
  std::string group_key(const Alert& alert) const;
  // Queues a stored record (from the last run, or a requeued dead letter) as ready now.
  void adopt(OutboxRecord record, Clock::time_point now);

  std::unique_ptr<Sink> sink_;
  const DeliveryPolicy policy_;
  OutboxStore& store_;
  Metrics& metrics_;

  std::mutex mutex_;
  std::condition_variable changed_;  // queue, in-flight set or stop flag changed
  std::map<std::uint64_t, Pending> queue_;
  std::uint64_t bytes_ = 0;
  std::size_t dead_ = 0;
  std::map<std::string, Clock::time_point> group_sent_;  // when each group's last message went out
  std::set<std::string> groups_in_flight_;
  int consecutive_failures_ = 0;
  Clock::time_point hold_until_{};  // breaker open or Retry-After
  bool breaker_open_ = false;
  bool probe_in_flight_ = false;
  double tokens_ = 0;
  Clock::time_point refilled_{};
  bool stopping_ = false;
  bool give_up_ = false;
  Clock::time_point full_logged_{};
  std::mt19937 rng_{std::random_device{}()};
  std::atomic<std::size_t> dead_lettered_{0};
  std::vector<std::thread> workers_;
};

}  // namespace sigflow::delivery
