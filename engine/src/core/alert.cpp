#include "sigflow/alert.hpp"

#include "json_reader.hpp"
#include "sigflow/json_writer.hpp"
#include "sigflow/hash.hpp"

namespace sigflow {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::critical: return "critical";
  }
  return "info";
}

Result<Severity> parse_severity(std::string_view s) {
  if (s == "info") return Severity::info;
  if (s == "warning") return Severity::warning;
  if (s == "critical") return Severity::critical;
  return make_error("alert.severity",
                    fmt::format("unknown severity '{}' (use info, warning or critical)", s));
}

std::string make_alert_id(std::string_view rule_id, std::string_view event_id, std::string_view window) {
  return stable_hash({"alert", rule_id, event_id, window});
}

EntityValue EntityValue::of(double n) {
  EntityValue v(fmt::format("{}", n));
  v.number = n;
  return v;
}

std::string Alert::to_json() const {
  json::Writer w;
  w.begin_object()
      .field("id", id)
      .field("rule", rule)
      .field("signal", signal)
      .field("severity", to_string(severity))
      .field("summary", summary);
  w.key("labels").begin_object();
  for (const auto& [k, v] : labels) w.field(k, v);
  w.end_object();
  w.key("entities").begin_object();
  for (const auto& [k, values] : entities) {
    w.key(k).begin_array();
    for (const auto& v : values) {
      if (v.number) w.value(*v.number);
      else w.value(v.text);
    }
    w.end_array();
  }
  w.end_object();
  w.key("event")
      .begin_object()
      .field("id", event.id)
      .field("source", event.source)
      .field("url", event.url)
      .field("title", event.title)
      .field("time", event.time)
      .end_object();
  w.field("fired_at", fired_at);
  w.field("dedup_key", dedup_key, true);
  w.key("matched").begin_array();
  for (const auto& m : matched) {
    w.begin_object().field("list", m.list).field("term", m.term).field("field", m.field).end_object();
  }
  w.end_array().end_object();
  return w.take();
}

Result<Alert> Alert::from_json(std::string_view text) {
  auto doc = json::parse(text);
  if (!doc) return doc.error();
  simdjson::dom::object root;
  if (doc->get_object().get(root) != simdjson::SUCCESS) {
    return make_error("json.schema", "an alert must be a JSON object");
  }
  json::ObjectReader r(root, "");
  Alert a;
  a.id = r.string("id", true);
  a.rule = r.string("rule", true);
  a.signal = r.string("signal", true);
  const std::string severity = r.string("severity", true);
  a.summary = r.string("summary");
  a.labels = r.string_map("labels");
  json::ObjectReader ents = r.object("entities");
  std::string bad_entity;
  ents.for_each([&](std::string_view k, simdjson::dom::element v) {
    simdjson::dom::array arr;
    if (v.get_array().get(arr) != simdjson::SUCCESS) {
      bad_entity = k;
      return;
    }
    auto& values = a.entities[std::string(k)];
    for (simdjson::dom::element item : arr) {
      std::string_view s;
      double d = 0;
      if (item.get_string().get(s) == simdjson::SUCCESS) values.emplace_back(std::string(s));
      else if (item.get_double().get(d) == simdjson::SUCCESS) values.push_back(EntityValue::of(d));
      else bad_entity = k;
    }
  });
  if (!bad_entity.empty()) {
    return make_error("json.schema", fmt::format("field 'entities.{}' must be an array of strings or numbers", bad_entity));
  }
  json::ObjectReader ev = r.object("event", true);
  a.fired_at = r.string("fired_at", true);
  a.dedup_key = r.string("dedup_key");
  if (!r.ok()) return r.error();
  a.event.id = ev.string("id", true);
  a.event.source = ev.string("source");
  a.event.url = ev.string("url");
  a.event.title = ev.string("title");
  a.event.time = ev.string("time");
  if (!ev.ok()) return ev.error();
  auto sev = parse_severity(severity);
  if (!sev) return sev.error();
  a.severity = *sev;
  simdjson::dom::array matched;
  if (root["matched"].get_array().get(matched) == simdjson::SUCCESS) {
    for (simdjson::dom::element m : matched) {
      simdjson::dom::object mo;
      if (m.get_object().get(mo) != simdjson::SUCCESS) {
        return make_error("json.schema", "field 'matched' must be an array of objects");
      }
      json::ObjectReader mr(mo, "matched[]");
      a.matched.push_back({mr.string("list"), mr.string("term"), mr.string("field")});
      if (!mr.ok()) return mr.error();
    }
  }
  return a;
}

}  // namespace sigflow
