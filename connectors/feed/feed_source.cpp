// FeedSource: polls one RSS/RDF/Atom URL and emits its items not yet delivered.

#include <map>

#include <fmt/format.h>

#include "connectors.hpp"
#include "feed/feed_parser.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/time.hpp"

namespace sigflow::feed {
namespace {

class FeedSource final : public Source {
 public:
  FeedSource(SourceSpec spec, HttpClient& http, std::shared_ptr<SourceState> state)
      : spec_(std::move(spec)), http_(http), state_(std::move(state)), unique_by_(spec_.settings.get("unique_by")) {}

  const SourceSpec& spec() const override { return spec_; }

  Result<PollBatch> poll() override {
    HttpRequest req;
    req.url = spec_.url;
    req.timeout = spec_.settings.get_duration("timeout");
    req.connect_timeout = spec_.settings.get_duration("connect_timeout");
    req.max_bytes = spec_.settings.get_size("max_bytes");
    req.max_redirects = static_cast<int>(spec_.settings.get_int("max_redirects"));
    req.headers["Accept"] = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1";
    // Conditional GET with the validators of the last delivered version.
    if (auto etag = state_->value("etag"); etag && !etag->empty()) req.headers["If-None-Match"] = *etag;
    if (auto lm = state_->value("last_modified"); lm && !lm->empty()) req.headers["If-Modified-Since"] = *lm;
    auto resp = http_.get(req);
    if (!resp) return resp.error();
    pending_values_.clear();
    if (resp->status == 304) return PollBatch{{}, true};
    // The same bytes as the last delivered version: nothing to parse.
    const std::string body_hash = stable_hash({resp->body});
    if (state_->value("body_hash") == body_hash) return PollBatch{{}, true};
    const std::string base = resp->effective_url.empty() ? spec_.url : resp->effective_url;
    auto parsed = parse_feed(resp->body, base, resp->content_type);
    if (!parsed) return make_error(parsed.error().code, fmt::format("{}: {}", spec_.url, parsed.error().message));
    std::vector<Event> events = feed_to_events(*parsed, spec_.id, now_rfc3339());
    std::erase_if(events, [&](const Event& e) { return state_->seen(item_key(e)); });
    // Validators advance with the items, in commit(): never ahead of delivery.
    pending_values_ = {{"etag", resp->etag}, {"last_modified", resp->last_modified}, {"body_hash", body_hash}};
    return PollBatch{std::move(events), false};
  }

  void commit(const std::vector<Event>& delivered) override {
    std::vector<std::string> keys;
    keys.reserve(delivered.size());
    for (const Event& e : delivered) keys.push_back(item_key(e));
    // A failed write means the items come again at the next poll: repeated, never lost.
    (void)state_->commit(keys, pending_values_);
    pending_values_.clear();
  }

 private:
  // What makes an item unique (setting unique_by): a feed that rewrites guids, or carries
  // none, is deduplicated by its link or by title and link instead.
  std::string item_key(const Event& e) const {
    if (unique_by_ == "link") return stable_hash({"link", e.data.url});
    if (unique_by_ == "title_link") return stable_hash({"title_link", e.data.title, e.data.url});
    return e.id;
  }

  SourceSpec spec_;
  HttpClient& http_;
  std::shared_ptr<SourceState> state_;
  std::string unique_by_;
  std::map<std::string, std::string> pending_values_;  // validators of the last poll, until commit
};

}  // namespace

SourceFactory feed_source_factory() {
  return {"feed",
          "RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds over http(s) or from local files.",
          {
              {"timeout", SettingType::duration, "30s", "whole-transfer timeout"},
              {"connect_timeout", SettingType::duration, "10s", "TCP/TLS connect timeout"},
              {"max_bytes", SettingType::size, "16MiB", "largest accepted response body; larger is an error"},
              {"max_redirects", SettingType::integer, "5", "redirects followed before giving up"},
              {"unique_by", SettingType::string, "guid", "what identifies an item: guid, link or title_link"},
          },
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            const std::string& unique_by = spec.settings.get("unique_by");
            if (unique_by != "guid" && unique_by != "link" && unique_by != "title_link") {
              return make_error("config.range", fmt::format("source '{}': unique_by must be guid, link or title_link, not '{}'", spec.id, unique_by));
            }
            if (spec.settings.get_int("max_redirects") < 0) {
              return make_error("config.range", fmt::format("source '{}': max_redirects must not be negative", spec.id));
            }
            auto state = deps.state.source(spec.id);
            if (!state) return state.error();
            return std::unique_ptr<Source>(new FeedSource(std::move(spec), deps.http, std::move(*state)));
          }};
}

}  // namespace sigflow::feed

namespace sigflow {

void register_builtin_connectors(SourceRegistry& registry) { registry.add(feed::feed_source_factory()); }

}  // namespace sigflow
