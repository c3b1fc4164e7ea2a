#include "delivery/alert_delivery.hpp"

#include <fmt/format.h>

#include "sigflow/log.hpp"

namespace sigflow::delivery {

std::string outbox_dir(const AppConfig& config) { return config.state.dir.empty() ? "" : config.state.dir + "/outbox"; }

AlertDelivery::AlertDelivery(AlertRouter router, std::unique_ptr<OutboxStore> store, bool durable, Metrics& metrics)
    : metrics_(metrics), router_(std::move(router)), store_(std::move(store)), durable_(durable) {}

AlertDelivery::~AlertDelivery() { stop(); }

Result<std::unique_ptr<AlertDelivery>> AlertDelivery::create(const AppConfig& config, std::vector<std::unique_ptr<Sink>> sinks,
                                                             Metrics& metrics) {
  std::unique_ptr<OutboxStore> store;
  const std::string dir = outbox_dir(config);
  if (dir.empty()) {
    store = make_memory_outbox();
  } else {
    auto opened = open_rocksdb_outbox(dir);
    if (!opened) return opened.error();
    store = std::move(*opened);
  }
  std::vector<std::string> ids;
  for (const auto& s : sinks) ids.push_back(s->spec().id);
  std::unique_ptr<AlertDelivery> d(new AlertDelivery(AlertRouter(config.routes, ids), std::move(store), !dir.empty(), metrics));
  for (auto& sink : sinks) {
    auto policy = delivery_policy(sink->spec().settings);
    if (!policy) return make_error(policy.error().code, fmt::format("sink '{}': {}", sink->spec().id, policy.error().message));
    auto dispatcher = std::make_unique<SinkDispatcher>(std::move(sink), std::move(*policy), *d->store_, metrics);
    if (auto loaded = dispatcher->load(); !loaded) return loaded.error();
    d->dispatchers_.push_back(std::move(dispatcher));
  }
  for (auto& dispatcher : d->dispatchers_) dispatcher->start();
  return d;
}

Status AlertDelivery::accept(const Alert& alert) {
  const RouteDecision decision = router_.route(alert);
  for (const std::string& sink : decision.sinks) {
    for (auto& d : dispatchers_) {
      if (d->id() != sink) continue;
      if (auto ok = d->accept(alert); !ok) return ok;
    }
  }
  return Ok{};
}

void AlertDelivery::suppressed(const Alert& alert) {
  for (const std::string& sink : router_.route(alert).sinks) metrics_.sink_suppressed(sink);
}

Status AlertDelivery::sync() { return store_->sync(); }

std::size_t AlertDelivery::drain(std::chrono::milliseconds timeout) {
  const auto deadline = SinkDispatcher::Clock::now() + timeout;
  std::size_t waiting = 0;
  for (auto& d : dispatchers_) {
    const std::size_t left = d->drain(deadline);
    if (left > 0) {
      logger("delivery")->warn("sink '{}': {} alerts still wait for delivery{}", d->id(), left,
                               durable_ ? "; they stay in the outbox for the next start" : " and are lost (no state.dir: the outbox is in memory)");
    }
    waiting += left;
  }
  return waiting;
}

std::size_t AlertDelivery::dead_lettered() const {
  std::size_t n = 0;
  for (const auto& d : dispatchers_) n += d->dead_lettered();
  return n;
}

void AlertDelivery::give_up_waiting() {
  for (auto& d : dispatchers_) d->give_up_waiting();
}

void AlertDelivery::stop() {
  for (auto& d : dispatchers_) d->stop();
  if (store_) (void)store_->sync();
}

}  // namespace sigflow::delivery
