#include "core/yaml_reader.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sigflow {

std::string_view yaml_type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "empty";
    default: return "undefined";
  }
}

std::optional<YAML::Node> YamlReader::load_file() {
  try {
    return checked(YAML::LoadFile(file_));
  } catch (const YAML::BadFile&) {
    diagnostics_.push_back(error_at({file_, 0, 0}, "yaml.io", "cannot read file"));
  } catch (const YAML::Exception& e) {
    diagnostics_.push_back(error_at({file_, e.mark.line + 1, e.mark.column + 1},
                            "yaml.syntax", e.msg));
  }
  return std::nullopt;
}

std::optional<YAML::Node> YamlReader::load_text(const std::string& text) {
  try {
    return checked(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    diagnostics_.push_back(error_at({file_, e.mark.line + 1, e.mark.column + 1},
                            "yaml.syntax", e.msg));
  }
  return std::nullopt;
}

// yaml-cpp keeps both entries of a repeated key and answers lookups with the first, so a
// repeated key would silently lose a value: every one is an error. Iterative, so hostile
// nesting cannot exhaust the stack.
YAML::Node YamlReader::checked(YAML::Node root) {
  std::vector<YAML::Node> stack{root};
  while (!stack.empty()) {
    YAML::Node node = stack.back();
    stack.pop_back();
    if (node.IsMap()) {
      std::map<std::string, YAML::Mark> keys;
      for (const auto& kv : node) {
        if (kv.first.IsScalar()) {
          auto [it, inserted] = keys.emplace(kv.first.Scalar(), kv.first.Mark());
          if (!inserted) {
            error(kv.first, "yaml.duplicate_key",
                  fmt::format("duplicate key '{}' (first at line {}); the later value would be ignored", kv.first.Scalar(),
                              it->second.line + 1));
          }
        }
        stack.push_back(kv.second);
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) stack.push_back(item);
    }
  }
  return root;
}

SourceMark YamlReader::mark(const YAML::Node& node) const {
  const YAML::Mark m = node.Mark();
  if (m.is_null()) return {file_, 0, 0};
  return {file_, m.line + 1, m.column + 1};
}

void YamlReader::error(const YAML::Node& at, std::string code, std::string message) {
  diagnostics_.push_back(error_at(mark(at), std::move(code), std::move(message)));
}

void YamlReader::warning(const YAML::Node& at, std::string code, std::string message) {
  diagnostics_.push_back(warning_at(mark(at), std::move(code), std::move(message)));
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return true;
  error(node, "yaml.type", fmt::format("{} must be a mapping (key: value), found {}", what, yaml_type_name(node)));
  return false;
}

bool YamlReader::expect_sequence(const YAML::Node& node, std::string_view what) {
  if (node.IsSequence()) return true;
  error(node, "yaml.type", fmt::format("{} must be a list (- item), found {}", what, yaml_type_name(node)));
  return false;
}

void YamlReader::reject_unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                                     std::string_view what) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    error(kv.first, "yaml.unknown_key", fmt::format("unknown key '{}' in {} (known keys: {})", key, what, fmt::join(allowed, ", ")));
  }
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& map, const std::string& key,
                                              std::string_view what, bool required) {
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) {
    if (required) error(map, "yaml.missing_key", fmt::format("{} is missing required key '{}'", what, key));
    return std::nullopt;
  }
  if (!v.IsScalar()) {
    error(v, "yaml.type", fmt::format("'{}' in {} must be a scalar value, found {}", key, what, yaml_type_name(v)));
    return std::nullopt;
  }
  return v.Scalar();
}

std::optional<bool> YamlReader::boolean(const YAML::Node& map, const std::string& key, std::string_view what) {
  auto s = scalar(map, key, what);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  error(map[key], "yaml.type", fmt::format("'{}' in {} must be true or false, found '{}'", key, what, *s));
  return std::nullopt;
}

std::map<std::string, std::string> YamlReader::string_map(const YAML::Node& map, const std::string& key,
                                                          std::string_view what) {
  std::map<std::string, std::string> out;
  const YAML::Node v = map[key];
  if (!v || v.IsNull()) return out;
  if (!expect_map(v, fmt::format("'{}' in {}", key, what))) return out;
  for (const auto& kv : v) {
    if (!kv.second.IsScalar()) {
      error(kv.second, "yaml.type", fmt::format("'{}.{}' in {} must be a string", key, kv.first.Scalar(), what));
      continue;
    }
    out[kv.first.Scalar()] = kv.second.Scalar();
  }
  return out;
}

std::vector<std::string> YamlReader::string_list(const YAML::Node& node, std::string_view what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (expect_sequence(node, what)) {
    for (const auto& item : node) {
      if (item.IsScalar()) out.push_back(item.Scalar());
      else error(item, "yaml.type", fmt::format("items of {} must be strings, found {}", what, yaml_type_name(item)));
    }
  }
  return out;
}

SourceMark offset_mark(const SourceMark& scalar, std::size_t offset) {
  auto first = read_source_line(scalar.file, scalar.line);
  if (!first || scalar.column < 1 || static_cast<std::size_t>(scalar.column) > first->size() + 1) return scalar;
  std::size_t start = static_cast<std::size_t>(scalar.column - 1);
  int line = scalar.line;
  std::string text = *first;
  const char indicator = start < text.size() ? text[start] : '\0';
  if (indicator == '|' || indicator == '>') {  // block scalar: content starts on the next line
    ++line;
    auto next = read_source_line(scalar.file, line);
    if (!next) return scalar;
    text = *next;
    start = text.find_first_not_of(' ');
    if (start == std::string::npos) return scalar;
  } else if (indicator == '"' || indicator == '\'') {
    ++start;
  }
  // Walk the scalar's lines; each line break counts as one byte (newline or folded space).
  for (int guard = 0; guard < 10000; ++guard) {
    const std::size_t len = text.size() - std::min(start, text.size());
    if (offset <= len) return {scalar.file, line, static_cast<int>(start + offset + 1)};
    offset -= len + 1;
    ++line;
    auto next = read_source_line(scalar.file, line);
    if (!next) return scalar;
    text = *next;
    start = text.find_first_not_of(' ');
    if (start == std::string::npos) start = text.size();
  }
  return scalar;
}

}  // namespace sigflow
