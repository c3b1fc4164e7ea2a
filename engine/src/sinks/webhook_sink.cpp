// Generic webhook: the alert contract as JSON (a group: {"group": ..., "alerts": [...]}), or the
// user's template; signed with X-Sigflow-Signature when a secret is set (docs/sinks.md shows
// how a receiver verifies it).
#include <chrono>

#include <fmt/format.h>

#include "core/json_reader.hpp"
#include "sigflow/hash.hpp"
#include "sigflow/json_writer.hpp"
#include "sigflow/time.hpp"
#include "sinks/alert_template.hpp"
#include "sinks/builtin_sinks.hpp"
#include "sinks/http_delivery.hpp"

namespace sigflow::sinks {
namespace {

class WebhookSink final : public HttpSink {
 public:
  WebhookSink(SinkSpec spec, HttpClient& http) : HttpSink(std::move(spec), http) {
    const auto& t = spec_.settings.get("template");
    if (!t.empty()) template_ = AlertTemplate::parse(t, AlertTemplate::escape_for(spec_.settings.get("content_type"))).value();
  }

  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    p.content_type = spec_.settings.get("content_type");
    p.body = render(d);
    p.headers["Idempotency-Key"] = d.idempotency_key;
    auto key = secret();
    if (!key) return secret_failed(key.error());
    if (!key->empty()) {
      const std::int64_t t = unix_millis_now() / 1000;
      p.headers["X-Sigflow-Signature"] = fmt::format("t={},v1={}", t, hmac_sha256_hex(*key, fmt::format("{}.{}", t, p.body)));
    }
    return post(p);
  }

 private:
  std::string render(const Delivery& d) const {
    if (template_) {
      if (d.alerts.size() == 1) return template_->render(d.alerts[0]);
      const bool json = AlertTemplate::escape_for(spec_.settings.get("content_type")) == AlertTemplate::Escape::json;
      std::string out;
      for (const auto& a : d.alerts) {
        out += out.empty() ? (json ? "[" : "") : (json ? "," : "\n");
        out += template_->render(a);
      }
      if (json) out += "]";
      return out;
    }
    if (d.alerts.size() == 1) return d.alerts[0].to_json();
    json::Writer w;
    w.begin_object().field("idempotency_key", d.idempotency_key).key("alerts").begin_array();
    for (const auto& a : d.alerts) w.raw(a.to_json());
    w.end_array().end_object();
    return w.take();
  }

  std::optional<AlertTemplate> template_;
};

Status check_template(const Settings& s) {
  const auto& t = s.get("template");
  if (t.empty()) return Ok{};
  const auto escape = AlertTemplate::escape_for(s.get("content_type"));
  auto parsed = AlertTemplate::parse(t, escape);
  if (!parsed) return parsed.error();
  if (escape != AlertTemplate::Escape::json) return Ok{};
  // Rendered with awkward text, the body must still be JSON.
  Alert sample;
  sample.id = "0";
  sample.summary = "a \"quoted\" \\ summary\nwith a newline";
  sample.labels["team"] = "x\"y";
  sample.entities["company"] = {"A \"B\""};
  auto doc = json::parse(parsed->render(sample));
  if (!doc) return make_error("config.template", fmt::format("the template does not render valid JSON: {}", doc.error().message));
  return Ok{};
}

}  // namespace

SinkFactory webhook_sink_factory() {
  return http_sink_factory<WebhookSink>(
      "webhook", "POSTs each alert to an HTTP endpoint: the alert contract as JSON, or your template; HMAC-signed with a secret.",
      {{"secret", SettingType::string, "", "HMAC-SHA256 key for X-Sigflow-Signature: t=<unix>,v1=<hex>; ${env:NAME} or ${file:PATH}"},
       {"template", SettingType::string, "", "body template with {placeholders} (docs/sinks.md); empty: the alert contract"},
       {"content_type", SettingType::string, "application/json", "Content-Type of the body; decides how placeholders are escaped"}},
      check_template);
}

}  // namespace sigflow::sinks
