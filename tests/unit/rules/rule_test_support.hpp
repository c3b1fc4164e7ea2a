#pragma once
// Helpers for rule tests: write rule YAML to a temp file, compile it, evaluate events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/rule_set.hpp"
#include "support/test_paths.hpp"

namespace sigflow::rules::test_support {

struct Compiled {
  std::shared_ptr<const CompiledRuleSet> set;
  std::vector<Diagnostic> diagnostics;
  std::string file;
};

inline Compiled compile_text(const sigflow::test::TempDir& dir, const std::string& yaml, const std::string& name = "rules.yaml") {
  const auto path = dir / name;
  sigflow::test::write_file(path, yaml);
  auto r = load_and_compile_rules({path.string()});
  return {r.value ? *r.value : nullptr, r.diagnostics, path.string()};
}

inline std::string rendered(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += format_diagnostic(d) + "\n";
  return out;
}

inline Event event(const std::string& title, const std::string& content = {}) {
  Event e;
  e.source = "test";
  e.data.guid = title;
  e.id = make_event_id("test", title);
  e.type = "sigflow.feed.item";
  e.data.title = title;
  e.data.content = content;
  return e;
}

}  // namespace sigflow::rules::test_support
