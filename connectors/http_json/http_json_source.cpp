// HttpJsonSource: polls a JSON API (GET, or POST with a body) and maps its item list to
// events, following page numbers or cursors.

#include <fmt/format.h>

#include "common/http_fetch.hpp"
#include "common/item_ledger.hpp"
#include "common/json_mapper.hpp"
#include "sigflow/text.hpp"
#include "sigflow/time.hpp"
#include "sigflow/url.hpp"

namespace sigflow::http_json {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) text.replace(pos, from.size(), to);
  return text;
}

class HttpJsonSource final : public Source {
 public:
  HttpJsonSource(SourceSpec spec, HttpClient& http, std::shared_ptr<SourceState> state)
      : spec_(std::move(spec)),
        http_(http),
        ledger_(std::move(state), spec_.settings.get("unique_by")),
        mapper_(connectors::JsonMapping::from(spec_, "sigflow.http_json.item")),
        pagination_(spec_.settings.get("pagination")),
        page_start_(spec_.settings.get_int("page_start")),
        max_pages_(spec_.settings.get_int("max_pages")) {}

  const SourceSpec& spec() const override { return spec_; }

  Result<PollBatch> poll() override {
    const std::string fetched_at = now_rfc3339();
    std::vector<Event> found;
    std::vector<std::string> rejected;
    std::map<std::string, std::string> values;
    if (pagination_ == "none") {
      auto req = request("", "");
      if (!req) return req.error();
      auto resp = connectors::fetch_if_changed(http_, std::move(*req), ledger_, values);
      if (!resp) return resp.error();
      if (!*resp) return ledger_.unchanged();
      auto page = map(**resp, fetched_at);
      if (!page) return page.error();
      found = std::move(page->events);
      rejected = std::move(page->rejected);
    } else if (pagination_ == "page") {
      // Newest first: stop at an empty page, or at a page whose items were all delivered before.
      for (std::int64_t p = page_start_; p < page_start_ + max_pages_; ++p) {
        auto page = fetch_page(std::to_string(p), "", fetched_at);
        if (!page) return page.error();
        const bool all_known = std::all_of(page->events.begin(), page->events.end(), [&](const Event& e) { return ledger_.delivered(e); });
        const bool empty = page->events.empty();
        append(found, rejected, std::move(*page));
        if (empty || all_known) break;
      }
    } else {
      // Incremental: resume from the committed cursor, follow next cursors; the cursor to resume
      // from advances with the items, in commit().
      std::string cursor = ledger_.value("cursor").value_or("");
      for (std::int64_t i = 0; i < max_pages_; ++i) {
        auto page = fetch_page("", cursor, fetched_at);
        if (!page) return page.error();
        const std::string next = page->next_cursor;
        append(found, rejected, std::move(*page));
        if (next.empty() || next == cursor) break;
        cursor = next;
      }
      values["cursor"] = cursor;
    }
    PollBatch batch = ledger_.batch(std::move(found), std::move(values));
    batch.rejected = std::move(rejected);
    return batch;
  }

  void commit(const std::vector<Event>& delivered) override { ledger_.commit(delivered); }

 private:
  static void append(std::vector<Event>& found, std::vector<std::string>& rejected, connectors::MappedItems page) {
    std::move(page.events.begin(), page.events.end(), std::back_inserter(found));
    std::move(page.rejected.begin(), page.rejected.end(), std::back_inserter(rejected));
  }

  // {page} and {cursor} in the URL (percent-encoded) and the body (as is).
  Result<HttpRequest> request(const std::string& page, const std::string& cursor) {
    std::string url = replace_all(replace_all(spec_.url, "{page}", page), "{cursor}", percent_encode(cursor));
    auto req = connectors::http_request(spec_, std::move(url));
    if (!req) return req.error();
    req->headers["Accept"] = "application/json";
    if (spec_.settings.get("method") == "POST") {
      req->method = "POST";
      req->body = replace_all(replace_all(spec_.settings.get("body"), "{page}", page), "{cursor}", cursor);
      req->headers["Content-Type"] = spec_.settings.get("content_type");
    }
    return req;
  }

