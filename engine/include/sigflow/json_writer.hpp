#pragma once
// Minimal streaming JSON writer for the contracts (simdjson 3 parses but does not build JSON).
// Strings are escaped per RFC 8259; invalid UTF-8 is replaced by U+FFFD so output is always
// valid JSON.
#include <string>
#include <string_view>
#include <vector>

namespace sigflow::json {

void append_string(std::string& out, std::string_view s);

class Writer {
 public:
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);
  Writer& value(std::string_view v);
  Writer& value(const char* v) { return value(std::string_view(v)); }
  Writer& value(double v);
  Writer& value(bool v);
  Writer& value(int v) { return value(static_cast<double>(v)); }
  // An already serialized JSON value (e.g. an alert's to_json()), inserted as it is.
  Writer& raw(std::string_view json);
  // key + string value, skipped when the value is empty and omit_empty is set.
  Writer& field(std::string_view k, std::string_view v, bool omit_empty = false);
  Writer& string_array(std::string_view k, const std::vector<std::string>& values);
  std::string take() { return std::move(out_); }

 private:
  void separator();
  std::string out_;
  std::vector<bool> has_items_;  // per open container
  bool after_key_ = false;
};

}  // namespace sigflow::json
