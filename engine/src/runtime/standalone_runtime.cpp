#include "runtime/standalone_runtime.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "runtime/event_processor.hpp"
#include "bus/in_process_bus.hpp"
#include "runtime/admin_endpoint.hpp"
#include "runtime/stop_signals.hpp"
#include "sigflow/log.hpp"
#include "sigflow/time.hpp"

namespace sigflow {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct StandaloneRuntime::Impl final : PushReceiver {
  Impl(const AppConfig& config, LiveRules* rules, std::vector<std::unique_ptr<Source>> sources,
       std::unique_ptr<delivery::AlertDelivery> delivery, Metrics& metrics, EventPublisher* external, std::vector<AdminRoute> admin_routes)
      : config(config),
        rules(rules),
        sources(std::move(sources)),
        delivery(std::move(delivery)),
        metrics(metrics),
        admin_routes(std::move(admin_routes)),
        bus(config.bus_capacity),
        publisher(external != nullptr ? *external : static_cast<EventPublisher&>(bus)),
        has_engine(external == nullptr),
        pool(config.fetch_workers),
        log(logger("runtime")) {
    if (rules != nullptr) processor.emplace(*rules, this->delivery.get(), metrics);
    for (const auto& s : this->sources) this->metrics.add_source(s->spec().id);
  }

  const AppConfig& config;
  LiveRules* rules;  // null for `sigflow connect`
  std::vector<std::unique_ptr<Source>> sources;
  std::unique_ptr<delivery::AlertDelivery> delivery;  // null for `sigflow connect`
  Metrics& metrics;
  std::vector<AdminRoute> admin_routes;
  InProcessBus bus;
  std::optional<EventProcessor> processor;  // with rules; used by the engine thread only
  EventPublisher& publisher;  // where sources hand events: the bus, or Kafka
  const bool has_engine;
  asio::thread_pool pool;
  std::shared_ptr<spdlog::logger> log;

  std::vector<int> failures = std::vector<int>(sources.size(), 0);  // per source; touched only by its poll
  std::mutex rng_mutex;
  std::mt19937 rng{std::random_device{}()};
  std::mutex stats_mutex;  // polls update stats from pool threads
  RunStats stats;
  std::thread engine;
  std::atomic<bool> stopping{false};
  // Set when a stop is requested: the shutdown, deliveries included, ends by then.
  std::optional<Clock::time_point> stop_deadline;
  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stop_requested = false;

  // Runs on a pool thread (never twice at once for one source). Publishes the poll's events,
  // then lets the source commit them. Returns the delay until this source's next poll.
  std::chrono::milliseconds poll(std::size_t index) {
    Source& source = *sources[index];
    const auto interval = source.spec().interval;
    if (stopping.load()) return interval;
    const auto& id = source.spec().id;
    const auto t0 = Clock::now();
    auto result = source.poll();
    metrics.fetch_duration(id, std::chrono::duration<double>(Clock::now() - t0).count());
    if (!result) {
      const Error& e = result.error();
      refused(id, e);
      metrics.source_up(id, false);
      const auto delay = backoff(index, interval, e.retry_after);
      log->warn("source '{}' failed ({}): {}; next try in {}s", id, e.code, e.message,
                std::chrono::duration_cast<std::chrono::seconds>(delay).count());
      std::lock_guard lock(stats_mutex);
      ++stats.polls;
      ++stats.failed_polls;
      stats.failed_sources.push_back(id);
      return delay;
    }
    failures[index] = 0;
    auto handed = hand_off(id, *result);
    if (handed.ok() && !result->unchanged) source.commit(result->events);
    std::lock_guard lock(stats_mutex);
    ++stats.polls;
    if (!handed.ok() && !stopping.load()) {
      // Not committed: the same items come again at the next poll (repeats, never losses).
      log->error("source '{}': events not handed on: {}", id, handed.error().message);
      ++stats.failed_polls;
      stats.failed_sources.push_back(id);
    }
    return jittered(interval);
  }

  // A failed poll or a refused push, counted by error kind.
  void refused(const std::string& id, const Error& e) override {
    metrics.fetch_result(id, e.code);
    if (e.code.rfind("fetch.", 0) != 0 && e.code.rfind("config.", 0) != 0) metrics.parse_error(id);
  }

