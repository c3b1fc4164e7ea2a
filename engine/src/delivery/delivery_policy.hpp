#pragma once
// DeliveryPolicy: how one sink's outbox is delivered (concurrency, retries, circuit breaker,
// rate limit, grouping, disk budget). Every sink type accepts these keys; the sink's own table
// may change their defaults (chat bots have rate limits of their own).
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "sigflow/alert.hpp"
#include "sigflow/result.hpp"
#include "sigflow/settings.hpp"
#include "sigflow/sink.hpp"

namespace sigflow::delivery {

struct DeliveryPolicy {
  int concurrency = 2;
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{300'000};
  std::chrono::milliseconds retry_for{24 * 3600'000};  // then dead-lettered as "expired"
  int breaker_failures = 5;                            // consecutive failed attempts that open it
  std::chrono::milliseconds breaker_cooldown{30'000};
  int rate_messages = 0;  // 0: no rate limit
  std::chrono::milliseconds rate_period{1000};
  std::chrono::milliseconds group_wait{0};  // 0: one message per alert
  std::chrono::milliseconds group_interval{60'000};
  std::vector<std::string> group_by;  // alert fields: signal, rule, severity, labels.<name>
  int max_group = 50;
  std::uint64_t outbox_max_bytes = 256u << 20;

  // The delay before attempt n+1 after n failed attempts: retry_initial × 2^(n-1), at most
  // retry_max, with equal jitter (half fixed, half random) so that a receiver coming back is
  // not hit by every sigflow at once.
  std::chrono::milliseconds backoff(int failed_attempts, std::mt19937& rng) const;
  // The group an alert belongs to under group_by, e.g. "signal=funding_round".
  std::string group_of(const Alert& alert) const;
};

// The delivery keys with their defaults, for merging into every sink's table.
const SettingsTable& delivery_settings();
// Adds the delivery keys a sink's table does not declare itself, and their checks.
SinkFactory with_delivery_settings(SinkFactory factory);
// Reads validated settings. Error code config.value for a malformed rate_limit or group_by.
Result<DeliveryPolicy> delivery_policy(const Settings& settings);

}  // namespace sigflow::delivery
