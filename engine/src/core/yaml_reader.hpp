#pragma once
// Reading YAML with located diagnostics: every accessor checks the type, records an error
// naming the key, file, line and column, and lets the loader continue to find more errors.
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"

namespace sigflow {

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  // Loads a file (or text when given) with yaml-cpp; syntax errors become diagnostics.
  std::optional<YAML::Node> load_file();
  std::optional<YAML::Node> load_text(const std::string& text);

  SourceMark mark(const YAML::Node& node) const;
  void error(const YAML::Node& at, std::string code, std::string message);
  void warning(const YAML::Node& at, std::string code, std::string message);

  // `what` names the mapping in messages, e.g. "source 'news'" or "rule file".
  bool expect_map(const YAML::Node& node, std::string_view what);
  bool expect_sequence(const YAML::Node& node, std::string_view what);
  void reject_unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           std::string_view what);
  // Scalar child `key` of `map`; a missing required key is reported at the map.
  std::optional<std::string> scalar(const YAML::Node& map, const std::string& key,
                                    std::string_view what, bool required = false);
  std::optional<bool> boolean(const YAML::Node& map, const std::string& key, std::string_view what);
  std::map<std::string, std::string> string_map(const YAML::Node& map, const std::string& key,
                                                std::string_view what);
  // A scalar, or a sequence of scalars, as a list.
  std::vector<std::string> string_list(const YAML::Node& node, std::string_view what);

  const std::string& file() const { return file_; }
  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

 private:
  YAML::Node checked(YAML::Node root);

  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

std::string_view yaml_type_name(const YAML::Node& node);

// The file position of byte `offset` inside a scalar that starts at `scalar` (plain, quoted,
// or a | / > block), so errors inside an expression point at the offending token.
SourceMark offset_mark(const SourceMark& scalar, std::size_t offset);

}  // namespace sigflow