  // Publishes a batch to the bus and updates the source's metrics; Ok once the bus has every
  // event (the source may commit them then).
  Status hand_off(const std::string& id, const PollBatch& batch) {
    std::size_t published = 0;
    for (const Event& e : batch.events) {
      if (!publisher.publish(Event(e))) break;  // the source commits the originals once they are accepted
      ++published;
    }
    // Handed on once the engine processed them and their alerts are on disk in the outbox.
    const bool all_published = published == batch.events.size() && publisher.flush().ok() && (!delivery || delivery->sync().ok());
    metrics.fetch_result(id, batch.unchanged ? "not_modified" : "ok");
    metrics.source_up(id, true);
    metrics.events_in(id, static_cast<double>(published));
    metrics.duplicates(id, static_cast<double>(batch.duplicates));
    metrics.last_success(id, std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (!batch.rejected.empty()) {
      metrics.rejected_items(id, static_cast<double>(batch.rejected.size()));
      log->warn("source '{}': {} items could not be used, e.g. {}", id, batch.rejected.size(), batch.rejected.front());
    }
    if (batch.went_empty) {
      metrics.source_empty(id, true);
      log->warn("source '{}' yielded no items although its last fetch had some (source_empty): check the site and the "
                "source's extraction settings", id);
    } else if (!batch.events.empty() || batch.duplicates > 0) {
      metrics.source_empty(id, false);
    }
    if (published > 0) log->info("source '{}': {} new events", id, published);
    {
      std::lock_guard lock(stats_mutex);
      stats.events += published;
    }
    if (!all_published) return make_error("bus.handoff", published < batch.events.size() ? "the pipeline is shutting down" : "not acknowledged downstream");
    return Ok{};
  }

  Status deliver(const std::string& id, const PollBatch& batch) override {
    if (stopping.load()) return make_error("bus.closed", "the pipeline is shutting down");
    return hand_off(id, batch);
  }

  // ±10% so that sources with one interval do not poll in lockstep.
  std::chrono::milliseconds jittered(std::chrono::milliseconds d) {
    std::lock_guard lock(rng_mutex);
    std::uniform_real_distribution<double> spread(0.9, 1.1);
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(d.count()) * spread(rng)));
  }

  // After n consecutive failures: interval × 2^(n-1), at most 32 × interval (and at least the
  // server's Retry-After).
  std::chrono::milliseconds backoff(std::size_t index, std::chrono::milliseconds interval,
                                    std::optional<std::chrono::milliseconds> retry_after) {
    const int n = std::min(++failures[index], 6);
    auto delay = jittered(interval * (1 << (n - 1)));
    if (retry_after && *retry_after > delay) delay = *retry_after;
    return delay;
  }

  // Without a rule set (sigflow connect), the events themselves go to stdout as JSON lines.
  void print_events_loop() {
    while (auto message = bus.next()) {
      metrics.bus_depth(static_cast<double>(bus.depth()));
      std::string line = message->event.to_json();
      line.push_back('\n');
      const bool written = std::fwrite(line.data(), 1, line.size(), stdout) == line.size() && std::fflush(stdout) == 0;
      if (!written) {
        log->error("cannot write event {} to standard output", message->event.id);
        std::lock_guard lock(stats_mutex);
        ++stats.sink_errors;
      }
      bus.done(*message, written);
    }
  }

  // The engine thread: bus -> rules -> sinks until the bus is closed and drained.
  void engine_loop() {
    if (!rules) {
      print_events_loop();
      return;
    }
    while (auto message = bus.next()) {
      metrics.bus_depth(static_cast<double>(bus.depth()));
      // Failures are logged and counted. An evaluation error is final (the same event fails
      // again); an alert that did not reach its outbox keeps the event uncommitted instead.
      auto processed = processor->process(message->event);
      bus.done(*message, processed.ok() || !processed.error().code.starts_with("outbox."));
    }
    metrics.bus_depth(0);
  }

  RunStats finish(Clock::time_point started) {
    if (delivery) delivery->begin_shutdown(config.drain_timeout);  // a full outbox must not hold shutdown forever
    pool.join();
    bus.close();
    if (engine.joinable()) engine.join();
    std::size_t undelivered = 0;
    if (delivery) {
      (void)processor->sync_outbox();
      auto budget = config.drain_timeout;  // --once: deliveries get the whole drain_timeout
      if (stop_deadline) budget = time_left(*stop_deadline);
      undelivered = delivery->drain(budget);
      delivery->stop();
    }
    metrics.set_ready(false);
    std::lock_guard lock(stats_mutex);
    stats.undelivered = undelivered;
    stats.dead_lettered = delivery ? delivery->dead_lettered() : 0;
    if (delivery && !delivery->durable()) stats.sink_errors += undelivered;  // lost with the process
    if (processor) stats.add(processor->counts());
    stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return stats;
  }

