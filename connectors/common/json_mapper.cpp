#include "common/json_mapper.hpp"

#include <simdjson.h>

#include <fmt/format.h>

#include "common/item_ledger.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/text.hpp"
#include "sigflow/url.hpp"

namespace sigflow::connectors {
namespace {

namespace dom = simdjson::dom;

// "a.b.0" -> "/a/b/0" (RFC 6901, with ~ and / escaped).
std::string pointer_of(std::string_view path) {
  if (path.empty()) return {};
  std::string out = "/";
  for (char c : path) {
    if (c == '.') out.push_back('/');
    else if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

std::optional<dom::element> at(dom::element e, std::string_view path) {
  if (path.empty()) return e;
  dom::element found;
  if (e.at_pointer(pointer_of(path)).get(found) != simdjson::SUCCESS) return std::nullopt;
  return found;
}

// A scalar as text; arrays and objects as minified JSON; null and absent as "".
std::string text_of(const std::optional<dom::element>& e) {
  if (!e) return {};
  switch (e->type()) {
    case dom::element_type::STRING: return std::string(std::string_view(*e));
    case dom::element_type::INT64: return std::to_string(int64_t(*e));
    case dom::element_type::UINT64: return std::to_string(uint64_t(*e));
    case dom::element_type::DOUBLE: return fmt::format("{}", double(*e));
    case dom::element_type::BOOL: return bool(*e) ? "true" : "false";
    case dom::element_type::NULL_VALUE: return {};
    default: return simdjson::minify(*e);
  }
}

// "{id}" and "{a.b}" placeholders in `tmpl`; the names for config checks.
std::vector<std::string> placeholders(std::string_view tmpl) {
  std::vector<std::string> out;
  for (std::size_t pos = tmpl.find('{'); pos != std::string_view::npos; pos = tmpl.find('{', pos + 1)) {
    const auto close = tmpl.find('}', pos);
    if (close == std::string_view::npos) break;
    out.emplace_back(tmpl.substr(pos + 1, close - pos - 1));
  }
  return out;
}

std::string expand(std::string_view tmpl, dom::element item) {
  std::string out;
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    const auto open = tmpl.find('{', pos);
    const auto close = open == std::string_view::npos ? open : tmpl.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(pos, open - pos));
    out += percent_encode(text_of(at(item, tmpl.substr(open + 1, close - open - 1))));
    pos = close + 1;
  }
  out.append(tmpl.substr(std::min(pos, tmpl.size())));
  return out;
}

}  // namespace

SettingsTable with_json_mapping(SettingsTable extra) {
  SettingsTable mapping = {
      {"items", SettingType::string, "", "path of the item list in the document (empty: the document is the list, or the one item)"},
      {"item_id", SettingType::string, "id", "path of the item's id within an item"},
      {"title", SettingType::string, "title", "path of the title"},
      {"link", SettingType::string, "", "path of the item's URL (relative URLs resolve against the request URL)"},
      {"link_template", SettingType::string, "", "URL built from item fields when there is no link, e.g. https://example.com/notice/{id}"},
      {"summary", SettingType::string, "", "path of a summary (HTML is reduced to text)"},
      {"content", SettingType::string, "", "path of the body text (HTML is reduced to text)"},
      {"time", SettingType::string, "", "path of the publication time"},
      {"time_format", SettingType::string, "auto", "auto (RFC 3339/822), epoch_s, epoch_ms or a strptime pattern like %Y-%m-%d %H:%M:%S"},
      {"time_zone", SettingType::string, "UTC", "IANA zone of times written without an offset, e.g. Asia/Shanghai"},
      {"categories", SettingType::string, "", "path of a category string or list of strings"},
      {"fields", SettingType::map, "", "extra event fields: data.<name> from a path, e.g. {product: productName}"},
      unique_by_setting(),
  };
  extra.insert(extra.end(), std::make_move_iterator(mapping.begin()), std::make_move_iterator(mapping.end()));
  return extra;
}

Status check_json_mapping(const SourceSpec& spec) {
  if (auto ok = check_unique_by(spec); !ok) return ok;
  const std::string& zone = spec.settings.get("time_zone");
  if (!is_time_zone(zone)) {
    return make_error("config.range", fmt::format("source '{}': time_zone '{}' is not an IANA time zone such as Asia/Shanghai or UTC", spec.id, zone));
  }
  const std::string& tmpl = spec.settings.get("link_template");
  for (const auto& name : placeholders(tmpl)) {
    if (name.empty()) return make_error("config.range", fmt::format("source '{}': link_template has an empty {{}} placeholder", spec.id));
  }
  for (const auto& [name, path] : spec.settings.get_map("fields")) {
    static const char* kReserved[] = {"title", "summary", "content", "url", "guid", "lang", "authors", "categories", "fetched_at"};
    for (const char* r : kReserved) {
      if (name == r) return make_error("config.range", fmt::format("source '{}': fields: '{}' is a standard event field; pick another name", spec.id, name));
    }
  }
  return Ok{};
}

JsonMapping JsonMapping::from(const SourceSpec& spec, std::string event_type) {
  const Settings& s = spec.settings;
  JsonMapping m;
  m.items = s.get("items");
  m.id = s.get("item_id");
  m.title = s.get("title");
  m.link = s.get("link");
  m.link_template = s.get("link_template");
  m.summary = s.get("summary");
  m.content = s.get("content");
  m.time = s.get("time");
  m.time_format = {s.get("time_format"), s.get("time_zone")};
  m.categories = s.get("categories");
  m.fields = s.get_map("fields");
  m.cursor = s.get("cursor_path");
  m.event_type = std::move(event_type);
  return m;
}

struct JsonMapper::Impl {
  JsonMapping m;
  dom::parser parser;

