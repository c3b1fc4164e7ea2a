// Rule loading and compilation: what analysts see when a file is wrong.
#include <gtest/gtest.h>

#include "rules/expression.hpp"
#include "rules/rule_test_support.hpp"

namespace sigflow::rules {
namespace {

using namespace test_support;

const char* kValid = R"(schema_version: 1
lists:
  providers:
    - name: Alibaba Cloud
      terms: [阿里云, Alibaba Cloud]
  verbs: [上线, launches]
macros:
  onboarding: any(providers) and any(verbs)
rules:
  - id: r1
    signal: model_onboarding
    condition: onboarding
    extract: {provider: providers}
    summary: "{provider}: {title}"
)";

TEST(RuleCompiler, CompilesAValidFile) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, kValid);
  ASSERT_TRUE(c.set) << rendered(c.diagnostics);
  EXPECT_EQ(c.set->rules().size(), 1u);
  EXPECT_EQ(c.set->lists().size(), 2u);
  EXPECT_FALSE(has_errors(c.diagnostics));
}

// The hash a reload compares: the same files and rates hash the same; any byte or rate differs.
TEST(RuleCompiler, TheRuleSetHashFollowsTheFilesAndTheCurrencyRates) {
  sigflow::test::TempDir dir;
  auto a = compile_text(dir, kValid);
  ASSERT_TRUE(a.set) << rendered(a.diagnostics);
  EXPECT_EQ(a.set->hash().size(), 16u);
  EXPECT_EQ(a.set->files(), std::vector<std::string>{a.file});
  auto sources = load_rule_files({a.file});
  ASSERT_TRUE(sources.value);
  EXPECT_EQ(rule_set_hash(*sources.value, {}), a.set->hash());
  CompileOptions other_rates;
  other_rates.rates["CNY"] = 0.5;
  EXPECT_NE(rule_set_hash(*sources.value, other_rates), a.set->hash());
  auto b = compile_text(dir, std::string(kValid) + "\n");
  ASSERT_TRUE(b.set);
  EXPECT_NE(b.set->hash(), a.set->hash());
  auto c = compile_text(dir, kValid);
  EXPECT_EQ(c.set->hash(), a.set->hash());
}

struct BadCase {
  const char* name;
  std::string yaml;
  int line;
  int column;
  const char* message;
};

TEST(RuleCompiler, ReportsErrorsWithFileLineAndColumn) {
  const std::string head = "schema_version: 1\nlists:\n  verbs: [上线]\n";
  const BadCase cases[] = {
      {"unknown list", head + "rules:\n  - id: r\n    signal: s\n    condition: any(verbz)\n", 7, 20, "unknown list 'verbz' (did you mean 'verbs'?)"},
      {"syntax", head + "rules:\n  - id: r\n    signal: s\n    condition: any(verbs) and\n", 7, 30, "condition ends too early"},
      {"unknown macro", head + "rules:\n  - id: r\n    signal: s\n    condition: any(verbs) and onboard\n", 7, 31, "unknown macro 'onboard'"},
      {"list used as macro", head + "rules:\n  - id: r\n    signal: s\n    condition: verbs\n", 7, 16, "'verbs' is a list: write any(verbs)"},
      {"unknown rule key", head + "rules:\n  - id: r\n    signal: s\n    condtion: any(verbs)\n", 7, 5, "unknown key 'condtion'"},
      {"missing condition", head + "rules:\n  - id: r\n    signal: s\n", 5, 5, "missing required key 'condition'"},
      {"bad severity", head + "rules:\n  - id: r\n    signal: s\n    severity: loud\n    condition: any(verbs)\n", 7, 15, "unknown severity 'loud'"},
      {"unknown field", head + "rules:\n  - id: r\n    signal: s\n    condition: any(verbs, body)\n", 7, 27, "unknown field 'body'"},
      {"bad placeholder", head + "rules:\n  - id: r\n    signal: s\n    condition: any(verbs)\n    summary: \"{company} raised\"\n", 8, 16, "unknown placeholder '{company}'"},
      {"yaml syntax", head + "rules:\n  - id: r\n    signal: [unclosed\n", 0, 0, ""},
      {"schema version", "schema_version: 2\n", 1, 17, "unsupported schema_version '2'"},
      {"unknown top-level key", "schema_version: 1\nrulez: []\n", 2, 1, "unknown key 'rulez'"},
      {"duplicate rule id", head + "rules:\n  - {id: r, signal: s, condition: any(verbs)}\n  - {id: r, signal: s, condition: any(verbs)}\n", 6, 5, "duplicate rule id 'r'"},
      {"list name", "schema_version: 1\nlists:\n  cloud-providers: [x]\n", 3, 3, "list name 'cloud-providers' must start with a letter"},
      {"macro cycle", head + "macros:\n  a: b\n  b: a\nrules:\n  - {id: r, signal: s, condition: a}\n", 6, 6, "refers to itself"},
  };
  for (const auto& c : cases) {
    sigflow::test::TempDir dir;
    auto result = compile_text(dir, c.yaml);
    EXPECT_FALSE(result.set) << c.name;
    ASSERT_TRUE(has_errors(result.diagnostics)) << c.name;
    const Diagnostic* err = nullptr;
    for (const auto& d : result.diagnostics) {
      if (d.level == Diagnostic::Level::error) {
        err = &d;
        break;
      }
    }
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(err->mark.file, result.file) << c.name;
    if (c.line > 0) {
      EXPECT_EQ(err->mark.line, c.line) << c.name << ": " << rendered(result.diagnostics);
      EXPECT_EQ(err->mark.column, c.column) << c.name << ": " << rendered(result.diagnostics);
      EXPECT_NE(err->message.find(c.message), std::string::npos) << c.name << ": " << err->message;
    } else {
      EXPECT_GT(err->mark.line, 0) << c.name;
    }
  }
}

