#include "bus/in_process_bus.hpp"

#include <algorithm>

namespace sigflow {

InProcessBus::InProcessBus(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

Status InProcessBus::publish(Event event) {
  std::unique_lock lock(mutex_);
  not_full_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
  if (closed_) return make_error("bus.closed", "the bus is closed; the engine is shutting down");
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

void InProcessBus::done(const BusMessage&) {
  std::lock_guard lock(mutex_);
  ++completed_;
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
