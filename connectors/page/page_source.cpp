// PageSource: watches an HTML page. In list mode it extracts items (title, link, date) with
// XPath; in watch mode it compares a region's text with the last delivered version and emits
// sigflow.page.changed with the old text, the new text and a line diff.

#include <re2/re2.h>

#include <dtl/dtl.hpp>
#include <sstream>

#include <fmt/format.h>

#include "common/http_fetch.hpp"
#include "common/item_ledger.hpp"
#include "page/html_extract.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/text.hpp"
#include "sigflow/time.hpp"
#include "sigflow/url.hpp"

namespace sigflow::page {
namespace {

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    std::string line = collapse_whitespace(text.substr(start, end - start));
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A unified diff (3 lines of context) of two texts, line by line.
std::string line_diff(const std::vector<std::string>& before, const std::vector<std::string>& after) {
  dtl::Diff<std::string, std::vector<std::string>> diff(before, after);
  diff.onHuge();
  diff.compose();
  diff.composeUnifiedHunks();
  std::ostringstream out;
  diff.printUnifiedFormat(out);
  return out.str();
}

class PageSource final : public Source {
 public:
  PageSource(SourceSpec spec, HttpClient& http, std::shared_ptr<SourceState> state, std::vector<std::unique_ptr<RE2>> ignore)
      : spec_(std::move(spec)), http_(http), ledger_(std::move(state), spec_.settings.get("unique_by")), ignore_(std::move(ignore)) {
    paths_.items = spec_.settings.get("items");
    paths_.title = spec_.settings.get("title");
    paths_.link = spec_.settings.get("link");
    paths_.date = spec_.settings.get("date");
    paths_.summary = spec_.settings.get("summary");
    time_format_ = {spec_.settings.get("time_format"), spec_.settings.get("time_zone")};
  }

  const SourceSpec& spec() const override { return spec_; }

  Result<PollBatch> poll() override {
    auto req = connectors::http_request(spec_, spec_.url);
    if (!req) return req.error();
    req->headers["Accept"] = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1";
    std::map<std::string, std::string> values;
    auto resp = connectors::fetch_if_changed(http_, std::move(*req), ledger_, values);
    if (!resp) return resp.error();
    if (!*resp) return ledger_.unchanged();
    const HttpResponse& r = **resp;
    const std::string url = r.effective_url.empty() ? spec_.url : r.effective_url;
    auto page = HtmlPage::parse(r.body, url, r.content_type);
    if (!page) return make_error(page.error().code, fmt::format("{}: {}", url, page.error().message));
    const std::string fetched_at = now_rfc3339();
    if (spec_.settings.get("mode") == "watch") return watch(*page, url, fetched_at, std::move(values));
    return ledger_.batch(item_events(*page, fetched_at), std::move(values));
  }

  void commit(const std::vector<Event>& delivered) override { ledger_.commit(delivered); }

 private:
  std::vector<Event> item_events(const HtmlPage& page, const std::string& fetched_at) const {
    std::vector<Event> events;
    const std::string page_title = page.title();
    for (const ExtractedItem& item : page.items(paths_)) {
      Event e;
      e.source = spec_.id;
      e.type = "sigflow.page.item";
      e.data.title = item.title;
      e.data.summary = item.summary;
      e.data.url = canonical_url(item.link);
      e.data.guid = e.data.url.empty() ? "sha256:" + stable_hash({item.title, item.date}) : e.data.url;
      e.id = make_event_id(spec_.id, e.data.guid);
      if (auto t = item.date.empty() ? std::nullopt : parse_time_as(item.date, time_format_)) e.time = format_rfc3339(*t);
      else if (!item.date.empty()) e.data.extra["unparsed_date"] = item.date;
      e.data.lang = detect_language(e.data.title + "\n" + e.data.summary);
      e.data.fetched_at = fetched_at;
      if (!page_title.empty()) e.data.extra["page_title"] = page_title;
      events.push_back(std::move(e));
    }
    return events;
  }

