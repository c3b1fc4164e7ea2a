// Kafka pipeline benchmark against the local broker (deploy/kafka/local-broker.sh):
//   1. floor: a bare librdkafka produce -> consume round trip, p50/p99, at 1k and 10k events/s;
//   2. engine latency: event produced -> its alert produced to the alerts topic (the alert's
//      CreateTime), through a `sigflow run` process with 1,000 rules, at the same rates;
//   3. sustained throughput: a preloaded backlog of events drained by `sigflow run`.
// Both paths use the same broker and the same client settings. Results: docs/benchmarks.md.
//
//   make bench-kafka   (= deploy/kafka/local-broker.sh start && build/release/tests/bench/sigflow_kafka_bench)
#include <librdkafka/rdkafkacpp.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace {

using Clock = std::chrono::system_clock;
namespace fs = std::filesystem;

std::int64_t now_us() { return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count(); }

struct Options {
  std::string brokers = "127.0.0.1:19092";
  std::string sigflow = "build/release/engine/sigflow";
  int rules = 1000;
  int backlog = 200000;
  int seconds = 10;  // per latency run
};

const std::map<std::string, std::string> kClientSettings = {
    {"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "1"}, {"compression.type", "lz4"}};

std::unique_ptr<RdKafka::Conf> conf(const Options& o, std::map<std::string, std::string> extra) {
  std::unique_ptr<RdKafka::Conf> c(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  extra["bootstrap.servers"] = o.brokers;
  for (const auto& [k, v] : extra) {
    if (c->set(k, v, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(k + ": " + err);
  }
  return c;
}

std::unique_ptr<RdKafka::Producer> producer(const Options& o) {
  std::string err;
  auto c = conf(o, kClientSettings);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(c.get(), err));
  if (!p) throw std::runtime_error(err);
  return p;
}

std::unique_ptr<RdKafka::KafkaConsumer> consumer(const Options& o, const std::string& group, const std::string& topic) {
  std::string err;
  auto c = conf(o, {{"group.id", group}, {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"},
                    {"partition.assignment.strategy", "cooperative-sticky"}});
  std::unique_ptr<RdKafka::KafkaConsumer> k(RdKafka::KafkaConsumer::create(c.get(), err));
  if (!k) throw std::runtime_error(err);
  k->subscribe({topic});
  return k;
}

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

// Rule i: any(company_i) and any(verbs); every event names one company and a verb, so each
// event yields exactly one alert.
void write_rules(const fs::path& dir, int n) {
  std::ofstream out(dir / "generated.yaml");
  out << "schema_version: 1\nlists:\n  verbs: [上线, launches, 降价]\n";
  for (int i = 0; i < n; ++i) out << fmt::format("  company_{}: [星{}科技, Kalo{} AI, ZX-{}]\n", i, i, i, i);
  out << "rules:\n";
  for (int i = 0; i < n; ++i) {
    out << fmt::format("  - id: rule_{}\n    signal: generated\n    condition: any(company_{}) and any(verbs)\n", i, i);
  }
}

// One event in 20 names a rule's company with a verb and alerts (about the share of news that
// matters); the rest is filler the rules must still scan. Latency is sampled on the alerting ones.
constexpr int kAlertEvery = 20;
bool alerts(int i) { return i % kAlertEvery == 0; }

std::string event_json(int i, int rules, std::int64_t sent_us, bool force_alert = false) {
  static const std::string filler = [] {
    std::string f;
    while (f.size() < 2000) f += "今日市场整体平稳，多家科技公司发布季度财报。The company said revenue grew in the quarter. ";
    return f;
  }();
  return fmt::format(
      R"({{"specversion":"1.0","id":"e{}-{}","source":"bench","type":"sigflow.feed.item","time":"2025-02-04T02:30:00Z",)"
      R"("data":{{"title":"{}","content":"{}","url":"https://bench.example/{}","guid":"{}"}}}})",
      i, sent_us, alerts(i) || force_alert ? fmt::format("Kalo{} AI launches a model", i % rules) : std::string("Quarterly results in brief"),
      filler, i, i);
}

struct Percentiles {
  double p50 = 0, p99 = 0;
  std::size_t n = 0;
};

// Samples are (send time in µs, latency in ms); the first second is warm-up (connections,
// group join, metadata) and left out.
Percentiles percentiles(const std::vector<std::pair<std::int64_t, double>>& samples) {
  if (samples.empty()) return {};
  std::int64_t first = samples.front().first;
  for (const auto& s : samples) first = std::min(first, s.first);
  std::vector<double> v;
  for (const auto& [sent, ms] : samples) {
    if (sent - first >= 1000000) v.push_back(ms);
  }
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)], v.size()};
}

// Produces `rate` messages/s for `seconds` with `make(i, sent_us)` payloads.
template <typename F>
void produce_at_rate(RdKafka::Producer& p, const std::string& topic, int rate, int seconds, F make) {
  const auto start = std::chrono::steady_clock::now();
  const int total = rate * seconds;
  for (int i = 0; i < total; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<std::int64_t>(i) * 1000000 / rate));
    const std::string value = make(i, now_us());
    while (p.produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()), value.size(),
                     nullptr, 0, 0, nullptr, nullptr) == RdKafka::ERR__QUEUE_FULL) {
      p.poll(1);
    }
    p.poll(0);
  }
  p.flush(30000);
}

