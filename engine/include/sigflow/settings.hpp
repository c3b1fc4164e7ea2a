#pragma once
// Settings tables: each connector and sink declares its keys (type, default, help). The table
// drives config validation (unknown keys and wrong types are errors naming the key and line),
// the generated docs and `--list-types` listings.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow {

// map: a YAML mapping of scalars (e.g. headers); list: a scalar or a sequence of scalars.
enum class SettingType { string, integer, boolean, duration, size, url, map, list };
std::string_view to_string(SettingType t);

struct SettingSpec {
  std::string key;
  SettingType type;
  std::string default_value;  // empty with required=false: the setting is optional
  std::string help;
  bool required = false;
};
using SettingsTable = std::vector<SettingSpec>;

// Parsers shared by config loading and settings: "250ms", "30s", "5m", "1h", "1d"; "512KiB",
// "16MiB", "1GB" or a plain number of bytes.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
Result<std::uint64_t> parse_size(std::string_view text);

// Checks one raw value against its declared type; the error message says what was expected.
Status check_setting_value(const SettingSpec& spec, std::string_view value);

// Validated values of one component instance, defaults filled in. Getters assume validation
// passed (it happens at config load), so they never fail on a declared key.
class Settings {
 public:
  Settings() = default;
  Settings(const SettingsTable& table, std::map<std::string, std::string> values);

  bool has(const std::string& key) const;
  const std::string& get(const std::string& key) const;  // "" when unset and no default
  std::int64_t get_int(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::chrono::milliseconds get_duration(const std::string& key) const;
  std::uint64_t get_size(const std::string& key) const;
  const std::map<std::string, std::string>& get_map(const std::string& key) const;  // empty when unset
  const std::vector<std::string>& get_list(const std::string& key) const;           // empty when unset

  void set(const std::string& key, std::string value);
  void set_map(const std::string& key, std::map<std::string, std::string> value);
  void set_list(const std::string& key, std::vector<std::string> value);

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::map<std::string, std::string>> maps_;
  std::map<std::string, std::vector<std::string>> lists_;
};

}  // namespace sigflow
