// WebhookSource: an HTTP endpoint vendors push JSON items to. The source's url is where it
// listens (http://127.0.0.1:9470/ingest). A push is acknowledged (202) only after its events
// were accepted downstream; anything else gets a 4xx/5xx with the reason, so the sender knows
// whether to fix or retry.

#include <mutex>

#include <fmt/format.h>

#include "common/item_ledger.hpp"
#include "common/json_mapper.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/http_server.hpp"
#include "sigflow/json_writer.hpp"
#include "sigflow/log.hpp"
#include "sigflow/secrets.hpp"
#include "sigflow/text.hpp"
#include "sigflow/time.hpp"

namespace sigflow::webhook {
namespace {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string path;
};

// "http://HOST:PORT/path" with an IP address for HOST.
std::optional<Endpoint> parse_endpoint(const std::string& url) {
  if (url.rfind("http://", 0) != 0) return std::nullopt;
  const std::string rest = url.substr(7);
  const auto slash = rest.find('/');
  Endpoint e;
  e.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (!parse_listen_address(rest.substr(0, slash), e.host, e.port)) return std::nullopt;
  return e;
}

class WebhookSource final : public Source {
 public:
  WebhookSource(SourceSpec spec, std::shared_ptr<SourceState> state, Endpoint endpoint)
      : spec_(std::move(spec)),
        ledger_(std::move(state), spec_.settings.get("unique_by")),
        mapper_(connectors::JsonMapping::from(spec_, "sigflow.webhook.item")),
        endpoint_(std::move(endpoint)) {}

  const SourceSpec& spec() const override { return spec_; }
  Result<PollBatch> poll() override { return make_error("webhook.push", "webhook sources are pushed to, not polled"); }
  void commit(const std::vector<Event>&) override {}
  bool is_push() const override { return true; }

  Status start(PushReceiver& receiver) override {
    receiver_ = &receiver;
    HttpServerOptions options;
    options.max_body_bytes = spec_.settings.get_size("max_body");
    options.threads = static_cast<std::size_t>(spec_.settings.get_int("threads"));
    server_ = std::make_unique<HttpServer>([this](const HttpServerRequest& r) { return handle(r); }, options);
    auto port = server_->listen(endpoint_.host, endpoint_.port);
    if (!port) return port.error();
    logger("webhook")->info("source '{}' accepting pushes on http://{}:{}{}", spec_.id, endpoint_.host, *port, endpoint_.path);
    return Ok{};
  }

  void stop() override {
    if (server_) server_->stop();
  }

 private:
  HttpServerReply refuse(unsigned status, const std::string& code, const std::string& message) {
    receiver_->refused(spec_.id, make_error(code, message));
    return json_error_reply(status, message);
  }

  // Bearer token and/or HMAC-SHA256 of the body; "" when the request is authentic.
  std::string authentication_error(const HttpServerRequest& r) {
    if (const std::string& token_ref = spec_.settings.get("token"); !token_ref.empty()) {
      auto token = resolve_secrets(token_ref);
      if (!token) return "the endpoint's token is not available: " + token.error().message;
      auto it = r.headers.find("authorization");
      if (it == r.headers.end() || !constant_time_equal(it->second, "Bearer " + *token)) return "missing or wrong bearer token";
    }
    if (const std::string& secret_ref = spec_.settings.get("hmac_secret"); !secret_ref.empty()) {
      auto secret = resolve_secrets(secret_ref);
      if (!secret) return "the endpoint's HMAC secret is not available: " + secret.error().message;
      auto it = r.headers.find(ascii_lower(spec_.settings.get("signature_header")));
      if (it == r.headers.end()) return fmt::format("missing {} header", spec_.settings.get("signature_header"));
      std::string given = ascii_lower(it->second);
      if (given.rfind("sha256=", 0) == 0) given = given.substr(7);
      if (!constant_time_equal(given, hmac_sha256_hex(*secret, r.body))) return "signature does not match the body";
    }
    return {};
  }

