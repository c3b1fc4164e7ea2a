// libFuzzer target: any rule file text loads and compiles to a rule set or to diagnostics,
// never a crash, hang or leak; a compiled set evaluates a sample event.
#include <cstddef>
#include <cstdint>
#include <string>

#include "rules/rule_set.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = sigflow::rules::load_rule_text(text, "fuzz.yaml");
  if (!loaded.value) return 0;
  auto compiled = sigflow::rules::compile_rules(*loaded.value);
  if (!compiled.value) return 0;
  sigflow::Event e;
  e.id = "fuzz";
  e.source = "fuzz";
  e.data.title = "阿里云百炼上线 DeepSeek-R1，完成 10 亿美元融资，降价 90%";
  e.data.content = text.substr(0, 2048);
  sigflow::rules::RuleEvaluator evaluator;
  auto alerts = evaluator.evaluate(**compiled.value, e, "t");
  (void)alerts;
  return 0;
}
