#include "delivery/sink_dispatcher.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "sigflow/hash.hpp"
#include "sigflow/log.hpp"
#include "sigflow/time.hpp"

namespace sigflow::delivery {
SinkDispatcher::SinkDispatcher(std::unique_ptr<Sink> sink, DeliveryPolicy policy, OutboxStore& store, Metrics& metrics)
    : sink_(std::move(sink)), policy_(std::move(policy)), store_(store), metrics_(metrics) {
  tokens_ = policy_.rate_messages;
  refilled_ = Clock::now();
  metrics_.add_sink(id());
}

SinkDispatcher::~SinkDispatcher() { stop(); }

Status SinkDispatcher::load() {
  auto pending = store_.pending(id());
  if (!pending) return pending.error();
  auto dead = store_.dead_letters(id());
  if (!dead) return dead.error();
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  for (OutboxRecord& r : *pending) adopt(std::move(r), now);
  for (const DeadLetter& d : *dead) bytes_ += size_of(d);
  dead_ = dead->size();
  if (!queue_.empty()) logger("delivery")->info("sink '{}': {} alerts from the last run wait in the outbox", id(), queue_.size());
  publish_gauges();
  return Ok{};
}

std::string SinkDispatcher::group_key(const Alert& alert) const {
  return policy_.group_wait.count() > 0 ? policy_.group_of(alert) : "";
}

void SinkDispatcher::adopt(OutboxRecord record, Clock::time_point now) {
  auto alert = Alert::from_json(record.alert_json);  // unreadable: dead-lettered as corrupt when its turn comes
  Pending p{record.key, alert ? group_key(*alert) : "", record.enqueued_ms, now, std::move(record.alert_json), 0, now, false};
  bytes_ += size_of(p);
  queue_.emplace(record.seq, std::move(p));
}

void SinkDispatcher::start() {
  for (int i = 0; i < policy_.concurrency; ++i) workers_.emplace_back([this] { work(); });
}

Status SinkDispatcher::accept(const Alert& alert) {
  Pending p;
  p.key = alert.dedup_key.empty() ? alert.id : alert.dedup_key;
  p.group = group_key(alert);
  p.enqueued_ms = unix_millis_now();
  p.arrived = p.next_at = Clock::now();
  p.alert_json = alert.to_json();
  const std::size_t size = size_of(p);
  if (size > policy_.outbox_max_bytes) {
    return make_error("outbox.full", fmt::format("sink '{}': an alert of {} bytes does not fit in outbox_max_bytes {}", id(), size,
                                                 policy_.outbox_max_bytes));
  }
  std::unique_lock lock(mutex_);
  while (bytes_ + size > policy_.outbox_max_bytes && !give_up_) {
    metrics_.outbox_full(id(), true);
    if (Clock::now() - full_logged_ > std::chrono::seconds(30)) {
      full_logged_ = Clock::now();
      logger("delivery")->error("sink '{}': the outbox is full ({} alerts waiting, {} dead letters, {} bytes of outbox_max_bytes {}); "
                                "the engine waits until deliveries make room. Fix the receiver, retry or drop dead letters "
                                "(sigflow outbox), or raise outbox_max_bytes",
                                id(), queue_.size(), dead_, bytes_, policy_.outbox_max_bytes);
    }
    changed_.wait_for(lock, std::chrono::seconds(1));
  }
  metrics_.outbox_full(id(), false);
  if (bytes_ + size > policy_.outbox_max_bytes) {
    return make_error("outbox.full", fmt::format("sink '{}': the outbox is full ({} bytes of {})", id(), bytes_, policy_.outbox_max_bytes));
  }
  auto seq = store_.append(id(), OutboxRecord{0, p.key, p.enqueued_ms, p.alert_json});
  if (!seq) return seq.error();
  bytes_ += size;
  queue_.emplace(*seq, std::move(p));
  publish_gauges();
  changed_.notify_all();
  return Ok{};
}

std::size_t SinkDispatcher::drain(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return queue_.empty(); });
  return queue_.size();
}

Result<std::size_t> SinkDispatcher::requeue(std::optional<std::uint64_t> seq) {
  std::lock_guard lock(mutex_);
  auto letters = store_.requeue(id(), seq);
  if (!letters) return letters.error();
  const auto now = Clock::now();
  for (DeadLetter& d : *letters) {
    bytes_ -= std::min<std::uint64_t>(bytes_, size_of(d));
    adopt(std::move(d.record), now);
  }
  dead_ -= std::min(dead_, letters->size());
  publish_gauges();
  changed_.notify_all();
  return letters->size();
}

Result<std::size_t> SinkDispatcher::drop(std::optional<std::uint64_t> seq) {
  std::lock_guard lock(mutex_);
  auto letters = store_.drop(id(), seq);
  if (!letters) return letters.error();
  for (const DeadLetter& d : *letters) bytes_ -= std::min<std::uint64_t>(bytes_, size_of(d));
  dead_ -= std::min(dead_, letters->size());
  publish_gauges();
  changed_.notify_all();  // an engine waiting for room may go on
  return letters->size();
}