  HttpServerReply handle(const HttpServerRequest& r) {
    const std::string path = r.target.substr(0, r.target.find('?'));
    if (path != endpoint_.path) return json_error_reply(404, fmt::format("not found: push to {}", endpoint_.path));
    if (r.method != "POST") {
      auto reply = json_error_reply(405, "use POST");
      reply.headers.emplace("Allow", "POST");
      return reply;
    }
    if (auto why = authentication_error(r); !why.empty()) {
      auto reply = refuse(401, "webhook.unauthorized", why);
      reply.headers.emplace("WWW-Authenticate", "Bearer");
      return reply;
    }
    if (auto ct = r.headers.find("content-type"); ct != r.headers.end() && ascii_lower(ct->second).find("json") == std::string::npos) {
      return refuse(415, "webhook.content_type", fmt::format("expected a JSON body, got {}", ct->second));
    }
    std::lock_guard lock(mutex_);  // one push at a time: the duplicate check and the commit stay consistent
    auto mapped = mapper_.map(r.body, spec_.id, "", now_rfc3339());
    if (!mapped) return refuse(400, mapped.error().code, mapped.error().message);
    if (!mapped->rejected.empty()) {
      // All or nothing: the sender fixes the push and sends it again.
      return refuse(422, "webhook.items", fmt::format("{} items rejected, nothing accepted: {}", mapped->rejected.size(), mapped->rejected.front()));
    }
    PollBatch batch = ledger_.batch(std::move(mapped->events), {}, 1);
    if (auto delivered = receiver_->deliver(spec_.id, batch); !delivered) {
      auto reply = json_error_reply(503, fmt::format("not accepted, retry later: {}", delivered.error().message));
      reply.headers.emplace("Retry-After", "5");
      return reply;
    }
    ledger_.commit(batch.events);
    return json_reply(202, fmt::format(R"({{"accepted": {}, "duplicates": {}}})", batch.events.size(), batch.duplicates));
  }

  SourceSpec spec_;
  connectors::ItemLedger ledger_;
  connectors::JsonMapper mapper_;
  Endpoint endpoint_;
  std::mutex mutex_;
  PushReceiver* receiver_ = nullptr;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace

SourceFactory webhook_source_factory() {
  return {"webhook",
          "An HTTP endpoint (the source's url, e.g. http://127.0.0.1:9470/ingest) that vendors push JSON items to.",
          connectors::with_json_mapping({
              {"token", SettingType::string, "", "bearer token senders must present; use ${env:NAME} or ${file:PATH}"},
              {"hmac_secret", SettingType::string, "", "HMAC-SHA256 key for body signatures; use ${env:NAME} or ${file:PATH}"},
              {"signature_header", SettingType::string, "X-Signature-256", "header carrying the signature, as sha256=<hex> or <hex>"},
              {"max_body", SettingType::size, "1MiB", "largest accepted push; larger gets 413"},
              {"threads", SettingType::integer, "2", "requests handled at once"},
          }),
          [](SourceSpec spec, SourceDeps& deps) -> Result<std::unique_ptr<Source>> {
            if (auto ok = connectors::check_json_mapping(spec); !ok) return ok.error();
            auto endpoint = parse_endpoint(spec.url);
            if (!endpoint) {
              return make_error("config.range", fmt::format("source '{}': url must be where to listen, http://IP:PORT/path (e.g. http://127.0.0.1:9470/ingest)", spec.id));
            }
            const bool authenticated = !spec.settings.get("token").empty() || !spec.settings.get("hmac_secret").empty();
            if (!authenticated && !is_loopback_address(endpoint->host)) {
              return make_error("config.security", fmt::format("source '{}': a webhook listening beyond loopback needs a token or an hmac_secret", spec.id));
            }
            if (spec.settings.get_int("threads") < 1) {
              return make_error("config.range", fmt::format("source '{}': threads must be at least 1", spec.id));
            }
            auto state = deps.state.source(spec.id);
            if (!state) return state.error();
            return std::unique_ptr<Source>(new WebhookSource(std::move(spec), std::move(*state), std::move(*endpoint)));
          }};
}

}  // namespace sigflow::webhook