// Floor: produce with the send time in the payload; the consumer measures arrival - send.
Percentiles floor_run(const Options& o, const std::string& topic, int rate) {
  auto c = consumer(o, topic + "-g", topic);
  std::vector<std::pair<std::int64_t, double>> lat;
  std::atomic<bool> done{false};
  const int total = rate * o.seconds;
  std::thread reader([&] {
    while (!done && static_cast<int>(lat.size()) < total) {
      std::unique_ptr<RdKafka::Message> m(c->consume(100));
      if (m->err() != RdKafka::ERR_NO_ERROR) continue;
      const std::string v(static_cast<const char*>(m->payload()), m->len());
      const std::int64_t sent = std::stoll(v.substr(0, v.find(' ')));
      lat.emplace_back(sent, static_cast<double>(now_us() - sent) / 1000.0);
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(3));  // group join
  auto p = producer(o);
  const std::string pad(2400, 'x');
  produce_at_rate(*p, topic, rate, o.seconds, [&](int, std::int64_t sent) { return fmt::format("{} {}", sent, pad); });
  for (int i = 0; i < 100 && static_cast<int>(lat.size()) < total; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  done = true;
  reader.join();
  c->close();
  return percentiles(lat);
}

pid_t start_sigflow(const Options& o, const fs::path& config) {
  pid_t pid = 0;
  const std::string log = (config.parent_path() / "sigflow.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = {o.sigflow, "run", "--config", config.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (posix_spawn(&pid, o.sigflow.c_str(), &actions, nullptr, argv.data(), environ) != 0) throw std::runtime_error("cannot start sigflow");
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

void stop_sigflow(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

fs::path engine_config(const Options& o, const fs::path& dir, const std::string& prefix) {
  const fs::path config = dir / (prefix + ".yaml");
  std::ofstream(config) << fmt::format(
      "rules: [{}]\nsinks:\n  - {{type: file, path: {}}}\nadmin: {{enabled: false}}\nkafka:\n  bootstrap.servers: {}\n"
      "  group.id: {}-engine\n  linger.ms: 1\n  partitions: 2\n  topics: {{events: {}.events, alerts: {}.alerts, dlq: {}.dlq}}\n",
      (dir / "rules").string(), (dir / (prefix + ".alerts.jsonl")).string(), o.brokers, prefix, prefix, prefix, prefix);
  run(fmt::format("{} kafka init --config {} > /dev/null", o.sigflow, config.string()));
  return config;
}

// Engine latency: event send time (in its id) -> its alert produced (the alert's CreateTime,
// set when sigflow hands it to its producer): the floor's hop plus what the engine adds.
Percentiles engine_latency(const Options& o, const fs::path& dir, int rate) {
  const std::string prefix = fmt::format("bench-lat-{}-{}", rate, getpid());
  const fs::path config = engine_config(o, dir, prefix);
  const pid_t engine = start_sigflow(o, config);
  std::this_thread::sleep_for(std::chrono::seconds(5));  // compile rules, join the group
  auto c = consumer(o, prefix + "-reader", prefix + ".alerts");
  std::vector<std::pair<std::int64_t, double>> lat;
  std::atomic<bool> done{false};
  const int total = rate * o.seconds / kAlertEvery;
  std::thread reader([&] {
    while (!done && static_cast<int>(lat.size()) < total) {
      std::unique_ptr<RdKafka::Message> m(c->consume(100));
      if (m->err() != RdKafka::ERR_NO_ERROR) continue;
      const RdKafka::Headers* h = m->headers();
      if (h == nullptr) continue;
      const auto ids = h->get("sigflow.event.id");
      if (ids.empty()) continue;
      const std::string id(static_cast<const char*>(ids[0].value()), ids[0].value_size());
      const std::int64_t sent = std::stoll(id.substr(id.find('-') + 1));
      lat.emplace_back(sent, static_cast<double>(m->timestamp().timestamp * 1000 - sent) / 1000.0);
    }
  });
  auto p = producer(o);
  produce_at_rate(*p, prefix + ".events", rate, o.seconds, [&](int i, std::int64_t sent) { return event_json(i, o.rules, sent); });
  for (int i = 0; i < 200 && static_cast<int>(lat.size()) < total; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  done = true;
  reader.join();
  c->close();
  stop_sigflow(engine);
  return percentiles(lat);
}

// Throughput: a preloaded backlog; time from the engine's first assignment to the last alert.
double engine_throughput(const Options& o, const fs::path& dir) {
  const std::string prefix = fmt::format("bench-tput-{}", getpid());
  const fs::path config = engine_config(o, dir, prefix);
  {
    auto p = producer(o);
    for (int i = 0; i < o.backlog; ++i) {
      const std::string v = event_json(i, o.rules, now_us(), /*force_alert=*/i == o.backlog - 1);
      while (p->produce(prefix + ".events", RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(v.data()),
                        v.size(), nullptr, 0, 0, nullptr, nullptr) == RdKafka::ERR__QUEUE_FULL) {
        p->poll(10);
      }
    }
    p->flush(60000);
  }
  auto c = consumer(o, prefix + "-reader", prefix + ".alerts");
  const pid_t engine = start_sigflow(o, config);
  const int expected = (o.backlog - 1) / kAlertEvery + 1 + (alerts(o.backlog - 1) ? 0 : 1);
  std::int64_t first = 0, last = 0;
  int seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (seen < expected && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(100));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    const std::int64_t t = m->timestamp().timestamp;  // when sigflow produced the alert
    if (seen++ == 0 || t < first) first = t;
    last = std::max(last, t);
  }
  c->close();
  stop_sigflow(engine);
  if (seen < expected) throw std::runtime_error(fmt::format("only {} of {} alerts within 5 minutes", seen, expected));
  // The first alert comes from the backlog's first events and the last from its last event:
  // the span between them is the time to drain the backlog.
  return static_cast<double>(o.backlog) / (static_cast<double>(std::max<std::int64_t>(last - first, 1)) / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--brokers") o.brokers = argv[i + 1];
    else if (k == "--sigflow") o.sigflow = argv[i + 1];
    else if (k == "--backlog") o.backlog = std::stoi(argv[i + 1]);
    else if (k == "--seconds") o.seconds = std::stoi(argv[i + 1]);
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("sigflow-kafka-bench-{}", getpid());
  fs::create_directories(dir / "rules");
  write_rules(dir / "rules", o.rules);
  fmt::print("sigflow Kafka benchmark: {} rules, broker {}, client settings acks=all idempotence lz4 linger.ms=1\n\n", o.rules, o.brokers);
  fmt::print("| rate (events/s) | floor p50 | floor p99 | engine p50 | engine p99 | engine p99 - floor p99 |\n|---:|---:|---:|---:|---:|---:|\n");
  for (int rate : {1000, 10000}) {
    const std::string floor_topic = fmt::format("bench-floor-{}-{}", rate, getpid());
    // The floor topic, created like sigflow's (2 partitions).
    std::ofstream(dir / "floor.yaml") << fmt::format("kafka:\n  bootstrap.servers: {}\n  partitions: 2\n  topics: {{events: {}, alerts: {}-a, dlq: {}-d}}\n",
                                                   o.brokers, floor_topic, floor_topic, floor_topic);
    run(fmt::format("{} kafka init --config {} > /dev/null", o.sigflow, (dir / "floor.yaml").string()));
    const Percentiles f = floor_run(o, floor_topic, rate);
    const Percentiles e = engine_latency(o, dir, rate);
    fmt::print("| {} | {:.2f} ms | {:.2f} ms | {:.2f} ms | {:.2f} ms | {:+.2f} ms |\n", rate, f.p50, f.p99, e.p50, e.p99, e.p99 - f.p99);
    std::fflush(stdout);
  }
  const double tput = engine_throughput(o, dir);
  fmt::print("\nsustained: {} events drained through Kafka -> sigflow run ({} rules) -> alerts topic at {:.0f} events/s\n", o.backlog,
             o.rules, tput);
  fs::remove_all(dir);
  return 0;
}
