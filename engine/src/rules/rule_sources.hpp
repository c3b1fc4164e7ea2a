#pragma once
// Rule files as written: what the loader read, with source marks, before compilation.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.hpp"
#include "sigflow/alert.hpp"
#include "sigflow/event.hpp"

namespace sigflow::rules {

struct ListEntryDef {
  std::string name;                // canonical name (the term itself for plain entries)
  std::vector<std::string> terms;  // as written; the compiler adds script variants
  SourceMark mark;
};

struct ListDef {
  std::string name;
  std::vector<ListEntryDef> entries;
  SourceMark mark;
};

struct MacroDef {
  std::string name;
  std::string condition;
  SourceMark mark;            // of the name
  SourceMark condition_mark;  // of the condition scalar
};

struct ExtractDef {
  std::string entity;  // e.g. "provider"
  std::string source;  // a list (its matched entries' canonical names) or money, percent, date
  SourceMark mark;
};

struct ExceptionDef {
  std::string name;
  std::string condition;
  SourceMark mark;
  SourceMark condition_mark;
};

struct DedupDef {
  std::string key;  // template, e.g. "{company}"
  SourceMark key_mark;
  std::chrono::milliseconds ttl{0};
  SourceMark ttl_mark;
};

struct RuleDef {
  std::string id;
  std::string description;
  std::string signal;
  Severity severity = Severity::info;
  std::map<std::string, std::string> labels;
  std::string condition;
  SourceMark condition_mark;
  std::vector<ExtractDef> extract;
  std::vector<ExceptionDef> exceptions;
  std::optional<DedupDef> dedup;
  std::string summary;
  SourceMark summary_mark;
  bool enabled = true;
  SourceMark mark;
};

// An inline test: an event, and the alerts it must (or must not) raise.
struct ExpectedAlert {
  std::string signal;
  std::string rule;  // optional
  std::map<std::string, std::vector<std::string>> entities;  // each listed value must be present
  SourceMark mark;
};

struct RuleTestDef {
  std::string name;
  Event event;
  std::vector<ExpectedAlert> expect;  // empty: the event must raise no alert
  SourceMark mark;
};

struct RuleSources {
  std::vector<std::string> files;
  std::string fingerprint;  // hex SHA-256 over the files' paths and contents, in load order
  std::vector<ListDef> lists;
  std::vector<MacroDef> macros;
  std::vector<RuleDef> rules;
  std::vector<RuleTestDef> tests;
};

// Loads rule files; a directory contributes its *.yaml and *.yml files in name order. Every
// YAML, schema and type problem is a located diagnostic; loading continues to find them all.
LoadResult<RuleSources> load_rule_files(const std::vector<std::string>& paths);

// Loads one rule file from memory; `name` stands in for its path in diagnostics.
LoadResult<RuleSources> load_rule_text(const std::string& text, const std::string& name);

}  // namespace sigflow::rules
