#pragma once
// Diagnostics of loaders (config, rules): typed, located, rendered as
// `file:line:col: error: message` with the offending line and a caret.
#include <optional>
#include <string>
#include <vector>

namespace sigflow {

struct SourceMark {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based
};

struct Diagnostic {
  enum class Level { error, warning };
  Level level = Level::error;
  SourceMark mark;
  std::string code;  // e.g. "rules.unknown_list", "config.unknown_key"
  std::string message;
};

// Builders (also keep GCC 12's -Wmaybe-uninitialized false positive on nested aggregate
// initialization out of -O3 builds).
Diagnostic error_at(SourceMark mark, std::string code, std::string message);
Diagnostic warning_at(SourceMark mark, std::string code, std::string message);

// Renders one diagnostic; with_snippet adds the source line and a caret under the column.
std::string format_diagnostic(const Diagnostic& d, bool with_snippet = true);

std::optional<std::string> read_source_line(const std::string& file, int line);

bool has_errors(const std::vector<Diagnostic>& diagnostics);

// The outcome of a loader: a value when there are no errors, plus every diagnostic found.
template <typename T>
struct LoadResult {
  std::optional<T> value;
  std::vector<Diagnostic> diagnostics;
};

}  // namespace sigflow
