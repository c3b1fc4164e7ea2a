// FeedSource: polls one RSS/RDF/Atom URL and emits its items not yet delivered.

#include <fmt/format.h>

#include "common/http_fetch.hpp"
#include "common/item_ledger.hpp"
#include "connectors.hpp"
#include "common/feed_parser.hpp"
#include "sigflow/time.hpp"

namespace sigflow::feed {
namespace {

class FeedSource final : public Source {
 public:
  FeedSource(SourceSpec spec, HttpClient& http, std::shared_ptr<SourceState> state)
      : spec_(std::move(spec)), http_(http), ledger_(std::move(state), spec_.settings.get("unique_by")) {}

  const SourceSpec& spec() const override { return spec_; }

  Result<PollBatch> poll() override {
    auto req = connectors::http_request(spec_, spec_.url);
    if (!req) return req.error();
    req->headers["Accept"] = "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1";
    std::map<std::string, std::string> validators;
    auto resp = connectors::fetch_if_changed(http_, std::move(*req), ledger_, validators);
    if (!resp) return resp.error();
    if (!*resp) return ledger_.unchanged();
    const HttpResponse& r = **resp;
    const std::string base = r.effective_url.empty() ? spec_.url : r.effective_url;
    auto parsed = parse_feed(r.body, base, r.content_type);
    if (!parsed) return make_error(parsed.error().code, fmt::format("{}: {}", spec_.url, parsed.error().message));
    return ledger_.batch(feed_to_events(*parsed, spec_.id, now_rfc3339()), std::move(validators));
  }

  void commit(const std::vector<Event>& delivered) override { ledger_.commit(delivered); }

 private:
  SourceSpec spec_;
  HttpClient& http_;
  connectors::ItemLedger ledger_;
};

}  // namespace

SourceFactory feed_source_factory() {
  return {"feed",
          "RSS 2.0, RSS 1.0 (RDF) and Atom 1.0 feeds over http(s) or from local files.",
          connectors::with_http_settings({connectors::unique_by_setting()}),
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            if (auto ok = connectors::check_unique_by(spec); !ok) return ok.error();
            if (auto ok = connectors::check_http_settings(spec); !ok) return ok.error();
            auto state = deps.state.source(spec.id);
            if (!state) return state.error();
            return std::unique_ptr<Source>(new FeedSource(std::move(spec), deps.http, std::move(*state)));
          }};
}

}  // namespace sigflow::feed
