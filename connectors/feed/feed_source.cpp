// FeedSource: polls one RSS/RDF/Atom URL and emits its items not yet delivered.
#include <deque>
#include <mutex>
#include <unordered_set>

#include <fmt/format.h>

#include "connectors.hpp"
#include "feed/feed_parser.hpp"
#include "sigflow/time.hpp"

namespace sigflow::feed {
namespace {

// Remembers delivered item ids so a feed's unchanged items are not re-emitted on every poll.
// In memory for now: bounded, oldest forgotten first.
class SeenItems {
 public:
  explicit SeenItems(std::size_t capacity) : capacity_(capacity) {}
  bool contains(const std::string& id) const { return set_.contains(id); }
  void add(const std::string& id) {
    if (!set_.insert(id).second) return;
    order_.push_back(id);
    if (order_.size() > capacity_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  std::size_t capacity_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

class FeedSource final : public Source {
 public:
  FeedSource(SourceSpec spec, HttpClient& http)
      : spec_(std::move(spec)), http_(http), seen_(static_cast<std::size_t>(spec_.settings.get_int("remember_items"))) {}

  const SourceSpec& spec() const override { return spec_; }

  Result<std::vector<Event>> poll() override {
    HttpRequest req;
    req.url = spec_.url;
    req.timeout = spec_.settings.get_duration("timeout");
    req.connect_timeout = spec_.settings.get_duration("connect_timeout");
    req.max_bytes = spec_.settings.get_size("max_bytes");
    req.max_redirects = static_cast<int>(spec_.settings.get_int("max_redirects"));
    req.headers["Accept"] = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1";
    auto resp = http_.get(req);
    if (!resp) return resp.error();
    const std::string base = resp->effective_url.empty() ? spec_.url : resp->effective_url;
    auto parsed = parse_feed(resp->body, base, resp->content_type);
    if (!parsed) return make_error(parsed.error().code, fmt::format("{}: {}", spec_.url, parsed.error().message));
    std::vector<Event> events = feed_to_events(*parsed, spec_.id, now_rfc3339());
    std::lock_guard lock(mutex_);
    std::erase_if(events, [&](const Event& e) { return seen_.contains(e.id); });
    return events;
  }

  void commit(const std::vector<Event>& delivered) override {
    std::lock_guard lock(mutex_);
    for (const Event& e : delivered) seen_.add(e.id);
  }

 private:
  SourceSpec spec_;
  HttpClient& http_;
  std::mutex mutex_;
  SeenItems seen_;
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
              {"remember_items", SettingType::integer, "100000", "delivered item ids remembered to skip repeats"},
          },
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            if (spec.settings.get_int("remember_items") < 1) {
              return make_error("config.range", fmt::format("source '{}': remember_items must be at least 1", spec.id));
            }
            if (spec.settings.get_int("max_redirects") < 0) {
              return make_error("config.range", fmt::format("source '{}': max_redirects must not be negative", spec.id));
            }
            return std::unique_ptr<Source>(new FeedSource(std::move(spec), deps.http));
          }};
}

}  // namespace sigflow::feed

namespace sigflow {

void register_builtin_connectors(SourceRegistry& registry) { registry.add(feed::feed_source_factory()); }

}  // namespace sigflow