  void signal_stop() {
    std::lock_guard lock(stop_mutex);
    stop_requested = true;
    stop_cv.notify_all();
  }
};

StandaloneRuntime::StandaloneRuntime(const AppConfig& config, LiveRules* rules, std::vector<std::unique_ptr<Source>> sources,
                                     std::unique_ptr<delivery::AlertDelivery> delivery, Metrics& metrics, EventPublisher* publisher,
                                     std::vector<AdminRoute> admin_routes)
    : impl_(std::make_unique<Impl>(config, rules, std::move(sources), std::move(delivery), metrics, publisher, std::move(admin_routes))) {}

StandaloneRuntime::~StandaloneRuntime() {
  impl_->bus.close();
  impl_->pool.join();
  if (impl_->engine.joinable()) impl_->engine.join();
}

RunStats StandaloneRuntime::run_once() {
  Impl& m = *impl_;
  const auto started = Clock::now();
  m.metrics.set_ready(true);
  if (m.has_engine) m.engine = std::thread([&m] { m.engine_loop(); });
  for (std::size_t i = 0; i < m.sources.size(); ++i) {
    if (m.sources[i]->is_push()) {
      m.log->info("source '{}' receives pushes; it is not started by a --once run", m.sources[i]->spec().id);
      continue;
    }
    asio::post(m.pool, [&m, i] { m.poll(i); });
  }
  return m.finish(started);
}

Result<RunStats> StandaloneRuntime::run_until_stopped() {
  Impl& m = *impl_;
  const auto started = Clock::now();
  asio::io_context io;
  auto guard = asio::make_work_guard(io);

  auto routes = m.admin_routes;
  if (m.delivery) routes.push_back({"/outbox", [&d = *m.delivery](const HttpServerRequest& r) { return d.handle_admin(r); }});
  auto admin = start_admin_endpoint(m.config.admin, m.metrics, m.stopping, std::move(routes));
  if (!admin) return admin.error();

  // Push sources (webhooks) listen from here on; one that cannot is a start-up error.
  for (auto& source : m.sources) {
    if (!source->is_push()) continue;
    if (auto ok = source->start(m); !ok) {
      for (auto& s : m.sources) s->stop();
      return make_error(ok.error().code, fmt::format("source '{}': {}", source->spec().id, ok.error().message));
    }
  }

  StopSignals signals("draining and shutting down", [&m] { m.signal_stop(); });

  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  std::function<void(std::size_t, std::chrono::milliseconds)> schedule = [&](std::size_t i, std::chrono::milliseconds delay) {
    auto& timer = *timers[i];
    timer.expires_after(delay);
    timer.async_wait([&, i](const boost::system::error_code& ec) {
      if (ec || m.stopping.load()) return;
      asio::post(m.pool, [&, i] {
        const auto next = m.poll(i);
        asio::post(io, [&, i, next] {
          if (!m.stopping.load()) schedule(i, next);
        });
      });
    });
  };
  if (m.has_engine) m.engine = std::thread([&m] { m.engine_loop(); });
  for (std::size_t i = 0; i < m.sources.size(); ++i) {
    timers.push_back(std::make_unique<asio::steady_timer>(io));
    if (m.sources[i]->is_push()) continue;  // started above
    asio::post(m.pool, [&, i] {  // first poll right away
      const auto next = m.poll(i);
      asio::post(io, [&, i, next] {
        if (!m.stopping.load()) schedule(i, next);
      });
    });
  }
  m.metrics.set_ready(true);
  std::thread control([&io] { io.run(); });

  {
    std::unique_lock lock(m.stop_mutex);
    m.stop_cv.wait(lock, [&] { return m.stop_requested; });
  }
  m.stopping.store(true);
  m.stop_deadline = Clock::now() + m.config.drain_timeout;
  if (m.delivery) m.delivery->begin_shutdown(m.config.drain_timeout);  // before push sources wait on a full bus
  asio::post(io, [&] {
    for (auto& t : timers) t->cancel();
  });
  for (auto& source : m.sources) source->stop();  // push sources: no new deliveries
  RunStats stats = m.finish(started);
  if (*admin) (*admin)->stop();
  guard.reset();
  io.stop();
  control.join();
  return stats;
}

void StandaloneRuntime::request_stop() { impl_->signal_stop(); }

}  // namespace sigflow
