#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/yaml_reader.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/settings.hpp"
#include "rules/rule_sources.hpp"

namespace sigflow::rules {
namespace {

constexpr int kSchemaVersion = 1;

// List and macro names are identifiers, so conditions can refer to them.
bool check_name(YamlReader& y, const YAML::Node& key, const char* kind) {
  const std::string& name = key.Scalar();
  const bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                  std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  if (!ok) {
    y.error(key, "rules.name", fmt::format("{} name '{}' must start with a letter and contain only letters, digits and '_'", kind, name));
  }
  return ok;
}

void load_lists(YamlReader& y, const YAML::Node& node, RuleSources& out) {
  if (!y.expect_map(node, "'lists'")) return;
  for (const auto& kv : node) {
    check_name(y, kv.first, "list");
    ListDef list;
    list.name = kv.first.Scalar();
    list.mark = y.mark(kv.first);
    const std::string what = fmt::format("list '{}'", list.name);
    if (!y.expect_sequence(kv.second, what)) continue;
    for (const auto& item : kv.second) {
      ListEntryDef entry;
      entry.mark = y.mark(item);
      if (item.IsScalar()) {
        entry.name = item.Scalar();
        entry.terms.push_back(item.Scalar());
      } else if (item.IsMap()) {
        const std::string entry_what = fmt::format("an entry of {}", what);
        y.reject_unknown_keys(item, {"name", "terms"}, entry_what);
        entry.name = y.scalar(item, "name", entry_what, true).value_or("");
        if (item["terms"]) entry.terms = y.string_list(item["terms"], fmt::format("'terms' of {}", entry_what));
        if (entry.terms.empty() && !entry.name.empty()) entry.terms.push_back(entry.name);
      } else {
        y.error(item, "rules.list_entry",
                fmt::format("entries of {} must be a term or {{name: ..., terms: [...]}}, found {}", what,
                            yaml_type_name(item)));
        continue;
      }
      for (const auto& t : entry.terms) {
        if (t.find_first_not_of(" \t") == std::string::npos) {
          y.error(item, "rules.empty_term", fmt::format("{} has an empty term", what));
        }
      }
      list.entries.push_back(std::move(entry));
    }
    if (list.entries.empty()) y.error(kv.first, "rules.empty_list", fmt::format("{} has no terms", what));
    out.lists.push_back(std::move(list));
  }
}

void load_macros(YamlReader& y, const YAML::Node& node, RuleSources& out) {
  if (!y.expect_map(node, "'macros'")) return;
  for (const auto& kv : node) {
    check_name(y, kv.first, "macro");
    if (!kv.second.IsScalar()) {
      y.error(kv.second, "yaml.type", fmt::format("macro '{}' must be a condition string", kv.first.Scalar()));
      continue;
    }
    out.macros.push_back({kv.first.Scalar(), kv.second.Scalar(), y.mark(kv.first), y.mark(kv.second)});
  }
}

void load_rule(YamlReader& y, const YAML::Node& node, RuleSources& out) {
  if (!y.expect_map(node, "a rule")) return;
  RuleDef r;
  r.mark = y.mark(node);
  r.id = y.scalar(node, "id", "a rule", true).value_or("");
  const std::string what = r.id.empty() ? "a rule" : fmt::format("rule '{}'", r.id);
  y.reject_unknown_keys(node,
                        {"id", "description", "signal", "severity", "labels", "condition", "extract", "exceptions", "dedup",
                         "summary", "enabled"},
                        what);
  r.description = y.scalar(node, "description", what).value_or("");
  r.signal = y.scalar(node, "signal", what, true).value_or("");
  if (auto sev = y.scalar(node, "severity", what)) {
    auto parsed = parse_severity(*sev);
    if (parsed) r.severity = *parsed;
    else y.error(node["severity"], "rules.severity", fmt::format("{}: {}", what, parsed.error().message));
  }
  r.labels = y.string_map(node, "labels", what);
  if (auto cond = y.scalar(node, "condition", what, true)) {
    r.condition = *cond;
    r.condition_mark = y.mark(node["condition"]);
  }
  if (const YAML::Node ex = node["extract"]; ex && !ex.IsNull()) {
    if (y.expect_map(ex, fmt::format("'extract' of {}", what))) {
      for (const auto& kv : ex) {
        if (!kv.second.IsScalar()) {
          y.error(kv.second, "yaml.type", fmt::format("'extract.{}' of {} must name a list", kv.first.Scalar(), what));
          continue;
        }
        r.extract.push_back({kv.first.Scalar(), kv.second.Scalar(), y.mark(kv.second)});
      }
    }
  }
  if (const YAML::Node ex = node["exceptions"]; ex && !ex.IsNull()) {
    if (y.expect_sequence(ex, fmt::format("'exceptions' of {}", what))) {
      for (const auto& item : ex) {
        const std::string ex_what = fmt::format("an exception of {}", what);
        if (!y.expect_map(item, ex_what)) continue;
        y.reject_unknown_keys(item, {"name", "condition"}, ex_what);
        ExceptionDef def;
        def.mark = y.mark(item);
        def.name = y.scalar(item, "name", ex_what, true).value_or("");
        if (auto cond = y.scalar(item, "condition", ex_what, true)) {
          def.condition = *cond;
          def.condition_mark = y.mark(item["condition"]);
        }
        r.exceptions.push_back(std::move(def));
      }
    }
  }
  if (const YAML::Node dd = node["dedup"]; dd && !dd.IsNull()) {
    const std::string dd_what = fmt::format("'dedup' of {}", what);
    if (y.expect_map(dd, dd_what)) {
      y.reject_unknown_keys(dd, {"key", "ttl"}, dd_what);
      DedupDef def;
      if (auto key = y.scalar(dd, "key", dd_what, true)) {
        def.key = *key;
        def.key_mark = y.mark(dd["key"]);
      }
      if (auto ttl = y.scalar(dd, "ttl", dd_what, true)) {
        def.ttl_mark = y.mark(dd["ttl"]);
        auto parsed = parse_duration(*ttl);
        if (!parsed) y.error(dd["ttl"], "rules.ttl", fmt::format("{}: {}", dd_what, parsed.error().message));
        else def.ttl = *parsed;
      }
      r.dedup = std::move(def);
    }
  }
  if (auto summary = y.scalar(node, "summary", what)) {
    r.summary = *summary;
    r.summary_mark = y.mark(node["summary"]);
  }
  r.enabled = y.boolean(node, "enabled", what).value_or(true);
  out.rules.push_back(std::move(r));
}

ExpectedAlert load_expected(YamlReader& y, const YAML::Node& node, const std::string& what) {
  ExpectedAlert e;
  e.mark = y.mark(node);
  if (!y.expect_map(node, what)) return e;
  y.reject_unknown_keys(node, {"signal", "rule", "entities"}, what);
  e.signal = y.scalar(node, "signal", what, true).value_or("");
  e.rule = y.scalar(node, "rule", what).value_or("");
  if (const YAML::Node ents = node["entities"]; ents && !ents.IsNull() && y.expect_map(ents, fmt::format("'entities' of {}", what))) {
    for (const auto& kv : ents) {
      e.entities[kv.first.Scalar()] = y.string_list(kv.second, fmt::format("entity '{}' of {}", kv.first.Scalar(), what));
    }
  }
  return e;
}

void load_test(YamlReader& y, const YAML::Node& node, RuleSources& out) {
  if (!y.expect_map(node, "a test")) return;
  RuleTestDef t;
  t.mark = y.mark(node);
  t.name = y.scalar(node, "name", "a test", true).value_or("");
  const std::string what = t.name.empty() ? "a test" : fmt::format("test '{}'", t.name);
  y.reject_unknown_keys(node, {"name", "event", "expect"}, what);
  const YAML::Node ev = node["event"];
  if (!ev || ev.IsNull()) {
    y.error(node, "yaml.missing_key", fmt::format("{} is missing required key 'event'", what));
  } else if (y.expect_map(ev, fmt::format("'event' of {}", what))) {
    const std::string ev_what = fmt::format("the event of {}", what);
    y.reject_unknown_keys(ev, {"title", "summary", "content", "url", "source", "lang", "time", "authors", "categories", "data"}, ev_what);
    Event& e = t.event;
    e.source = y.scalar(ev, "source", ev_what).value_or("test");
    e.type = "sigflow.test";
    e.data.title = y.scalar(ev, "title", ev_what).value_or("");
    e.data.summary = y.scalar(ev, "summary", ev_what).value_or("");
    e.data.content = y.scalar(ev, "content", ev_what).value_or("");
    e.data.url = y.scalar(ev, "url", ev_what).value_or("");
    e.data.lang = y.scalar(ev, "lang", ev_what).value_or("");
    e.time = y.scalar(ev, "time", ev_what).value_or("");
    if (ev["authors"]) e.data.authors = y.string_list(ev["authors"], fmt::format("'authors' of {}", ev_what));
    if (ev["categories"]) e.data.categories = y.string_list(ev["categories"], fmt::format("'categories' of {}", ev_what));
    e.data.extra = y.string_map(ev, "data", ev_what);
    e.data.guid = fmt::format("{}:{}", t.mark.file, t.mark.line);
    e.id = make_event_id(e.source, e.data.guid);
  }
  const YAML::Node expect = node["expect"];
  if (!expect) {
    y.error(node, "yaml.missing_key", fmt::format("{} is missing required key 'expect' (a list of alerts, or [] for silence)", what));
  } else if (!expect.IsNull() && y.expect_sequence(expect, fmt::format("'expect' of {}", what))) {
    for (const auto& item : expect) t.expect.push_back(load_expected(y, item, fmt::format("an expected alert of {}", what)));
  }
  out.tests.push_back(std::move(t));
}

void load_document(YamlReader& y, const std::optional<YAML::Node>& root, RuleSources& out) {
  if (root) {
    if (root->IsNull()) {
      y.warning(*root, "rules.empty_file", "rule file is empty");
    } else if (y.expect_map(*root, "a rule file")) {
      y.reject_unknown_keys(*root, {"schema_version", "lists", "macros", "rules", "tests"}, "a rule file");
      const auto version = y.scalar(*root, "schema_version", "a rule file", true);
      if (version && *version != std::to_string(kSchemaVersion)) {
        y.error((*root)["schema_version"], "rules.schema_version",
                fmt::format("unsupported schema_version '{}' (this sigflow reads version {})", *version, kSchemaVersion));
      }
      if (const YAML::Node n = (*root)["lists"]; n && !n.IsNull()) load_lists(y, n, out);
      if (const YAML::Node n = (*root)["macros"]; n && !n.IsNull()) load_macros(y, n, out);
      if (const YAML::Node n = (*root)["rules"]; n && !n.IsNull()) {
        if (y.expect_sequence(n, "'rules'")) {
          for (const auto& rule : n) load_rule(y, rule, out);
        }
      }
      if (const YAML::Node n = (*root)["tests"]; n && !n.IsNull()) {
        if (y.expect_sequence(n, "'tests'")) {
          for (const auto& test : n) load_test(y, test, out);
        }
      }
    }
  }
}

void load_file(const std::string& file, RuleSources& out, std::vector<Diagnostic>& diagnostics) {
  YamlReader y(file);
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good()) {
    diagnostics.push_back(error_at({file, 0, 0}, "yaml.io", "cannot read file"));
    return;
  }
  load_document(y, y.load_text(text.str()), out);
  out.files.push_back(file);
  out.fingerprint = stable_hash({out.fingerprint, file, text.str()}, 64);  // exactly what was read
  auto& found = y.diagnostics();
  diagnostics.insert(diagnostics.end(), found.begin(), found.end());
}

}  // namespace

LoadResult<RuleSources> load_rule_text(const std::string& text, const std::string& name) {
  LoadResult<RuleSources> result;
  RuleSources sources;
  YamlReader y(name);
  load_document(y, y.load_text(text), sources);
  sources.files.push_back(name);
  sources.fingerprint = stable_hash({name, text}, 64);
  result.diagnostics = std::move(y.diagnostics());
  if (!has_errors(result.diagnostics)) result.value = std::move(sources);
  return result;
}

LoadResult<RuleSources> load_rule_files(const std::vector<std::string>& paths) {
  LoadResult<RuleSources> result;
  RuleSources sources;
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
        const auto ext = entry.path().extension();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        result.diagnostics.push_back(error_at({path, 0, 0}, "rules.no_files",
                                      "directory contains no .yaml or .yml rule files"));
      }
      for (const auto& f : files) load_file(f, sources, result.diagnostics);
    } else if (std::filesystem::exists(path, ec)) {
      load_file(path, sources, result.diagnostics);
    } else {
      result.diagnostics.push_back(error_at({path, 0, 0}, "rules.not_found",
                                    "no such rule file or directory"));
    }
  }
  if (!has_errors(result.diagnostics)) result.value = std::move(sources);
  return result;
}

}  // namespace sigflow::rules
