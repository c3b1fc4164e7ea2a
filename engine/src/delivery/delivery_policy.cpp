#include "delivery/delivery_policy.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace sigflow::delivery {
namespace {

Status check_rate(const std::string& text, DeliveryPolicy* policy) {
  if (text.empty() || text == "0") return Ok{};
  const auto bad = [&] {
    return make_error("config.value", fmt::format("rate_limit must be messages per period such as 20/1m or 5/1s, found '{}'", text));
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos) return bad();
  int n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + slash, n);
  auto period = parse_duration(text.substr(slash + 1));
  if (ec != std::errc() || ptr != text.data() + slash || n <= 0 || !period || period->count() <= 0) return bad();
  if (policy) {
    policy->rate_messages = n;
    policy->rate_period = *period;
  }
  return Ok{};
}

Status check_group_by(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    if (f != "signal" && f != "rule" && f != "severity" && f != "source" && !(f.starts_with("labels.") && f.size() > 7)) {
      return make_error("config.value", fmt::format("group_by: unknown alert field '{}' (use signal, rule, severity, source or labels.<name>)", f));
    }
  }
  return Ok{};
}

}  // namespace

const SettingsTable& delivery_settings() {
  static const SettingsTable table = {
      {"concurrency", SettingType::integer, "2", "messages in flight at once (order is kept per alert key regardless)"},
      {"rate_limit", SettingType::string, "", "at most this many messages per period, e.g. 20/1m; empty: no limit"},
      {"retry_initial", SettingType::duration, "1s", "delay before the first retry; doubles per failed attempt"},
      {"retry_max", SettingType::duration, "5m", "longest delay between retries"},
      {"retry_for", SettingType::duration, "24h", "an alert still undelivered after this long is dead-lettered as expired"},
      {"breaker_failures", SettingType::integer, "5", "consecutive failed attempts that open the circuit breaker"},
      {"breaker_cooldown", SettingType::duration, "30s", "how long an open breaker holds deliveries before one probe"},
      {"group_wait", SettingType::duration, "0s", "collect a burst this long and send it as one message; 0s: one message per alert"},
      {"group_interval", SettingType::duration, "1m", "with grouping: least time between two messages of one group"},
      {"group_by", SettingType::list, "signal", "with grouping: alert fields that make a group (signal, rule, severity, source, labels.<name>)"},
      {"max_group", SettingType::integer, "50", "with grouping: most alerts in one message"},
      {"outbox_max_bytes", SettingType::size, "256MiB", "disk budget of the sink's outbox (waiting alerts and dead letters)"},
  };
  return table;
}

SinkFactory with_delivery_settings(SinkFactory factory) {
  for (const SettingSpec& spec : delivery_settings()) {
    const bool own = std::any_of(factory.settings.begin(), factory.settings.end(), [&](const SettingSpec& s) { return s.key == spec.key; });
    if (!own) factory.settings.push_back(spec);
  }
  auto own_check = std::move(factory.check);
  factory.check = [own_check = std::move(own_check)](const Settings& settings) -> Status {
    if (auto policy = delivery_policy(settings); !policy) return policy.error();
    return own_check ? own_check(settings) : Status(Ok{});
  };
  return factory;
}

Result<DeliveryPolicy> delivery_policy(const Settings& s) {
  DeliveryPolicy p;
  p.concurrency = static_cast<int>(std::clamp<std::int64_t>(s.get_int("concurrency"), 1, 64));
  p.retry_initial = std::max(s.get_duration("retry_initial"), std::chrono::milliseconds(10));
  p.retry_max = std::max(s.get_duration("retry_max"), p.retry_initial);
  p.retry_for = s.get_duration("retry_for");
  p.breaker_failures = static_cast<int>(std::max<std::int64_t>(s.get_int("breaker_failures"), 1));
  p.breaker_cooldown = s.get_duration("breaker_cooldown");
  if (auto ok = check_rate(s.get("rate_limit"), &p); !ok) return ok.error();
  p.group_wait = s.get_duration("group_wait");
  p.group_interval = s.get_duration("group_interval");
  p.group_by = s.get_list("group_by");
  if (p.group_by.empty()) p.group_by = {"signal"};
  if (auto ok = check_group_by(p.group_by); !ok) return ok.error();
  p.max_group = static_cast<int>(std::clamp<std::int64_t>(s.get_int("max_group"), 1, 1000));
  p.outbox_max_bytes = s.get_size("outbox_max_bytes");
  return p;
}

std::chrono::milliseconds DeliveryPolicy::backoff(int failed_attempts, std::mt19937& rng) const {
  const int doublings = std::clamp(failed_attempts - 1, 0, 30);
  const double full = std::min(static_cast<double>(retry_initial.count()) * static_cast<double>(1LL << doublings),
                               static_cast<double>(retry_max.count()));
  std::uniform_real_distribution<double> half(0.0, full / 2);
  return std::chrono::milliseconds(static_cast<std::int64_t>(full / 2 + half(rng)));
}

std::string DeliveryPolicy::group_of(const Alert& a) const {
  std::string out;
  for (const auto& f : group_by) {
    std::string v;
    if (f == "signal") v = a.signal;
    else if (f == "rule") v = a.rule;
    else if (f == "severity") v = std::string(to_string(a.severity));
    else if (f == "source") v = a.event.source;
    else if (f.starts_with("labels.")) {
      if (auto it = a.labels.find(f.substr(7)); it != a.labels.end()) v = it->second;
    }
    if (!out.empty()) out += ',';
    out += fmt::format("{}={}", f, v);
  }
  return out;
}

}  // namespace sigflow::delivery
