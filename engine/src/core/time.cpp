#include "sigflow/time.hpp"

#include <curl/curl.h>

#include <cctype>
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

}  // namespace sigflow
