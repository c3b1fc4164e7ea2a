#include "core/diagnostic.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

namespace sigflow {
std::optional<std::string> read_source_line(const std::string& file, int line) {
  std::ifstream in(file);
  std::string text;
  for (int i = 1; i <= line && std::getline(in, text); ++i) {
    if (i == line) return text;
  }
  return std::nullopt;
}

namespace {

// Columns are 1-based byte offsets (as yaml-cpp reports them). The caret must line up with
// what a terminal shows, so each wide (CJK) character before it pads two cells.
std::string caret_padding(const std::string& line, int column) {
  std::string pad;
  const std::size_t end = std::min(line.size(), static_cast<std::size_t>(std::max(column - 1, 0)));
  for (std::size_t i = 0; i < end;) {
    const auto c = static_cast<unsigned char>(line[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    if (line[i] == '\t') pad.push_back('\t');
    else pad.append(len >= 3 ? "  " : " ");
    i += len;
  }
  return pad;
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d, bool with_snippet) {
  const char* level = d.level == Diagnostic::Level::error ? "error" : "warning";
  std::string out;
  if (d.mark.line > 0) {
    out = fmt::format("{}:{}:{}: {}: {}", d.mark.file, d.mark.line, d.mark.column, level, d.message);
  } else if (!d.mark.file.empty()) {
    out = fmt::format("{}: {}: {}", d.mark.file, level, d.message);
  } else {
    out = fmt::format("{}: {}", level, d.message);
  }
  if (with_snippet && d.mark.line > 0) {
    if (auto line = read_source_line(d.mark.file, d.mark.line)) {
      out += fmt::format("\n  {}\n  {}^", *line, caret_padding(*line, d.mark.column));
    }
  }
  return out;
}

Diagnostic error_at(SourceMark mark, std::string code, std::string message) {
  Diagnostic d;
  d.level = Diagnostic::Level::error;
  d.mark = std::move(mark);
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

Diagnostic warning_at(SourceMark mark, std::string code, std::string message) {
  Diagnostic d = error_at(std::move(mark), std::move(code), std::move(message));
  d.level = Diagnostic::Level::warning;
  return d;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    if (d.level == Diagnostic::Level::error) return true;
  }
  return false;
}

}  // namespace sigflow