std::size_t SinkDispatcher::waiting() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void SinkDispatcher::give_up_waiting() {
  std::lock_guard lock(mutex_);
  give_up_ = true;
  changed_.notify_all();
}

void SinkDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    give_up_ = true;
  }
  changed_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void SinkDispatcher::work() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto wake = now + std::chrono::seconds(1);
    auto batch = pick(now, wake);
    if (!batch) {
      changed_.wait_until(lock, wake);
      continue;
    }
    lock.unlock();
    const DeliveryOutcome outcome = send(*batch);
    lock.lock();
    settle(*batch, outcome);
    changed_.notify_all();
  }
}

std::optional<SinkDispatcher::Batch> SinkDispatcher::pick(Clock::time_point now, Clock::time_point& wake) {
  if (queue_.empty()) return std::nullopt;
  if (probe_in_flight_) return std::nullopt;  // half-open: one message decides
  if (now < hold_until_) {
    wake = std::min(wake, hold_until_);
    return std::nullopt;
  }
  if (policy_.rate_messages > 0) {
    const double per_ms = static_cast<double>(policy_.rate_messages) / static_cast<double>(policy_.rate_period.count());
    tokens_ = std::min<double>(policy_.rate_messages, tokens_ + per_ms * std::chrono::duration<double, std::milli>(now - refilled_).count());
    refilled_ = now;
    if (tokens_ < 1.0) {
      wake = std::min(wake, now + std::chrono::milliseconds(static_cast<std::int64_t>((1.0 - tokens_) / per_ms) + 1));
      return std::nullopt;
    }
  }
  // Ready alerts in outbox order; a key is blocked from its first alert that cannot go now.
  std::set<std::string_view> blocked;
  Batch batch;
  const Pending* first = nullptr;
  for (auto& [seq, p] : queue_) {
    if (p.in_flight || blocked.contains(p.key)) {
      blocked.insert(p.key);
      continue;
    }
    if (p.next_at > now) {
      blocked.insert(p.key);
      wake = std::min(wake, p.next_at);
      continue;
    }
    if (first == nullptr) {
      if (policy_.group_wait.count() > 0) {
        if (groups_in_flight_.contains(p.group)) {  // one message per group at a time
          blocked.insert(p.key);
          continue;
        }
        auto ready_at = p.arrived + policy_.group_wait;
        if (auto it = group_sent_.find(p.group); it != group_sent_.end()) ready_at = std::max(ready_at, it->second + policy_.group_interval);
        if (p.attempts > 0) ready_at = p.next_at;  // a retry goes as soon as its backoff allows
        if (ready_at > now) {
          wake = std::min(wake, ready_at);
          blocked.insert(p.key);
          continue;
        }
      }
      first = &p;
      batch.group = p.group;
    } else if (policy_.group_wait.count() == 0 || p.group != batch.group) {
      blocked.insert(p.key);  // its later alerts must not overtake it
      continue;
    }
    batch.seqs.push_back(seq);
    if (policy_.group_wait.count() == 0 || static_cast<int>(batch.seqs.size()) >= policy_.max_group) break;
  }
  if (batch.seqs.empty()) return std::nullopt;
  for (auto seq : batch.seqs) queue_[seq].in_flight = true;
  if (policy_.group_wait.count() > 0) {
    groups_in_flight_.insert(batch.group);
    group_sent_[batch.group] = now;  // group_interval counts from this message
  }
  if (breaker_open_) probe_in_flight_ = batch.probe = true;
  if (policy_.rate_messages > 0) tokens_ -= 1.0;
  return batch;
}

DeliveryOutcome SinkDispatcher::send(const Batch& batch) {
  Delivery d;
  std::vector<std::pair<std::string, std::string>> records;  // key, alert JSON: copied under the lock, parsed outside it
  {
    std::lock_guard lock(mutex_);
    for (auto seq : batch.seqs) {
      const Pending& p = queue_.at(seq);
      d.attempt = std::max(d.attempt, p.attempts + 1);
      records.emplace_back(p.key, p.alert_json);
    }
  }
  std::vector<std::string> ids;
  for (const auto& [key, json] : records) {
    auto alert = Alert::from_json(json);
    if (!alert) return {Verdict::reject, "corrupt", "unreadable outbox record: " + alert.error().message, std::nullopt};
    if (alert->id != key) alert->dedup_key = key;
    ids.push_back(alert->id);
    d.alerts.push_back(std::move(*alert));
  }
  if (ids.size() == 1) {
    d.idempotency_key = ids.front();
  } else {
    std::string joined;
    for (const auto& i : ids) joined += i;
    d.idempotency_key = stable_hash({"group", joined});
  }
  return sink_->deliver(d);
}

