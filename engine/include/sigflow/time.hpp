#pragma once
// Time parsing and formatting for feeds and contracts. Everything is UTC at rest.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sigflow {

using SysSeconds = std::chrono::sys_seconds;

// Parses RFC 3339 / ISO 8601 ("2025-02-04T10:30:00+08:00", "...Z", fractional seconds, a space
// instead of T, no zone = UTC), RFC 822/1123 ("Tue, 04 Feb 2025 10:30:00 +0800", named zones
// GMT/UTC/EST/..., two-digit years) and plain dates ("2025-02-04"). nullopt when unparseable.
std::optional<SysSeconds> parse_datetime(std::string_view text);

// How a connector reads a time field (settings time_format and time_zone):
//   "auto"      parse_datetime's formats;
//   "epoch_s"   seconds since 1970 (a number, or digits in a string);
//   "epoch_ms"  milliseconds since 1970;
//   otherwise   a strptime pattern such as "%Y-%m-%d %H:%M:%S".
// Wall-clock times (patterns, and "auto" text without an offset) are read in `zone`, an IANA
// time zone name such as "Asia/Shanghai" (ICU's time zone data; "UTC" by default).
struct TimeFormat {
  std::string format = "auto";
  std::string zone = "UTC";
};
std::optional<SysSeconds> parse_time_as(std::string_view text, const TimeFormat& f);
bool is_time_zone(std::string_view zone);

// "2025-02-04T02:30:00Z"
std::string format_rfc3339(SysSeconds t);
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);  // with .mmm
std::string now_rfc3339();
// Unix time in milliseconds (outbox records, chat bot signatures, latencies).
std::int64_t unix_millis_now();
// What is left until `deadline`, never negative (shutdown budgets).
std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline);

}  // namespace sigflow
