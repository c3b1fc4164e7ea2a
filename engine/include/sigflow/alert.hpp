#pragma once
// Alert: what a rule emits for an event; every sink renders from this. The JSON shape is a
// stable contract (docs/architecture.md#alert).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow {

enum class Severity { info, warning, critical };
std::string_view to_string(Severity s);
Result<Severity> parse_severity(std::string_view s);

struct AlertEventRef {
  std::string id;
  std::string source;
  std::string url;
  std::string title;
  std::string time;
};

// One reason the rule fired: a term of a list found in a field.
struct MatchedTerm {
  std::string list;
  std::string term;
  std::string field;
  auto operator<=>(const MatchedTerm&) const = default;
};

// One value of an entity: a canonical name ("Alibaba Cloud") or a number (amount_usd).
struct EntityValue {
  std::string text;              // names; for numbers, the number as written in JSON
  std::optional<double> number;  // set for numeric entities

  EntityValue() = default;
  EntityValue(std::string s) : text(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  EntityValue(const char* s) : text(s) {}             // NOLINT(google-explicit-constructor)
  static EntityValue of(double n);
  bool operator==(const EntityValue& other) const = default;
};

struct Alert {
  std::string id;  // deterministic: see make_alert_id()
  std::string rule;
  std::string signal;
  Severity severity = Severity::info;
  std::string summary;
  std::map<std::string, std::string> labels;
  // Entity name -> values, e.g. provider -> ["Alibaba Cloud"], amount_usd -> [1e9].
  std::map<std::string, std::vector<EntityValue>> entities;
  AlertEventRef event;
  std::string fired_at;  // RFC 3339 UTC
  std::vector<MatchedTerm> matched;
  // The rule's dedup key rendered for this alert (empty when the rule has no dedup): repeats
  // with the same key within the rule's ttl are suppressed, and Kafka keys alerts by it.
  std::string dedup_key;

  std::string to_json() const;
  static Result<Alert> from_json(std::string_view json);
};

// Deterministic alert id: hex SHA-256 (first 128 bits) of rule id, event id and window key
// (empty for stateless rules), so a re-delivered alert keeps its id.
std::string make_alert_id(std::string_view rule_id, std::string_view event_id,
                          std::string_view window = {});

}  // namespace sigflow