void SinkDispatcher::settle(const Batch& batch, const DeliveryOutcome& outcome) {
  const auto now = Clock::now();
  const std::int64_t wall = unix_millis_now();
  auto log = logger("delivery");
  if (batch.probe) probe_in_flight_ = false;
  if (policy_.group_wait.count() > 0) groups_in_flight_.erase(batch.group);
  if (outcome.verdict == Verdict::delivered) {
    for (auto seq : batch.seqs) {
      Pending& p = queue_.at(seq);
      metrics_.sink_sent(id(), static_cast<double>(wall - p.enqueued_ms) / 1000.0);
      if (auto removed = store_.remove(id(), seq); !removed) {
        log->error("sink '{}': delivered, but cannot remove it from the outbox (it may be sent again after a restart): {}", id(),
                   removed.error().message);
      }
      bytes_ -= std::min<std::uint64_t>(bytes_, size_of(p));
      queue_.erase(seq);
    }
    consecutive_failures_ = 0;
    if (breaker_open_) log->info("sink '{}': the receiver answers again; circuit breaker closed", id());
    breaker_open_ = false;
    metrics_.sink_breaker(id(), false);
  } else if (outcome.verdict == Verdict::reject) {
    metrics_.sink_failed(id(), outcome.reason);
    log->error("sink '{}' refused {} alert(s) for good ({}): {}; kept as dead letters (sigflow outbox list)", id(), batch.seqs.size(),
               outcome.reason, outcome.response);
    for (auto seq : batch.seqs) {
      Pending& p = queue_.at(seq);
      if (!dead_letter(seq, p, p.attempts + 1, outcome.reason, outcome.response)) {
        p.in_flight = false;
        p.next_at = now + policy_.backoff(++p.attempts, rng_);
      }
    }
    consecutive_failures_ = 0;  // the receiver is up; it only refused these
    if (breaker_open_) log->info("sink '{}': the receiver answers again; circuit breaker closed", id());
    breaker_open_ = false;
    metrics_.sink_breaker(id(), false);
  } else {
    metrics_.sink_failed(id(), outcome.reason);
    ++consecutive_failures_;
    auto hold = now;
    if (outcome.retry_after) hold = now + *outcome.retry_after;
    if (consecutive_failures_ >= policy_.breaker_failures) {
      if (!breaker_open_) {
        log->warn("sink '{}': {} failed attempts in a row (last: {}); circuit breaker open for {}s", id(), consecutive_failures_,
                  outcome.reason, std::chrono::duration_cast<std::chrono::seconds>(policy_.breaker_cooldown).count());
      }
      breaker_open_ = true;
      metrics_.sink_breaker(id(), true);
      hold = std::max(hold, now + policy_.breaker_cooldown);
    }
    hold_until_ = std::max(hold_until_, hold);
    for (auto seq : batch.seqs) {
      Pending& p = queue_.at(seq);
      ++p.attempts;
      p.in_flight = false;
      if (wall - p.enqueued_ms >= policy_.retry_for.count()) {
        log->error("sink '{}': alert undelivered for longer than retry_for ({} attempts, last: {}); kept as a dead letter", id(),
                   p.attempts, outcome.reason);
        if (dead_letter(seq, p, p.attempts, "expired", fmt::format("{}: {}", outcome.reason, outcome.response))) continue;
      }
      auto delay = policy_.backoff(p.attempts, rng_);
      if (outcome.retry_after && *outcome.retry_after > delay) delay = *outcome.retry_after;
      p.next_at = now + delay;
      metrics_.sink_retried(id());
      if (p.attempts == 1 || p.attempts % 10 == 0) {
        log->warn("sink '{}': attempt {} failed ({}{}); next in {}ms", id(), p.attempts, outcome.reason,
                  outcome.response.empty() ? "" : ": " + outcome.response, delay.count());
      }
    }
  }
  publish_gauges();
}

bool SinkDispatcher::dead_letter(std::uint64_t seq, Pending& p, int attempts, const std::string& reason, const std::string& response) {
  DeadLetter d{id(), {seq, p.key, p.enqueued_ms, p.alert_json}, unix_millis_now(), attempts, reason, response.substr(0, 2048)};
  if (auto moved = store_.dead_letter(d); !moved) {
    logger("delivery")->error("sink '{}': cannot store a dead letter, the alert stays queued: {}", id(), moved.error().message);
    return false;
  }
  metrics_.sink_dead_lettered(id(), reason);
  bytes_ -= std::min<std::uint64_t>(bytes_, size_of(p));
  bytes_ += size_of(d);
  ++dead_;
  ++dead_lettered_;
  queue_.erase(seq);
  return true;
}

void SinkDispatcher::publish_gauges() {
  metrics_.outbox(id(), static_cast<double>(queue_.size()), static_cast<double>(bytes_), static_cast<double>(dead_));
}

}  // namespace sigflow::delivery
