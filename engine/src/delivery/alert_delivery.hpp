#pragma once
// AlertDelivery: the engine's hand-off point for alerts. accept() routes an alert and appends it
// to the outbox of each sink it goes to; from then on the sink's dispatcher owns it. Owns the
// outbox store and one SinkDispatcher (with its worker threads) per sink.
//
// Lifecycle: create() opens the outbox (<state.dir>/outbox, or memory), loads what a previous
// run left and starts every dispatcher; drain() waits for the outboxes to empty; stop() (also
// the destructor) joins the workers and leaves the rest in the outbox for the next start.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "config/app_config.hpp"
#include "delivery/alert_router.hpp"
#include "delivery/outbox_store.hpp"
#include "delivery/sink_dispatcher.hpp"
#include "metrics/metrics.hpp"
#include "sigflow/http_server.hpp"

namespace sigflow::delivery {

class AlertDelivery {
 public:
  static Result<std::unique_ptr<AlertDelivery>> create(const AppConfig& config, std::vector<std::unique_ptr<Sink>> sinks,
                                                       Metrics& metrics);
  ~AlertDelivery();

  // Called from the engine thread. Errors (outbox.io, or outbox.full after give_up_waiting())
  // name the sink.
  Status accept(const Alert& alert);
  // Counts a repeat that dedup suppressed against the sinks it would have gone to.
  void suppressed(const Alert& alert);
  // Makes every accepted alert survive a crash of the machine (fsync); call before committing
  // the input that produced them.
  Status sync();
  // Waits until every outbox is empty or `timeout` passed; returns how many alerts still wait.
  std::size_t drain(std::chrono::milliseconds timeout);
  void give_up_waiting();
  // Shutdown has begun: an engine waiting for room in a full outbox gets `grace` more, then its
  // accept() fails with outbox.full (logged and counted) so that shutdown can finish.
  // Idempotent; any thread.
  void begin_shutdown(std::chrono::milliseconds grace);
  // The admin endpoint's /outbox: GET lists each sink's waiting alerts and dead letters (JSON);
  // POST /outbox/retry and /outbox/drop with ?sink=ID and &seq=N or &all=true change them.
  HttpServerReply handle_admin(const HttpServerRequest& request);
  // Alerts this process moved to dead letters (receivers refused them, or retry_for ran out).
  std::size_t dead_lettered() const;
  void stop();
  // True when waiting alerts survive a restart (RocksDB outbox).
  bool durable() const { return durable_; }
  const AlertRouter& router() const { return router_; }

 private:
  AlertDelivery(AlertRouter router, std::unique_ptr<OutboxStore> store, bool durable, Metrics& metrics);
  Metrics& metrics_;
  AlertRouter router_;
  std::unique_ptr<OutboxStore> store_;
  bool durable_;
  std::vector<std::unique_ptr<SinkDispatcher>> dispatchers_;
  std::mutex shutdown_mutex_;
  std::condition_variable shutdown_cv_;
  bool stopped_ = false;
  std::thread shutdown_timer_;
};

// Where the outbox of a configuration lives ("" without state.dir).
std::string outbox_dir(const AppConfig& config);

}  // namespace sigflow::delivery
