#pragma once
// AlertTemplate: a webhook body written by the user, with {placeholders} filled from the alert
// and escaped for the body's content type, so alert text can never break out of its place:
// JSON-string escaping for JSON bodies (placeholders go inside "..."), percent-encoding for
// form bodies, nothing for plain text. {alert} inserts the whole alert as JSON, unescaped.
//
// Placeholders: id, rule, signal, severity, summary, fired_at, event.id, event.source,
// event.url, event.title, event.time, entities, entities.<name>, labels.<name>, alert.
#include <string>
#include <vector>

#include "sigflow/alert.hpp"
#include "sigflow/result.hpp"

namespace sigflow::sinks {

class AlertTemplate {
 public:
  enum class Escape { json, form, none };
  // Error code config.template naming an unknown placeholder. A '{' that does not open a
  // placeholder name (JSON braces, an unclosed brace) stays literal text.
  static Result<AlertTemplate> parse(const std::string& text, Escape escape);
  static Escape escape_for(const std::string& content_type);
  std::string render(const Alert& alert) const;

 private:
  struct Part {
    bool placeholder = false;
    std::string text;
  };
  std::vector<Part> parts_;
  Escape escape_ = Escape::json;
};

}  // namespace sigflow::sinks