  Result<connectors::MappedItems> fetch_page(const std::string& page, const std::string& cursor, const std::string& fetched_at) {
    auto req = request(page, cursor);
    if (!req) return req.error();
    auto resp = http_.fetch(*req);
    if (!resp) return resp.error();
    return map(*resp, fetched_at);
  }

  Result<connectors::MappedItems> map(const HttpResponse& resp, const std::string& fetched_at) {
    const std::string url = resp.effective_url.empty() ? spec_.url : resp.effective_url;
    // A JSON API that answers with a web page is behind a login, a captcha or a redesign.
    if (ascii_lower(resp.content_type).find("html") != std::string::npos) {
      return make_error("json.content_type", fmt::format("{}: expected JSON, got {} (a login, captcha or error page?)", url, resp.content_type));
    }
    auto mapped = mapper_.map(resp.body, spec_.id, url, fetched_at);
    if (!mapped) return make_error(mapped.error().code, fmt::format("{}: {}", url, mapped.error().message));
    return mapped;
  }

  SourceSpec spec_;
  HttpClient& http_;
  connectors::ItemLedger ledger_;
  connectors::JsonMapper mapper_;
  std::string pagination_;
  std::int64_t page_start_;
  std::int64_t max_pages_;
};

}  // namespace

SourceFactory http_json_source_factory() {
  return {"http_json",
          "JSON APIs (announcement lists, news APIs): GET or POST, items mapped by paths, pages or cursors followed.",
          connectors::with_http_settings(connectors::with_json_mapping({
              {"method", SettingType::string, "GET", "GET or POST"},
              {"body", SettingType::string, "", "POST body; {page} and {cursor} are replaced"},
              {"content_type", SettingType::string, "application/json", "Content-Type of the POST body"},
              {"pagination", SettingType::string, "none", "none, page ({page} in url or body) or cursor ({cursor}, from cursor_path)"},
              {"page_start", SettingType::integer, "1", "first page number"},
              {"max_pages", SettingType::integer, "5", "pages fetched per poll at most"},
              {"cursor_path", SettingType::string, "", "path of the next cursor in a response (pagination: cursor)"},
          })),
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            for (auto check : {connectors::check_http_settings, connectors::check_json_mapping}) {
              if (auto ok = check(spec); !ok) return ok.error();
            }
            const std::string& method = spec.settings.get("method");
            if (method != "GET" && method != "POST") {
              return make_error("config.range", fmt::format("source '{}': method must be GET or POST, not '{}'", spec.id, method));
            }
            const std::string& pagination = spec.settings.get("pagination");
            const bool in_request = [&](std::string_view ph) {
              return spec.url.find(ph) != std::string::npos || spec.settings.get("body").find(ph) != std::string::npos;
            }(pagination == "page" ? "{page}" : "{cursor}");
            if (pagination != "none" && pagination != "page" && pagination != "cursor") {
              return make_error("config.range", fmt::format("source '{}': pagination must be none, page or cursor, not '{}'", spec.id, pagination));
            }
            if (pagination != "none" && !in_request) {
              return make_error("config.range", fmt::format("source '{}': pagination {} needs a {} placeholder in url or body", spec.id,
                                                            pagination, pagination == "page" ? "{page}" : "{cursor}"));
            }
            if (pagination == "cursor" && spec.settings.get("cursor_path").empty()) {
              return make_error("config.missing_key", fmt::format("source '{}': pagination cursor needs cursor_path", spec.id));
            }
            if (spec.settings.get_int("max_pages") < 1) {
              return make_error("config.range", fmt::format("source '{}': max_pages must be at least 1", spec.id));
            }
            auto state = deps.state.source(spec.id);
            if (!state) return state.error();
            return std::unique_ptr<Source>(new HttpJsonSource(std::move(spec), deps.http, std::move(*state)));
          }};
}

}  // namespace sigflow::http_json