  Event event_of(dom::element item, const std::string& source_id, const std::string& base_url, const std::string& fetched_at) const {
    Event e;
    e.source = source_id;
    e.type = m.event_type;
    e.data.title = collapse_whitespace(html_to_text(text_of(at(item, m.title))));
    if (!m.summary.empty()) e.data.summary = html_to_text(text_of(at(item, m.summary)));
    if (!m.content.empty()) e.data.content = html_to_text(text_of(at(item, m.content)));
    std::string link = m.link.empty() ? std::string() : text_of(at(item, m.link));
    if (link.empty() && !m.link_template.empty()) link = expand(m.link_template, item);
    if (!link.empty()) e.data.url = canonical_url(resolve_url(base_url, link).value_or(link));
    if (!m.time.empty()) {
      const std::string raw = text_of(at(item, m.time));
      if (auto t = parse_time_as(raw, m.time_format)) e.time = format_rfc3339(*t);
      else if (!raw.empty()) e.data.extra["unparsed_date"] = raw;
    }
    if (!m.categories.empty()) {
      if (auto c = at(item, m.categories); c && c->is_array()) {
        for (dom::element v : dom::array(*c)) {
          if (auto t = text_of(v); !t.empty()) e.data.categories.push_back(std::move(t));
        }
      } else if (auto t = text_of(c); !t.empty()) {
        e.data.categories.push_back(std::move(t));
      }
    }
    for (const auto& [name, path] : m.fields) {
      if (auto v = text_of(at(item, path)); !v.empty()) e.data.extra[name] = std::move(v);
    }
    // Identity: the id, else the link, else title and time.
    e.data.guid = text_of(at(item, m.id));
    if (e.data.guid.empty()) e.data.guid = e.data.url;
    if (e.data.guid.empty()) e.data.guid = "sha256:" + stable_hash({e.data.title, e.time});
    e.id = make_event_id(source_id, e.data.guid);
    e.data.lang = detect_language(e.data.title + "\n" + e.data.summary + "\n" + e.data.content);
    e.data.fetched_at = fetched_at;
    return e;
  }
};

JsonMapper::JsonMapper(JsonMapping mapping) : impl_(std::make_unique<Impl>()) { impl_->m = std::move(mapping); }
JsonMapper::~JsonMapper() = default;
JsonMapper::JsonMapper(JsonMapper&&) noexcept = default;

Result<MappedItems> JsonMapper::map(std::string_view document, const std::string& source_id, const std::string& base_url,
                                    const std::string& fetched_at) {
  dom::element root;
  if (auto err = impl_->parser.parse(document.data(), document.size()).get(root); err) {
    return make_error("json.syntax", fmt::format("not valid JSON: {}", simdjson::error_message(err)));
  }
  const JsonMapping& m = impl_->m;
  MappedItems out;
  if (!m.cursor.empty()) out.next_cursor = text_of(at(root, m.cursor));
  auto list = at(root, m.items);
  if (!list) return make_error("json.items", fmt::format("the document has no '{}' (the items path)", m.items));
  if (list->is_object() && m.items.empty()) {
    out.events.push_back(impl_->event_of(*list, source_id, base_url, fetched_at));
    return out;
  }
  if (!list->is_array()) {
    return make_error("json.items", fmt::format("'{}' is not a list of items", m.items.empty() ? "the document" : m.items));
  }
  std::size_t index = 0;
  for (dom::element item : dom::array(*list)) {
    if (item.is_object()) out.events.push_back(impl_->event_of(item, source_id, base_url, fetched_at));
    else out.rejected.push_back(fmt::format("item {} is not an object", index));
    ++index;
  }
  return out;
}

}  // namespace sigflow::connectors
