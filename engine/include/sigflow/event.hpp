#pragma once
// Event: one normalized item from a source, serialized as a CloudEvents 1.0 structured JSON
// object (the contract on topic sigflow.events). See docs/architecture.md#event.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/result.hpp"

namespace sigflow {

struct EventData {
  std::string title;
  std::string summary;  // plain text (HTML stripped)
  std::string content;  // plain text (HTML stripped)
  std::string url;      // absolute
  std::string guid;     // the item's identity at its source
  std::string lang;     // BCP 47 tag when known ("zh-Hans", "zh-Hant", "en"), else empty
  std::vector<std::string> authors;
  std::vector<std::string> categories;
  std::string fetched_at;  // RFC 3339 UTC
  // Connector-specific scalar fields, carried as strings under data.* (e.g. data.feed_title).
  std::map<std::string, std::string> extra;
};

struct Event {
  static constexpr std::string_view kSpecVersion = "1.0";

  std::string id;      // stable: see make_event_id()
  std::string source;  // connector (source) id
  std::string type;    // e.g. "sigflow.feed.item"
  std::string time;    // published time, RFC 3339 UTC; empty when the source gave none
  EventData data;

  std::string to_json() const;
  // Parses a CloudEvents structured JSON object. Missing required attributes (specversion, id,
  // source, type) and wrong JSON types are errors naming the attribute.
  static Result<Event> from_json(std::string_view json);
};

// Deterministic event id: hex SHA-256 (first 128 bits) of source id and item guid.
std::string make_event_id(std::string_view source_id, std::string_view guid);

}  // namespace sigflow
