#include "sigflow/json_writer.hpp"

#include <simdjson.h>

#include <fmt/format.h>

namespace sigflow::json {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
  else if ((c & 0xF0) == 0xE0) len = 3;
  else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
  else return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
  if (c == 0xED && c1 >= 0xA0) return 0;  // surrogates
  if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
  if (c == 0xF4 && c1 >= 0x90) return 0;  // > U+10FFFF
  return len;
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  const bool valid = simdjson::validate_utf8(s.data(), s.size());
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c < 0x80 || valid) {
      out.push_back(static_cast<char>(c));
    } else if (std::size_t len = utf8_sequence_length(s, i); len > 0) {
      out.append(s.substr(i, len));
      i += len - 1;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  out.push_back('"');
}

void Writer::separator() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_items_.empty()) {
    if (has_items_.back()) out_.push_back(',');
    has_items_.back() = true;
  }
}

Writer& Writer::begin_object() {
  separator();
  out_.push_back('{');
  has_items_.push_back(false);
  return *this;
}

Writer& Writer::end_object() {
  out_.push_back('}');
  has_items_.pop_back();
  return *this;
}

Writer& Writer::begin_array() {
  separator();
  out_.push_back('[');
  has_items_.push_back(false);
  return *this;
}

Writer& Writer::end_array() {
  out_.push_back(']');
  has_items_.pop_back();
  return *this;
}

Writer& Writer::key(std::string_view k) {
  separator();
  append_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

Writer& Writer::value(std::string_view v) {
  separator();
  append_string(out_, v);
  return *this;
}

Writer& Writer::value(bool v) {
  separator();
  out_ += v ? "true" : "false";
  return *this;
}

Writer& Writer::raw(std::string_view json) {
  separator();
  out_ += json;
  return *this;
}

Writer& Writer::value(double v) {
  separator();
  out_ += fmt::format("{}", v);
  return *this;
}

Writer& Writer::field(std::string_view k, std::string_view v, bool omit_empty) {
  if (omit_empty && v.empty()) return *this;
  return key(k).value(v);
}

Writer& Writer::string_array(std::string_view k, const std::vector<std::string>& values) {
  key(k).begin_array();
  for (const auto& v : values) value(v);
  return end_array();
}

}  // namespace sigflow::json
