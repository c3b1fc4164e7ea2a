#pragma once
// JsonMapper: JSON documents (API responses, JSON lines) to Events, by a mapping from paths in
// each item to event fields. Paths are dot-separated keys and array indexes ("data.list",
// "Response.AnnouncementSet", "tags.0"); an empty items path means the document itself is the
// list (an array) or the one item (an object). Shared by http_json and file.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/source.hpp"
#include "sigflow/time.hpp"

namespace sigflow::connectors {

// `extra`, then the mapping keys (items, item_id, title, link, link_template, summary, content,
// time, time_format, time_zone, categories, fields) and unique_by.
SettingsTable with_json_mapping(SettingsTable extra);
// Checks the mapping settings (time zone, fields, unique_by); errors name source and key.
Status check_json_mapping(const SourceSpec& spec);

struct JsonMapping {
  std::string items;
  std::string id = "id";
  std::string title = "title";
  std::string link;
  std::string link_template;  // "https://example.com/notice/{id}": {path} placeholders, percent-encoded
  std::string summary;
  std::string content;
  std::string time;
  TimeFormat time_format;
  std::string categories;
  std::map<std::string, std::string> fields;  // data.<name> <- path
  std::string cursor;  // path of the next-page cursor in the document, when paginating by cursor
  std::string event_type;

  static JsonMapping from(const SourceSpec& spec, std::string event_type);
};

struct MappedItems {
  std::vector<Event> events;
  std::vector<std::string> rejected;  // items that are not objects, each with the reason
  std::string next_cursor;            // "" when the document has none
};

class JsonMapper {
 public:
  explicit JsonMapper(JsonMapping mapping);
  ~JsonMapper();
  JsonMapper(JsonMapper&&) noexcept;

  // Error codes: json.syntax (not JSON), json.items (the items path is absent or not a list).
  Result<MappedItems> map(std::string_view document, const std::string& source_id, const std::string& base_url,
                          const std::string& fetched_at);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow::connectors
