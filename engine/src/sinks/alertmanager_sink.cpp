// Prometheus Alertmanager: POST /api/v2/alerts, so ops reuse its routing, grouping, inhibition
// and silences. Alertmanager deduplicates by label set; the alert_id label keeps separate
// signals separate and makes a re-delivery idempotent.
#include "sinks/builtin_sinks.hpp"
#include "sinks/chat_formats.hpp"
#include "sinks/http_delivery.hpp"

namespace sigflow::sinks {
namespace {

class AlertmanagerSink final : public HttpSink {
 public:
  using HttpSink::HttpSink;
  DeliveryOutcome deliver(const Delivery& d) override {
    HttpPost p;
    p.body = alertmanager_payload(d.alerts, std::chrono::duration_cast<std::chrono::seconds>(spec_.settings.get_duration("resolve_after")),
                                  spec_.settings.get("generator_url"));
    p.headers["Idempotency-Key"] = d.idempotency_key;
    p.path = "/api/v2/alerts";
    return post(p);
  }
};

}  // namespace

SinkFactory alertmanager_sink_factory() {
  return http_sink_factory<AlertmanagerSink>(
      "alertmanager", "Prometheus Alertmanager (url: its base URL; alerts go to /api/v2/alerts): labels and annotations for its routing and silences.",
      {{"resolve_after", SettingType::duration, "1h", "endsAt = fired_at + this: signals are events, so they resolve by themselves"},
       {"generator_url", SettingType::string, "", "generatorURL of every alert; empty: the event's URL"}});
}

}  // namespace sigflow::sinks
