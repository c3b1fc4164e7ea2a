#include "sinks/alert_template.hpp"

#include <fmt/format.h>

#include "sigflow/json_writer.hpp"
#include "sigflow/url.hpp"
#include "sinks/chat_formats.hpp"

namespace sigflow::sinks {
namespace {

bool known(const std::string& name) {
  static const char* kNames[] = {"id", "rule", "signal", "severity", "summary", "fired_at", "event.id", "event.source",
                                 "event.url", "event.title", "event.time", "entities", "alert"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return (name.starts_with("entities.") && name.size() > 9) || (name.starts_with("labels.") && name.size() > 7);
}

std::string value_of(const Alert& a, const std::string& name) {
  if (name == "id") return a.id;
  if (name == "rule") return a.rule;
  if (name == "signal") return a.signal;
  if (name == "severity") return std::string(to_string(a.severity));
  if (name == "summary") return a.summary;
  if (name == "fired_at") return a.fired_at;
  if (name == "event.id") return a.event.id;
  if (name == "event.source") return a.event.source;
  if (name == "event.url") return a.event.url;
  if (name == "event.title") return a.event.title;
  if (name == "event.time") return a.event.time;
  if (name == "entities") return entities_text(a);
  if (name.starts_with("labels.")) {
    auto it = a.labels.find(name.substr(7));
    return it == a.labels.end() ? "" : it->second;
  }
  if (name.starts_with("entities.")) {
    auto it = a.entities.find(name.substr(9));
    return it == a.entities.end() ? std::string() : entity_values(it->second);
  }
  return {};
}

}  // namespace

AlertTemplate::Escape AlertTemplate::escape_for(const std::string& content_type) {
  if (content_type.find("json") != std::string::npos) return Escape::json;
  if (content_type.find("x-www-form-urlencoded") != std::string::npos) return Escape::form;
  return Escape::none;
}

Result<AlertTemplate> AlertTemplate::parse(const std::string& text, Escape escape) {
  AlertTemplate t;
  t.escape_ = escape;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find('{', pos);
    if (open == std::string::npos) {
      t.parts_.push_back({false, text.substr(pos)});
      break;
    }
    const auto close = text.find('}', open);
    const std::string name = close == std::string::npos ? "" : text.substr(open + 1, close - open - 1);
    // A '{' that does not start a placeholder name (JSON braces) is literal text.
    const bool looks_like_name = close != std::string::npos && !name.empty() &&
                                 name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.0123456789-") == std::string::npos;
    if (!looks_like_name) {
      t.parts_.push_back({false, text.substr(pos, open + 1 - pos)});
      pos = open + 1;
      continue;
    }
    if (!known(name)) {
      return make_error("config.template", fmt::format("unknown placeholder '{{{}}}' in template (use id, rule, signal, severity, summary, "
                                                       "fired_at, event.id, event.source, event.url, event.title, event.time, "
                                                       "entities, entities.<name>, labels.<name> or alert)", name));
    }
    if (open > pos) t.parts_.push_back({false, text.substr(pos, open - pos)});
    t.parts_.push_back({true, name});
    pos = close + 1;
  }
  return t;
}

std::string AlertTemplate::render(const Alert& alert) const {
  std::string out;
  for (const auto& p : parts_) {
    if (!p.placeholder) {
      out += p.text;
      continue;
    }
    if (p.text == "alert") {
      out += alert.to_json();
      continue;
    }
    const std::string v = value_of(alert, p.text);
    if (escape_ == Escape::json) {
      std::string quoted;
      json::append_string(quoted, v);
      out.append(quoted, 1, quoted.size() - 2);  // without the quotes: the template has them
    } else if (escape_ == Escape::form) {
      out += percent_encode(v);
    } else {
      out += v;
    }
  }
  return out;
}

}  // namespace sigflow::sinks
