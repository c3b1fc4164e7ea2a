#include "sigflow/secrets.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace sigflow {

Result<std::string> resolve_secrets(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("${", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) return make_error("config.secret", "unterminated '${' reference (expected ${env:NAME} or ${file:PATH})");
    out.append(text.substr(pos, open - pos));
    const std::string_view ref = text.substr(open + 2, close - open - 2);
    if (ref.rfind("env:", 0) == 0) {
      const std::string name(ref.substr(4));
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) return make_error("config.secret", fmt::format("environment variable {} is not set", name));
      out.append(value);
    } else if (ref.rfind("file:", 0) == 0) {
      const std::string path(ref.substr(5));
      std::ifstream in(path, std::ios::binary);
      if (!in) return make_error("config.secret", fmt::format("cannot read secret file {}", path));
      std::ostringstream content;
      content << in.rdbuf();
      std::string value = content.str();
      if (!value.empty() && value.back() == '\n') value.pop_back();
      if (!value.empty() && value.back() == '\r') value.pop_back();
      out.append(value);
    } else {
      return make_error("config.secret", fmt::format("unknown reference '${{{}}}' (expected ${{env:NAME}} or ${{file:PATH}})", ref));
    }
    pos = close + 1;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

}  // namespace sigflow
