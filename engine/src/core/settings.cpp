#include "sigflow/settings.hpp"

#include <charconv>
#include <utility>

#include <fmt/format.h>

namespace sigflow {
namespace {

bool parse_number(std::string_view text, double& value, std::string_view& unit) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i) return false;
  unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

}  // namespace

std::string_view to_string(SettingType t) {
  switch (t) {
    case SettingType::string: return "string";
    case SettingType::integer: return "integer";
    case SettingType::boolean: return "boolean";
    case SettingType::duration: return "duration";
    case SettingType::size: return "size";
    case SettingType::url: return "url";
    case SettingType::map: return "map";
    case SettingType::list: return "list";
  }
  return "?";
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double value = 0;
  std::string_view unit;
  if (!parse_number(text, value, unit)) {
    return make_error("config.duration", fmt::format("'{}' is not a duration (use e.g. 500ms, 30s, 5m, 1h)", text));
  }
  double ms = 0;
  if (unit == "ms") ms = value;
  else if (unit == "s") ms = value * 1e3;
  else if (unit == "m") ms = value * 60e3;
  else if (unit == "h") ms = value * 3600e3;
  else if (unit == "d") ms = value * 86400e3;
  else return make_error("config.duration", fmt::format("'{}' has no valid unit (use ms, s, m, h or d)", text));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

Result<std::uint64_t> parse_size(std::string_view text) {
  double value = 0;
  std::string_view unit;
  if (!parse_number(text, value, unit)) {
    return make_error("config.size", fmt::format("'{}' is not a size (use e.g. 512KiB, 16MiB)", text));
  }
  double mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "KB") mult = 1e3;
  else if (unit == "MB") mult = 1e6;
  else if (unit == "GB") mult = 1e9;
  else if (unit == "KiB") mult = 1024.0;
  else if (unit == "MiB") mult = 1024.0 * 1024;
  else if (unit == "GiB") mult = 1024.0 * 1024 * 1024;
  else return make_error("config.size", fmt::format("'{}' has no valid unit (use B, KB, MB, GB, KiB, MiB, GiB)", text));
  return static_cast<std::uint64_t>(value * mult);
}

Status check_setting_value(const SettingSpec& spec, std::string_view value) {
  switch (spec.type) {
    case SettingType::string:
      return Ok{};
    case SettingType::url:
      if (value.empty()) return make_error("config.type", "expected a URL, got an empty string");
      return Ok{};
    case SettingType::integer: {
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return make_error("config.type", fmt::format("expected an integer, got '{}'", value));
      }
      return Ok{};
    }
    case SettingType::boolean:
      if (value == "true" || value == "false") return Ok{};
      return make_error("config.type", fmt::format("expected true or false, got '{}'", value));
    case SettingType::duration: {
      auto d = parse_duration(value);
      if (!d) return d.error();
      return Ok{};
    }
    case SettingType::size: {
      auto s = parse_size(value);
      if (!s) return s.error();
      return Ok{};
    }
    case SettingType::map:
      return make_error("config.type", "expected a mapping of keys to values, got a single value");
    case SettingType::list:
      return Ok{};  // one value is a list of one
  }
  return Ok{};
}

Settings::Settings(const SettingsTable& table, std::map<std::string, std::string> values)
    : values_(std::move(values)) {
  for (const SettingSpec& spec : table) {
    if (spec.type == SettingType::list) {
      if (auto it = values_.find(spec.key); it != values_.end()) {  // one value is a list of one
        lists_[spec.key] = {it->second};
        values_.erase(it);
      }
      continue;
    }
    if (!values_.contains(spec.key) && !spec.default_value.empty()) {
      values_[spec.key] = spec.default_value;
    }
  }
}

bool Settings::has(const std::string& key) const { return values_.contains(key); }

const std::string& Settings::get(const std::string& key) const {
  static const std::string kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

std::int64_t Settings::get_int(const std::string& key) const {
  std::int64_t v = 0;
  const std::string& s = get(key);
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool Settings::get_bool(const std::string& key) const { return get(key) == "true"; }

std::chrono::milliseconds Settings::get_duration(const std::string& key) const {
  auto d = parse_duration(get(key));
  return d ? *d : std::chrono::milliseconds(0);
}

std::uint64_t Settings::get_size(const std::string& key) const {
  auto s = parse_size(get(key));
  return s ? *s : 0;
}

const std::map<std::string, std::string>& Settings::get_map(const std::string& key) const {
  static const std::map<std::string, std::string> kEmpty;
  auto it = maps_.find(key);
  return it == maps_.end() ? kEmpty : it->second;
}

const std::vector<std::string>& Settings::get_list(const std::string& key) const {
  static const std::vector<std::string> kEmpty;
  auto it = lists_.find(key);
  return it == lists_.end() ? kEmpty : it->second;
}

void Settings::set(const std::string& key, std::string value) { values_[key] = std::move(value); }
void Settings::set_map(const std::string& key, std::map<std::string, std::string> value) { maps_[key] = std::move(value); }
void Settings::set_list(const std::string& key, std::vector<std::string> value) { lists_[key] = std::move(value); }

}  // namespace sigflow