TEST(RuleCompiler, RendersASnippetWithACaret) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, "schema_version: 1\nlists:\n  verbs: [上线]\nrules:\n  - id: r\n    signal: s\n    condition: any(verbz)\n");
  ASSERT_FALSE(c.diagnostics.empty());
  const std::string text = format_diagnostic(c.diagnostics[0]);
  EXPECT_EQ(text, c.file + ":7:20: error: unknown list 'verbz' (did you mean 'verbs'?)\n"
                           "      condition: any(verbz)\n"
                           "                     ^");
}

TEST(RuleCompiler, ErrorsInsideBlockScalarsPointIntoTheBlock) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, "schema_version: 1\nlists:\n  verbs: [上线]\nrules:\n  - id: r\n    signal: s\n    condition: >-\n      any(verbs)\n      and any(nope)\n");
  ASSERT_TRUE(has_errors(c.diagnostics));
  EXPECT_EQ(c.diagnostics[0].mark.line, 9) << rendered(c.diagnostics);
  EXPECT_EQ(c.diagnostics[0].mark.column, 15) << rendered(c.diagnostics);
}

TEST(RuleCompiler, WarnsAboutUnusedListsAndMacros) {
  sigflow::test::TempDir dir;
  auto c = compile_text(dir, std::string(kValid) + "  - id: r2\n    signal: s\n    condition: any(verbs)\n" +
                                 "" /* keep r1 */);
  ASSERT_TRUE(c.set) << rendered(c.diagnostics);
  auto c2 = compile_text(dir, "schema_version: 1\nlists:\n  a: [x]\n  b: [y]\nmacros:\n  m: any(a)\nrules:\n  - {id: r, signal: s, condition: any(a)}\n", "w.yaml");
  ASSERT_TRUE(c2.set);
  std::vector<std::string> warnings;
  for (const auto& d : c2.diagnostics) {
    if (d.level == Diagnostic::Level::warning) warnings.push_back(d.message);
  }
  EXPECT_EQ(warnings, (std::vector<std::string>{"list 'b' is never used", "macro 'm' is never used"}));
}

TEST(RuleCompiler, ListsAndMacrosAreSharedAcrossFilesAndDuplicatesAreErrors) {
  sigflow::test::TempDir dir;
  sigflow::test::write_file(dir / "a.yaml", "schema_version: 1\nlists:\n  verbs: [上线]\n");
  sigflow::test::write_file(dir / "b.yaml", "schema_version: 1\nrules:\n  - {id: r, signal: s, condition: any(verbs)}\n");
  auto ok = load_and_compile_rules({dir.path().string()});
  ASSERT_TRUE(ok.value) << rendered(ok.diagnostics);
  sigflow::test::write_file(dir / "c.yaml", "schema_version: 1\nlists:\n  verbs: [launch]\n");
  auto dup = load_and_compile_rules({dir.path().string()});
  EXPECT_FALSE(dup.value);
  EXPECT_NE(rendered(dup.diagnostics).find("duplicate list 'verbs'"), std::string::npos);
}

TEST(RuleCompiler, MissingPathsAreErrors) {
  auto r = load_and_compile_rules({"/nonexistent/rules.yaml"});
  EXPECT_FALSE(r.value);
  EXPECT_NE(rendered(r.diagnostics).find("no such rule file"), std::string::npos);
}

TEST(Expression, ParsesPrecedenceAndReportsOffsets) {
  auto p = parse_expression("any(a) or any(b) and not (any(c))");
  ASSERT_TRUE(p.errors.empty());
  const Expr& e = p.expr[0];
  ASSERT_EQ(e.kind, Expr::Kind::or_);
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[1].kind, Expr::Kind::and_);
  EXPECT_EQ(e.children[1].children[1].kind, Expr::Kind::not_);

  auto bad = parse_expression("any(a) )");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].offset, 7u);
  auto bad2 = parse_expression("and any(a)");
  ASSERT_EQ(bad2.errors.size(), 1u);
  EXPECT_EQ(bad2.errors[0].offset, 0u);
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "not (";
  auto too_deep = parse_expression(deep + "any(a)");
  ASSERT_EQ(too_deep.errors.size(), 1u);
  EXPECT_NE(too_deep.errors[0].message.find("nested more than"), std::string::npos);
  auto bad3 = parse_expression("any(a) 和 any(b)");
  ASSERT_EQ(bad3.errors.size(), 1u);
  EXPECT_NE(bad3.errors[0].message.find("和"), std::string::npos);
}

TEST(RuleCompiler, ShippedRulePacksCompileCleanly) {
  auto r = load_and_compile_rules({(sigflow::test::source_dir() / "rules").string()});
  ASSERT_TRUE(r.value) << rendered(r.diagnostics);
  for (const auto& d : r.diagnostics) ADD_FAILURE() << "shipped rules should have no warnings: " << format_diagnostic(d);
  std::set<std::string> signals;
  for (const auto& rule : (*r.value)->rules()) signals.insert(rule.signal);
  EXPECT_EQ(signals, (std::set<std::string>{"funding_round", "model_onboarding", "pricing_change"}));
}

}  // namespace
}  // namespace sigflow::rules
