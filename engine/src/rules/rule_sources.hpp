#pragma once
// Rule files as written: what the loader read, with source marks, before compilation.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/diagnostic.hpp"
#include "sigflow/alert.hpp"

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
  std::string list;    // list whose matched entries give the entity's canonical values
  SourceMark mark;
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
  std::string summary;
  SourceMark summary_mark;
  bool enabled = true;
  SourceMark mark;
};

struct RuleSources {
  std::vector<std::string> files;
  std::vector<ListDef> lists;
  std::vector<MacroDef> macros;
  std::vector<RuleDef> rules;
};

// Loads rule files; a directory contributes its *.yaml and *.yml files in name order. Every
// YAML, schema and type problem is a located diagnostic; loading continues to find them all.
LoadResult<RuleSources> load_rule_files(const std::vector<std::string>& paths);

}  // namespace sigflow::rules
