#pragma once
// Source: a connector instance that turns an external resource into Events.
//
// Lifecycle: created from config by its SourceFactory, then polled by the scheduler on a
// blocking worker thread (never two polls of one source at once). The scheduler hands the
// events of a successful poll to the bus and calls commit() only once the bus accepted them,
// so state that marks items as seen (SourceState) never runs ahead of delivery.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigflow/event.hpp"
#include "sigflow/http_client.hpp"
#include "sigflow/registry.hpp"
#include "sigflow/result.hpp"
#include "sigflow/settings.hpp"
#include "sigflow/state_store.hpp"

namespace sigflow {

struct SourceSpec {
  std::string id;
  std::string type;
  std::string url;  // absolute: relative paths in config are resolved to file:// URLs
  std::chrono::milliseconds interval{std::chrono::minutes(5)};
  Settings settings;  // type-specific, validated against the factory's table
};

// What one successful poll found.
struct PollBatch {
  std::vector<Event> events;  // items not delivered before
  bool unchanged = false;     // the resource did not change (HTTP 304, or the same body)
  std::size_t duplicates = 0; // items found but delivered before (skipped)
  // The extraction yielded no items although the last one yielded some: a site redesign or a
  // broken mapping rather than "no news". The runtime raises the source_empty health signal.
  bool went_empty = false;
  std::vector<std::string> rejected;  // items that could not be turned into events, with why
};

// Where a push source hands what it receives; implemented by the runtime.
class PushReceiver {
 public:
  virtual ~PushReceiver() = default;
  // Returns once the batch's events were accepted downstream (the source may then commit
  // them and acknowledge the sender), or with an error (the sender should retry).
  virtual Status deliver(const std::string& source_id, const PollBatch& batch) = 0;
  // A push the source refused (bad token, malformed body...), counted by error code.
  virtual void refused(const std::string& source_id, const Error& why) = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  virtual const SourceSpec& spec() const = 0;
  // Fetches and returns items not yet committed. Error codes name the failure kind
  // (fetch.*, feed.*, json.*, page.*); the scheduler counts them per source and backs off
  // (honouring an error's retry_after) before the next poll.
  virtual Result<PollBatch> poll() = 0;
  // The events returned by the last poll() were accepted downstream.
  virtual void commit(const std::vector<Event>& delivered) = 0;

  // Push sources (webhook) are started once instead of polled: they hand what they receive to
  // the receiver until stop(), which returns after in-flight deliveries finished.
  virtual bool is_push() const { return false; }
  virtual Status start(PushReceiver& /*receiver*/) { return Ok{}; }
  virtual void stop() {}
};

struct SourceDeps {
  HttpClient& http;
  StateStore& state;
};

struct SourceFactory {
  std::string type;
  std::string description;
  SettingsTable settings;  // keys beyond the common id/type/url/interval
  std::function<Result<std::unique_ptr<Source>>(SourceSpec, SourceDeps&)> create;
};

// Connector types by name; connectors register themselves at start-up.
using SourceRegistry = Registry<SourceFactory>;

}  // namespace sigflow
