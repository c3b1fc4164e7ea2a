#include "sigflow/event.hpp"

#include "json_reader.hpp"
#include "sigflow/json_writer.hpp"
#include "sigflow/hash.hpp"

namespace sigflow {

namespace {
constexpr std::string_view kDataKeys[] = {"title", "summary", "content", "url", "guid", "lang",
                                          "authors", "categories", "fetched_at"};
bool is_known_data_key(std::string_view k) {
  for (auto known : kDataKeys) {
    if (k == known) return true;
  }
  return false;
}
}  // namespace

std::string make_event_id(std::string_view source_id, std::string_view guid) {
  return stable_hash({"event", source_id, guid});
}

std::string Event::to_json() const {
  json::Writer w;
  w.begin_object()
      .field("specversion", kSpecVersion)
      .field("id", id)
      .field("source", source)
      .field("type", type)
      .field("time", time, true)
      .field("datacontenttype", "application/json")
      .key("data")
      .begin_object()
      .field("title", data.title)
      .field("summary", data.summary)
      .field("content", data.content)
      .field("url", data.url)
      .field("guid", data.guid)
      .field("lang", data.lang, true)
      .string_array("authors", data.authors)
      .string_array("categories", data.categories)
      .field("fetched_at", data.fetched_at, true);
  for (const auto& [k, v] : data.extra) w.field(k, v);
  w.end_object().end_object();
  return w.take();
}

Result<Event> Event::from_json(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return doc.error();
  simdjson::dom::object root;
  if (doc->get_object().get(root) != simdjson::SUCCESS) {
    return make_error("json.schema", "an event must be a JSON object");
  }
  json::ObjectReader r(root, "");
  Event e;
  const std::string spec = r.string("specversion", true);
  e.id = r.string("id", true);
  e.source = r.string("source", true);
  e.type = r.string("type", true);
  e.time = r.string("time");
  if (!r.ok()) return r.error();
  if (spec != kSpecVersion) {
    return make_error("json.schema", "unsupported CloudEvents specversion '" + spec + "' (expected 1.0)");
  }
  json::ObjectReader d = r.object("data");
  if (!r.ok()) return r.error();
  e.data.title = d.string("title");
  e.data.summary = d.string("summary");
  e.data.content = d.string("content");
  e.data.url = d.string("url");
  e.data.guid = d.string("guid");
  e.data.lang = d.string("lang");
  e.data.authors = d.string_array("authors");
  e.data.categories = d.string_array("categories");
  e.data.fetched_at = d.string("fetched_at");
  d.for_each([&](std::string_view k, simdjson::dom::element v) {
    std::string_view s;
    if (!is_known_data_key(k) && v.get_string().get(s) == simdjson::SUCCESS) e.data.extra.emplace(std::string(k), std::string(s));
  });
  if (!d.ok()) return d.error();
  return e;
}

}  // namespace sigflow
