#pragma once
// Sink: where alerts go (a webhook, a chat bot, Alertmanager, a Kafka topic, stdout, a file).
// A sink only renders and sends one message; the engine puts every routed alert in the sink's
// durable outbox first and its delivery workers call deliver() until the receiver took it
// (retries, backoff, rate limits, the circuit breaker and dead letters live in
// engine/src/delivery, the same for every sink).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/alert.hpp"
#include "sigflow/registry.hpp"
#include "sigflow/result.hpp"
#include "sigflow/settings.hpp"

namespace sigflow {

class HttpClient;

struct SinkSpec {
  std::string id;  // defaults to the type
  std::string type;
  Settings settings;
};

// One message to send: one alert, or a burst of alerts when the sink groups (group_wait).
struct Delivery {
  std::vector<Alert> alerts;    // at least one, in outbox order
  std::string idempotency_key;  // the alert id; for a group, a hash of its alert ids
  int attempt = 1;              // 1 on the first try
};

enum class Verdict {
  delivered,  // the receiver took it
  retry,      // a passing failure (connection, timeout, 5xx, 429): try again later
  reject,     // the receiver refused it for good (other 4xx): dead-letter it
};

struct DeliveryOutcome {
  Verdict verdict = Verdict::delivered;
  // Why, as a bounded metric label: "http_503", "http_429", "timeout", "connect", "tls",
  // "http_400", "receiver_code", "io", ...
  std::string reason;
  // What the receiver answered (status and the start of the body), kept with dead letters.
  // Never contains a secret: sinks redact URLs with access tokens.
  std::string response;
  std::optional<std::chrono::milliseconds> retry_after;  // the receiver's Retry-After
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual const SinkSpec& spec() const = 0;
  // Renders and sends one message. Blocking; called by the sink's delivery workers, up to its
  // `concurrency` at once, so implementations are thread-safe.
  virtual DeliveryOutcome deliver(const Delivery& delivery) = 0;
};

// What a sink may use, owned by the process.
struct SinkContext {
  HttpClient& http;
  // The configuration's kafka: properties (empty without one): the kafka sink's defaults.
  std::map<std::string, std::string> kafka_properties;
};

struct SinkFactory {
  std::string type;
  std::string description;
  SettingsTable settings;  // the sink's own keys; delivery keys are added by the registry
  // Errors name the sink; called at start-up after the settings were validated.
  std::function<Result<std::unique_ptr<Sink>>(SinkSpec, const SinkContext&)> create;
  // Extra load-time checks (a template that does not render, a bad matcher); Ok by default.
  std::function<Status(const Settings&)> check;
};

using SinkRegistry = Registry<SinkFactory>;

}  // namespace sigflow
