#include "sigflow/time.hpp"

#include <curl/curl.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <cstring>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace sigflow {
namespace {

std::string trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// ISO 8601 / RFC 3339 through strptime. glibc's %z accepts "Z", "+hh", "+hhmm" and "+hh:mm".
std::optional<SysSeconds> parse_iso8601(const std::string& s) {
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%d", &tm);
  if (rest == nullptr) return std::nullopt;
  if (*rest == 'T' || *rest == 't' || *rest == ' ') {
    const char* time_end = strptime(rest + 1, "%H:%M", &tm);
    if (time_end == nullptr) return std::nullopt;
    rest = time_end;
    if (*rest == ':') {
      const char* sec_end = strptime(rest + 1, "%S", &tm);
      if (sec_end == nullptr) return std::nullopt;
      rest = sec_end;
    }
    if (*rest == '.' || *rest == ',') {  // fractional seconds: dropped
      ++rest;
      while (std::isdigit(static_cast<unsigned char>(*rest))) ++rest;
    }
  }
  while (*rest == ' ') ++rest;
  long offset = 0;
  if (*rest != '\0') {
    std::tm zone{};
    const char* zone_end = strptime(rest, "%z", &zone);
    if (zone_end == nullptr) {
      if (std::strcmp(rest, "UTC") == 0 || std::strcmp(rest, "GMT") == 0) {
        zone_end = rest + 3;
      } else {
        return std::nullopt;
      }
    }
    offset = zone.tm_gmtoff;
    while (*zone_end == ' ') ++zone_end;
    if (*zone_end != '\0') return std::nullopt;
  }
  tm.tm_isdst = 0;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return SysSeconds(std::chrono::seconds(t - offset));
}

}  // namespace

std::optional<SysSeconds> parse_datetime(std::string_view text) {
  const std::string s = trimmed(text);
  if (s.empty()) return std::nullopt;
  if (s.size() >= 10 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-') {
    return parse_iso8601(s);
  }
  // RFC 822/1123/850 and asctime forms, named zones included: libcurl's date parser.
  const std::time_t t = curl_getdate(s.c_str(), nullptr);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return SysSeconds(std::chrono::seconds(t));
}

std::string format_rfc3339(SysSeconds t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t); }

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(ms);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", secs,
                     static_cast<int>((ms - secs).count()));
}

std::string now_rfc3339() { return format_rfc3339_ms(std::chrono::system_clock::now()); }

std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

std::int64_t unix_millis_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

std::unique_ptr<icu::TimeZone> time_zone(std::string_view zone) {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(icu::StringPiece(zone.data(), static_cast<int32_t>(zone.size())))));
  if (!tz || *tz == icu::TimeZone::getUnknown()) return nullptr;
  return tz;
}

// A wall-clock time in `zone` (given as if it were UTC) to UTC.
std::optional<SysSeconds> from_wall_clock(SysSeconds wall, std::string_view zone) {
  auto tz = time_zone(zone);
  if (!tz) return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  int32_t raw = 0;
  int32_t dst = 0;
  const double local_ms = static_cast<double>(wall.time_since_epoch().count()) * 1000.0;
  tz->getOffset(local_ms, /*local=*/true, raw, dst, status);
  if (U_FAILURE(status)) return std::nullopt;
  return wall - std::chrono::seconds((raw + dst) / 1000);
}

// Whether RFC 3339 / RFC 822 text names its offset ("Z", "+08:00", "+0800", "GMT", "EST"...).
bool has_offset(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  if (t.size() <= 10) return false;  // a plain date
  if (t.back() == 'Z' || t.back() == 'z') return true;
  if (std::isalpha(static_cast<unsigned char>(t.back()))) return true;  // a named zone
  const auto sign = t.find_last_of("+-");
  return sign != std::string_view::npos && sign > 10 && t.find(':', 11) != std::string_view::npos &&
         sign > t.find(':', 11);
}

std::optional<std::int64_t> integer_of(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || t.empty()) return std::nullopt;
  if (ptr != t.data() + t.size() && *ptr != '.') return std::nullopt;  // "1738636200.5" keeps its integer part
  return v;
}

}  // namespace

bool is_time_zone(std::string_view zone) { return time_zone(zone) != nullptr; }

std::optional<SysSeconds> parse_time_as(std::string_view text, const TimeFormat& f) {
  if (f.format == "epoch_s" || f.format == "epoch_ms") {
    auto v = integer_of(text);
    if (!v) return std::nullopt;
    const std::int64_t seconds = f.format == "epoch_ms" ? *v / 1000 : *v;
    if (seconds < 0 || seconds > 32503680000) return std::nullopt;  // before 1970 or after 3000: not a real publish time
    return SysSeconds(std::chrono::seconds(seconds));
  }
  if (f.format == "auto") {
    auto t = parse_datetime(text);
    if (!t || has_offset(text) || f.zone == "UTC") return t;
    return from_wall_clock(*t, f.zone);
  }
  std::tm tm{};
  const std::string s = trimmed(text);
  const char* end = strptime(s.c_str(), f.format.c_str(), &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const SysSeconds wall(std::chrono::seconds(timegm(&tm)));
  return from_wall_clock(wall, f.zone);
}

}  // namespace sigflow
