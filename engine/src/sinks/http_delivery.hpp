#pragma once
// What every HTTP sink shares: the settings (url, timeouts, headers, proxy, TLS) and one POST
// judged the same way everywhere: 2xx delivered; connection errors, timeouts, 408, 425, 429
// and 5xx retried (Retry-After kept); other statuses refused for good. URLs and headers may
// hold ${env:}/${file:} secrets (chat bot URLs carry their token): they are resolved per
// request and never appear in outcomes or logs, which show only the URL's scheme and host.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "sigflow/http_client.hpp"
#include "sigflow/settings.hpp"
#include "sigflow/sink.hpp"

namespace sigflow::sinks {

// The HTTP keys followed by `own` (a sink's own keys).
SettingsTable http_sink_settings(SettingsTable own);
// Load-time checks of the HTTP keys (the URL's scheme, the CA file).
Status check_http_sink(const Settings& settings);

struct HttpPost {
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;  // added to the configured headers
  std::string url_suffix;                       // appended to the URL (signed query parameters)
  std::string path;                             // appended unless the URL already ends with it
};

// Sends `post` to the sink's url. On a 2xx, `response_body` (when given) receives the body so
// that a sink can read a receiver's own error code.
DeliveryOutcome post_alerts(HttpClient& http, const Settings& settings, const HttpPost& post, std::string* response_body = nullptr);

// An attempt that could not resolve a secret reference: retried (reason config_secret), since a
// rotated secret file or a fixed environment may cure it. The message names the reference only.
inline DeliveryOutcome secret_failed(const Error& e) { return {Verdict::retry, "config_secret", e.message, std::nullopt}; }

// scheme://host[:port] of a URL, for messages.
std::string redacted_url(std::string_view url);

// A 2xx answer whose JSON body carries a receiver's own status (chat bots): `field` must be 0
// (or absent, when `absent_ok`); codes in `retryable` are passing failures (rate limited).
DeliveryOutcome judge_json_code(const std::string& body, std::string_view field, std::initializer_list<std::int64_t> retryable,
                                bool absent_ok = false);

}  // namespace sigflow::sinks

namespace sigflow::sinks {

// Base of the HTTP sinks: the spec and the process's HTTP client.
class HttpSink : public Sink {
 public:
  HttpSink(SinkSpec spec, HttpClient& http) : spec_(std::move(spec)), http_(http) {}
  const SinkSpec& spec() const override { return spec_; }

 protected:
  DeliveryOutcome post(const HttpPost& p, std::string* response_body = nullptr) { return post_alerts(http_, spec_.settings, p, response_body); }
  // Posts, then lets the receiver's own status in a 2xx reply decide (see judge_json_code).
  DeliveryOutcome post_judged(const HttpPost& p, std::string_view field, std::initializer_list<std::int64_t> retryable, bool absent_ok = false) {
    std::string reply;
    auto outcome = post(p, &reply);
    return outcome.verdict == Verdict::delivered ? judge_json_code(reply, field, retryable, absent_ok) : outcome;
  }
  // The resolved `secret` setting ("" when unset); a failure goes out as secret_failed().
  Result<std::string> secret() const;
  SinkSpec spec_;
  HttpClient& http_;
};

// A factory for an HTTP sink type: the HTTP keys plus `own`, their checks plus `check`.
template <typename SinkType>
SinkFactory http_sink_factory(std::string type, std::string description, SettingsTable own, std::function<Status(const Settings&)> check = {}) {
  SinkFactory f;
  f.type = std::move(type);
  f.description = std::move(description);
  f.settings = http_sink_settings(std::move(own));
  f.create = [](SinkSpec spec, const SinkContext& ctx) -> Result<std::unique_ptr<Sink>> {
    return std::unique_ptr<Sink>(new SinkType(std::move(spec), ctx.http));
  };
  f.check = [check = std::move(check)](const Settings& s) -> Status {
    if (auto ok = check_http_sink(s); !ok) return ok;
    return check ? check(s) : Status(Ok{});
  };
  return f;
}

}  // namespace sigflow::sinks
