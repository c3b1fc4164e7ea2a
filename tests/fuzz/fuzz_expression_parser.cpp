// libFuzzer target: the rule condition parser must reject any input cleanly.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/expression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto outcome = sigflow::rules::parse_expression(text);
  // Exactly one of: a parsed expression, or an error inside the text.
  if (outcome.expr.empty() == outcome.errors.empty()) __builtin_trap();
  for (const auto& e : outcome.errors) {
    if (e.offset > size) __builtin_trap();
  }
  return 0;
}
