#include "delivery/alert_delivery.hpp"

#include <fmt/format.h>

#include "sigflow/json_writer.hpp"

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
  std::optional<Error> first_error;  // every sink is still tried
  for (const std::string& sink : decision.sinks) {
    for (auto& d : dispatchers_) {
      if (d->id() != sink) continue;
      if (auto ok = d->accept(alert); !ok && !first_error) first_error = ok.error();
    }
  }
  if (first_error) return *first_error;
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

namespace {

// The value of `name` in the query of `target` ("" when absent).
std::string query_param(const std::string& target, const std::string& name) {
  const auto q = target.find('?');
  if (q == std::string::npos) return {};
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.substr(0, pair.find('=')) == name) return std::string(pair.substr(std::min(pair.size(), name.size() + 1)));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

HttpServerReply AlertDelivery::handle_admin(const HttpServerRequest& req) {
  const std::string path = req.target.substr(0, req.target.find('?'));
  if (path == "/outbox" && req.method == "GET") {
    auto letters = store_->dead_letters("");
    if (!letters) return json_error_reply(500, letters.error().message);
    json::Writer w;
    w.begin_object().key("sinks").begin_array();
    for (auto& d : dispatchers_) {
      std::size_t dead = 0;
      for (const auto& l : *letters) dead += l.sink == d->id() ? 1 : 0;
      w.begin_object().field("sink", d->id()).key("waiting").value(static_cast<double>(d->waiting()));
      w.key("dead_letters").value(static_cast<double>(dead)).end_object();
    }
    w.end_array().key("dead_letters").begin_array();
    for (const auto& l : *letters) {
      w.begin_object().field("sink", l.sink).key("seq").value(static_cast<double>(l.record.seq)).field("reason", l.reason);
      w.field("response", l.response).key("attempts").value(l.attempts).key("failed_at_ms").value(static_cast<double>(l.failed_ms));
      w.key("alert").raw(l.record.alert_json).end_object();
    }
    w.end_array().end_object();
    return json_reply(200, w.take());
  }
  const bool retry = path == "/outbox/retry";
  if (!retry && path != "/outbox/drop") return json_error_reply(404, "not found: try GET /outbox, POST /outbox/retry or POST /outbox/drop");
  if (req.method != "POST") return json_error_reply(405, "use POST");
  const std::string sink = query_param(req.target, "sink");
  const std::string seq_text = query_param(req.target, "seq");
  const bool all = query_param(req.target, "all") == "true";
  std::optional<std::uint64_t> seq;
  if (!seq_text.empty()) {
    try {
      seq = std::stoull(seq_text);
    } catch (const std::exception&) {
      return json_error_reply(400, fmt::format("seq must be a number, found '{}'", seq_text));
    }
  }
  if (seq.has_value() == all) return json_error_reply(400, "give either seq=N or all=true");
  for (auto& d : dispatchers_) {
    if (d->id() != sink) continue;
    auto n = retry ? d->requeue(seq) : d->drop(seq);
    if (!n) return json_error_reply(500, n.error().message);
    logger("delivery")->info("sink '{}': {} {} dead letters through the admin endpoint", sink, retry ? "requeued" : "dropped", *n);
    json::Writer w;
    w.begin_object().field("sink", sink).key(retry ? "requeued" : "dropped").value(static_cast<double>(*n)).end_object();
    return json_reply(200, w.take());
  }
  return json_error_reply(404, fmt::format("no sink has the id '{}'", sink));
}

std::size_t AlertDelivery::dead_lettered() const {
  std::size_t n = 0;
  for (const auto& d : dispatchers_) n += d->dead_lettered();
  return n;
}

void AlertDelivery::give_up_waiting() {
  for (auto& d : dispatchers_) d->give_up_waiting();
}

void AlertDelivery::begin_shutdown(std::chrono::milliseconds grace) {
  std::lock_guard lock(shutdown_mutex_);
  if (shutdown_timer_.joinable() || stopped_) return;
  shutdown_timer_ = std::thread([this, grace] {
    std::unique_lock lock(shutdown_mutex_);
    if (!shutdown_cv_.wait_for(lock, grace, [this] { return stopped_; })) give_up_waiting();
  });
}

void AlertDelivery::stop() {
  {
    std::lock_guard lock(shutdown_mutex_);
    stopped_ = true;
  }
  shutdown_cv_.notify_all();
  if (shutdown_timer_.joinable()) shutdown_timer_.join();
  for (auto& d : dispatchers_) d->stop();
  if (store_) (void)store_->sync();
}

}  // namespace sigflow::delivery
