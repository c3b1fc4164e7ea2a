#include "json_reader.hpp"

namespace sigflow::json {

Result<simdjson::dom::element> parse(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text.data(), text.size()).get(doc); err) {
    return make_error("json.invalid", fmt::format("invalid JSON: {}", simdjson::error_message(err)));
  }
  return doc;
}

bool ObjectReader::has(std::string_view key) const {
  if (!valid_) return false;
  simdjson::dom::element e;
  return obj_.at_key(key).get(e) == simdjson::SUCCESS && !e.is_null();
}

std::string ObjectReader::string(std::string_view key, bool required) {
  simdjson::dom::element e;
  if (!valid_ || obj_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) {
    if (required) fail(fmt::format("missing required field '{}'", field_path(key)));
    return {};
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    fail(fmt::format("field '{}' must be a string", field_path(key)));
    return {};
  }
  if (required && s.empty()) fail(fmt::format("field '{}' must not be empty", field_path(key)));
  return std::string(s);
}

std::vector<std::string> ObjectReader::string_array(std::string_view key) {
  std::vector<std::string> out;
  simdjson::dom::element e;
  if (!valid_ || obj_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return out;
  simdjson::dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    fail(fmt::format("field '{}' must be an array of strings", field_path(key)));
    return out;
  }
  for (simdjson::dom::element item : arr) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      fail(fmt::format("field '{}' must be an array of strings", field_path(key)));
      return out;
    }
    out.emplace_back(s);
  }
  return out;
}

std::map<std::string, std::string> ObjectReader::string_map(std::string_view key) {
  std::map<std::string, std::string> out;
  ObjectReader nested = object(key);
  if (!ok()) return out;
  nested.for_each([&](std::string_view k, simdjson::dom::element v) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      fail(fmt::format("field '{}.{}' must be a string", field_path(key), k));
      return;
    }
    out.emplace(std::string(k), std::string(s));
  });
  return out;
}

ObjectReader ObjectReader::object(std::string_view key, bool required) {
  simdjson::dom::element e;
  simdjson::dom::object o;
  if (!valid_ || obj_.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) {
    if (required) fail(fmt::format("missing required object '{}'", field_path(key)));
    return ObjectReader(field_path(key));
  }
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    fail(fmt::format("field '{}' must be an object", field_path(key)));
    return ObjectReader(field_path(key));
  }
  return ObjectReader(o, field_path(key));
}

}  // namespace sigflow::json
