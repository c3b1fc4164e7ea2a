#pragma once
// Typed field access over a simdjson DOM object with errors that name the field.
#include <simdjson.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "sigflow/result.hpp"

namespace sigflow::json {

// Parses `text` with a per-thread DOM parser; the element stays valid until the next parse on
// this thread.
Result<simdjson::dom::element> parse(std::string_view text);

class ObjectReader {
 public:
  ObjectReader(simdjson::dom::object obj, std::string path) : obj_(obj), path_(std::move(path)), valid_(true) {}
  // A reader for an absent object: every field reads as missing.
  explicit ObjectReader(std::string path) : path_(std::move(path)) {}

  // Reads a string field. Required fields that are absent, and fields of the wrong type, set
  // the first error; read results are then unspecified and the caller returns error().
  std::string string(std::string_view key, bool required = false);
  std::vector<std::string> string_array(std::string_view key);
  std::map<std::string, std::string> string_map(std::string_view key);
  bool has(std::string_view key) const;
  ObjectReader object(std::string_view key, bool required = false);
  // Fields of the object (none for an absent object).
  template <typename F>
  void for_each(F&& f) const {
    if (!valid_) return;
    for (auto [k, v] : obj_) f(k, v);
  }

  bool ok() const { return error_.empty(); }
  Error error() const { return make_error("json.schema", error_); }
  // Propagates a nested reader's error.
  void absorb(const ObjectReader& nested) {
    if (error_.empty()) error_ = nested.error_;
  }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  std::string field_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }
  simdjson::dom::object obj_;
  std::string path_;
  bool valid_ = false;
  std::string error_;
};

}  // namespace sigflow::json
