// Alert delivery: what handing an alert to a sink's outbox costs the engine thread (RocksDB
// and in memory), and how many alerts a webhook sink delivers per second to a loopback
// receiver at 1, 4 and 16 messages in flight (docs/benchmarks.md).
//
//   build/release/tests/bench/sigflow_delivery_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "delivery/alert_delivery.hpp"
#include "delivery/outbox_store.hpp"
#include "sigflow/http_client.hpp"
#include "sinks/builtin_sinks.hpp"
#include "support/http_server.hpp"
#include "support/test_paths.hpp"

namespace sigflow {
namespace {

// An alert of the demo's size (about 2 KB of JSON).
Alert sample_alert(int i) {
  Alert a;
  a.id = fmt::format("{:032x}", i);
  a.rule = "model_onboarding.cloud_platform";
  a.signal = "model_onboarding";
  a.severity = Severity::warning;
  a.summary = "Alibaba Cloud lists DeepSeek-R1, DeepSeek-V3: 阿里云百炼上线 DeepSeek-R1、DeepSeek-V3 满血版模型";
  a.labels = {{"channel", "cloud"}, {"pack", "model_onboarding"}};
  a.entities = {{"provider", {"Alibaba Cloud"}}, {"model", {"DeepSeek-R1", "DeepSeek-V3"}}, {"company", {"DeepSeek"}}};
  a.event = {fmt::format("{:032x}", i * 7), "cloud-news", "https://news.example.cn/cloud/2025/02/03/bailian-deepseek-r1.html",
             "阿里云百炼上线 DeepSeek-R1、DeepSeek-V3 满血版模型", "2025-02-03T02:30:00Z"};
  a.fired_at = "2026-11-24T13:13:31.782Z";
  for (int k = 0; k < 14; ++k) a.matched.push_back({"cloud_providers", "阿里云百炼", k % 2 ? "title" : "summary"});
  return a;
}

// One append and one remove: the engine's hand-off plus the delivery worker's clean-up.
void BM_OutboxAppendRemove(benchmark::State& state) {
  test::TempDir dir;
  auto store = state.range(0) ? delivery::open_rocksdb_outbox((dir / "outbox").string()).value() : delivery::make_memory_outbox();
  const std::string json = sample_alert(1).to_json();
  for (auto _ : state) {
    auto seq = store->append("hook", {0, "key", 0, json});
    benchmark::DoNotOptimize(store->remove("hook", *seq));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(0) ? "rocksdb" : "memory");
}

// The fsync that precedes an input commit, after a batch of 100 appends.
void BM_OutboxSyncAfter100(benchmark::State& state) {
  test::TempDir dir;
  auto store = delivery::open_rocksdb_outbox((dir / "outbox").string()).value();
  const std::string json = sample_alert(1).to_json();
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < 100; ++i) (void)store->append("hook", {0, "key", 0, json});
    state.ResumeTiming();
    benchmark::DoNotOptimize(store->sync());
  }
}

// Alerts accepted into a RocksDB outbox and delivered to a loopback webhook receiver.
void BM_WebhookDelivery(benchmark::State& state) {
  constexpr int kAlerts = 2000;
  test::TestHttpServer receiver;
  receiver.route("/hook", {204, "text/plain", ""});
  SinkRegistry registry;
  register_builtin_sinks(registry);
  const SinkFactory* factory = registry.find("webhook");
  auto http = make_curl_http_client({.max_per_host = 64});
  Metrics metrics;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    test::TempDir dir;
    AppConfig config;
    config.state.dir = dir.path().string();
    SinkSpec spec{"hook", "webhook",
                  Settings(factory->settings, {{"url", receiver.url("/hook")}, {"concurrency", std::to_string(state.range(0))}, {"secret", "s"}})};
    std::vector<std::unique_ptr<Sink>> sinks;
    sinks.push_back(factory->create(spec, SinkContext{*http, {}}).value());
    auto delivery = delivery::AlertDelivery::create(config, std::move(sinks), metrics).value();
    std::vector<Alert> alerts;
    for (int i = 0; i < kAlerts; ++i) alerts.push_back(sample_alert(round * kAlerts + i));
    ++round;
    state.ResumeTiming();
    for (const Alert& a : alerts) (void)delivery->accept(a);
    if (delivery->drain(std::chrono::minutes(5)) != 0) state.SkipWithError("not drained");
  }
  state.SetItemsProcessed(state.iterations() * kAlerts);
}

BENCHMARK(BM_OutboxAppendRemove)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OutboxSyncAfter100)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WebhookDelivery)->Arg(1)->Arg(4)->Arg(16)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace
}  // namespace sigflow

BENCHMARK_MAIN();
