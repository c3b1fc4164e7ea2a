#include "bus/in_process_bus.hpp"

#include <algorithm>
#include <map>

namespace sigflow {

InProcessBus::InProcessBus(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

namespace {

// Per publishing thread and bus: the first sequence published since that thread's last flush.
std::map<const InProcessBus*, std::uint64_t>& unflushed() {
  thread_local std::map<const InProcessBus*, std::uint64_t> first;
  return first;
}

}  // namespace

Status InProcessBus::publish(Event event) {
  std::unique_lock lock(mutex_);
  not_full_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
  if (closed_) return make_error("bus.closed", "the bus is closed; the engine is shutting down");
  unflushed().try_emplace(this, next_sequence_);
  queue_.push_back(BusMessage{std::move(event), next_sequence_++});
  not_empty_.notify_one();
  return Ok{};
}

std::optional<BusMessage> InProcessBus::next() {
  std::unique_lock lock(mutex_);
  not_empty_.wait(lock, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return std::nullopt;
  BusMessage m = std::move(queue_.front());
  queue_.pop_front();
  not_full_.notify_one();
  return m;
}

Status InProcessBus::flush() {
  auto it = unflushed().find(this);
  if (it == unflushed().end()) return Ok{};
  const std::uint64_t first = it->second;
  unflushed().erase(it);
  std::unique_lock lock(mutex_);
  const std::uint64_t target = next_sequence_;
  progressed_.wait(lock, [&] { return completed_ >= target; });  // close() drains, so this ends
  if (auto f = failed_.lower_bound(first); f != failed_.end() && *f < target) {
    return make_error("bus.handoff", "alerts of some events did not reach their sinks' outboxes");
  }
  return Ok{};
}

void InProcessBus::done(const BusMessage& message, bool handed_off) {
  std::lock_guard lock(mutex_);
  ++completed_;
  if (!handed_off) failed_.insert(message.sequence);
  while (!failed_.empty() && *failed_.begin() + 1'000'000 < completed_) failed_.erase(failed_.begin());
  progressed_.notify_all();
}

void InProcessBus::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  not_full_.notify_all();
  not_empty_.notify_all();
}

std::size_t InProcessBus::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::uint64_t InProcessBus::published() const {
  std::lock_guard lock(mutex_);
  return next_sequence_;
}

std::uint64_t InProcessBus::completed() const {
  std::lock_guard lock(mutex_);
  return completed_;
}

}  // namespace sigflow
