#pragma once
// InProcessBus: the standalone-mode bus. A bounded FIFO shared by the source workers
// (publishers, any thread) and the engine thread (the one subscriber).
//
// Lifecycle: open until close(); after close() publish() fails and next() drains what is
// queued, then returns nullopt. publish() blocks while the queue holds `capacity` events
// (backpressure); nothing is ever dropped. next() blocks while the queue is empty. flush()
// blocks until the engine is done with what the calling thread published (events are done in
// order: one engine thread takes them FIFO), so a source commits only processed events.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>

#include "sigflow/bus.hpp"

namespace sigflow {

class InProcessBus final : public EventPublisher, public EventSubscriber {
 public:
  explicit InProcessBus(std::size_t capacity);

  Status publish(Event event) override;
  Status flush() override;
  std::optional<BusMessage> next() override;
  void done(const BusMessage& message, bool handed_off) override;

  void close();
  std::size_t depth() const;
  std::uint64_t published() const;
  std::uint64_t completed() const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::condition_variable progressed_;  // completed_ grew
  std::set<std::uint64_t> failed_;      // sequences not handed off, recent ones
  std::deque<BusMessage> queue_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t completed_ = 0;
  bool closed_ = false;
};

}  // namespace sigflow