  Result<PollBatch> watch(const HtmlPage& page, const std::string& url, const std::string& fetched_at,
                          std::map<std::string, std::string> values) {
    auto region = page.region_text(spec_.settings.get("region"));
    if (!region) return ledger_.batch({}, std::move(values), 0);  // the region vanished: source_empty, old text kept
    std::string text = std::move(*region);
    for (const auto& re : ignore_) RE2::GlobalReplace(&text, *re, "");
    const std::vector<std::string> lines = lines_of(text);
    const std::string normalized = join_lines(lines);
    const std::string hash = stable_hash({normalized});
    const auto previous = ledger_.value("text");
    values["text"] = normalized;
    values["text_hash"] = hash;
    std::vector<Event> events;
    if (previous && ledger_.value("text_hash") != hash) {
      Event e;
      e.source = spec_.id;
      e.type = "sigflow.page.changed";
      e.time = fetched_at;
      const std::string title = page.title();
      e.data.title = title.empty() ? url : title;
      e.data.url = canonical_url(url);
      e.data.guid = "text:" + hash;  // one event per distinct version of the region
      e.id = make_event_id(spec_.id, e.data.guid);
      e.data.summary = line_diff(lines_of(*previous), lines);
      e.data.content = normalized;
      e.data.extra["old_text"] = *previous;
      e.data.extra["diff"] = e.data.summary;
      e.data.lang = detect_language(normalized);
      e.data.fetched_at = fetched_at;
      events.push_back(std::move(e));
    }
    // The first version is the baseline: recorded, nothing to report yet.
    return ledger_.batch(std::move(events), std::move(values), 1);
  }

  SourceSpec spec_;
  HttpClient& http_;
  connectors::ItemLedger ledger_;
  std::vector<std::unique_ptr<RE2>> ignore_;
  ItemPaths paths_;
  TimeFormat time_format_;
};

}  // namespace

SourceFactory page_source_factory() {
  return {"page",
          "Watched HTML pages: items extracted with XPath (list), or a region's text compared between polls (watch).",
          connectors::with_http_settings({
              {"mode", SettingType::string, "list", "list (items by XPath) or watch (a region's text changes)"},
              {"items", SettingType::string, "", "list: XPath selecting the item nodes, e.g. //ul[@class='news']/li"},
              {"title", SettingType::string, ".//a", "list: XPath of the title, relative to an item"},
              {"link", SettingType::string, ".//a/@href", "list: XPath of the link, relative to an item"},
              {"date", SettingType::string, "", "list: XPath of the date, relative to an item"},
              {"summary", SettingType::string, "", "list: XPath of a summary, relative to an item"},
              {"time_format", SettingType::string, "auto", "list: how dates are written: auto, epoch_s, epoch_ms or a strptime pattern"},
              {"time_zone", SettingType::string, "UTC", "list: IANA zone of dates without an offset, e.g. Asia/Shanghai"},
              {"region", SettingType::string, "//body", "watch: XPath of the watched region(s)"},
              {"ignore", SettingType::list, "", "watch: RE2 patterns removed before comparing (timestamps, counters)"},
              {"unique_by", SettingType::string, "guid", "list: what identifies an item: guid (the link), link, title_link or data.<field>"},
          }),
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            for (auto check : {connectors::check_unique_by, connectors::check_http_settings}) {
              if (auto ok = check(spec); !ok) return ok.error();
            }
            const std::string& mode = spec.settings.get("mode");
            if (mode != "list" && mode != "watch") {
              return make_error("config.range", fmt::format("source '{}': mode must be list or watch, not '{}'", spec.id, mode));
            }
            if (mode == "list" && spec.settings.get("items").empty()) {
              return make_error("config.missing_key", fmt::format("source '{}': mode list needs 'items', the XPath of the item nodes", spec.id));
            }
            for (const char* key : {"items", "title", "link", "date", "summary", "region"}) {
              const std::string& expr = spec.settings.get(key);
              if (expr.empty()) continue;
              if (auto ok = check_xpath(expr); !ok) return make_error("config.xpath", fmt::format("source '{}': {}: {}", spec.id, key, ok.error().message));
            }
            if (!is_time_zone(spec.settings.get("time_zone"))) {
              return make_error("config.range", fmt::format("source '{}': time_zone '{}' is not an IANA time zone", spec.id, spec.settings.get("time_zone")));
            }
            std::vector<std::unique_ptr<RE2>> ignore;
            for (const std::string& pattern : spec.settings.get_list("ignore")) {
              auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
              if (!re->ok()) {
                return make_error("config.regex", fmt::format("source '{}': ignore: '{}' is not a valid RE2 pattern: {}", spec.id, pattern, re->error()));
              }
              ignore.push_back(std::move(re));
            }
            auto state = deps.state.source(spec.id);
            if (!state) return state.error();
            return std::unique_ptr<Source>(new PageSource(std::move(spec), deps.http, std::move(*state), std::move(ignore)));
          }};
}

}  // namespace sigflow::page
