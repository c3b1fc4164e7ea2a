// Rule engine throughput and compile time at 100, 1,000 and 10,000 generated rules, against a
// naive baseline that runs each rule's pattern separately with RE2 (docs/benchmarks.md).
//
//   build/release/tests/bench/sigflow_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <re2/re2.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "rules/rule_set.hpp"

namespace sigflow::rules {
namespace {

constexpr int kEvents = 512;

// A pool of filler text: bilingual market news without rule terms.
const char* kFiller[] = {
    "今日市场整体平稳，多家科技公司发布季度财报，投资者关注人工智能相关板块的表现。",
    "分析师认为，云计算行业的竞争将在未来一年继续加剧，价格与服务质量成为关键因素。",
    "The company said revenue grew in the quarter, driven by demand for data center products and services. ",
    "Regulators in several markets are reviewing how large models are trained and deployed across industries. ",
    "業內人士指出，企業客戶更重視穩定性與合規，服務商需要在安全方面持續投入。",
    "Executives declined to comment on future pricing plans during the earnings call on Tuesday. ",
};

// Rule i watches its own three terms: a made-up company name in Chinese and in English, and a
// product code, drawn from pools so that names are as varied as real ones.
std::vector<std::string> terms_of(int i) {
  static const char* kHan[] = {"星", "链", "智", "源", "澜", "川", "泽", "启", "航", "晨", "曦", "峰", "宇", "辰", "鸿", "图",
                               "腾", "跃", "灵", "犀", "墨", "瞳", "极", "光", "深", "度", "量", "子", "云", "帆", "海", "岳",
                               "青", "禾", "桥", "渡", "衡", "石", "微", "芯", "思", "维", "言", "知", "行", "远", "安", "和"};
  static const char* kSyl[] = {"ka", "lo", "mi", "ra", "ne", "zu", "to", "vi", "sa", "qu", "den", "lor", "mar", "tis", "ven", "xo"};
  std::mt19937 rng(static_cast<unsigned>(i) * 2654435761u);
  std::string han;
  for (int k = 0; k < 3; ++k) han += kHan[rng() % std::size(kHan)];
  std::string latin;
  for (int k = 0; k < 3; ++k) latin += kSyl[rng() % std::size(kSyl)];
  latin[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(latin[0])));
  return {han + (rng() % 3 == 0 ? "科技" : "智能"), latin + " AI", fmt::format("{}{}-{}", static_cast<char>('A' + rng() % 26),
                                                                                  static_cast<char>('A' + rng() % 26), i)};
}

RuleSources make_rules(int n) {
  RuleSources src;
  src.files = {"generated"};
  ListDef verbs{"verbs", {}, {}};
  for (const char* v : {"上线", "融资", "降价", "launches", "raises", "cuts prices"}) verbs.entries.push_back({v, {v}, {}});
  src.lists.push_back(verbs);
  for (int i = 0; i < n; ++i) {
    ListDef list{fmt::format("company_{}", i), {}, {}};
    for (const auto& t : terms_of(i)) list.entries.push_back({t, {t}, {}});
    src.lists.push_back(list);
    RuleDef r;
    r.id = fmt::format("rule_{}", i);
    r.signal = "generated";
    r.condition = fmt::format("any(company_{}) and any(verbs)", i);
    r.extract.push_back({"company", fmt::format("company_{}", i), {}});
    src.rules.push_back(r);
  }
  return src;
}

// ~2 KB events; about 1% mention one rule's company with a verb.
std::vector<Event> make_events(int rules) {
  std::mt19937 rng(42);
  std::vector<Event> events;
  for (int i = 0; i < kEvents; ++i) {
    Event e;
    e.id = std::to_string(i);
    e.source = "bench";
    std::string content;
    while (content.size() < 1900) content += kFiller[rng() % std::size(kFiller)];
    if (i % 100 == 0) {
      const int r = static_cast<int>(rng() % static_cast<unsigned>(rules));
      e.data.title = terms_of(r)[rng() % 3] + " 完成新一轮融资";
    } else {
      e.data.title = "市场观察：云服务需求持续增长";
    }
    e.data.content = content;
    events.push_back(std::move(e));
  }
  return events;
}

void BM_Compile(benchmark::State& state) {
  const auto src = make_rules(static_cast<int>(state.range(0)));
  std::size_t patterns = 0;
  for (auto _ : state) {
    auto r = compile_rules(src);
    if (!r.value) {
      state.SkipWithError("compile failed");
      break;
    }
    patterns = (*r.value)->patterns().size();
    benchmark::DoNotOptimize(r.value);
  }
  state.counters["rules"] = static_cast<double>(state.range(0));
  state.counters["patterns"] = static_cast<double>(patterns);
}

void BM_Evaluate(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  auto compiled = compile_rules(make_rules(n));
  if (!compiled.value) {
    state.SkipWithError("compile failed");
    return;
  }
  const auto& set = **compiled.value;
  const auto events = make_events(n);
  RuleEvaluator evaluator;
  std::size_t i = 0;
  std::size_t alerts = 0;
  for (auto _ : state) {
    auto r = evaluator.evaluate(set, events[i++ % events.size()], "t");
    alerts += r.ok() ? r->size() : 0;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["alerts_per_1k"] = 1000.0 * static_cast<double>(alerts) / static_cast<double>(state.iterations());
}

// The baseline: one RE2 per rule (its terms as an alternation), each run over the event.
void BM_NaiveRe2(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::vector<std::unique_ptr<RE2>> regexes;
  RE2::Options options;
  options.set_case_sensitive(false);
  for (int i = 0; i < n; ++i) {
    const auto t = terms_of(i);
    regexes.push_back(std::make_unique<RE2>(fmt::format("({}|{}|{})", RE2::QuoteMeta(t[0]), RE2::QuoteMeta(t[1]), RE2::QuoteMeta(t[2])), options));
  }
  RE2 verbs("(上线|融资|降价|launches|raises|cuts prices)", options);
  const auto events = make_events(n);
  std::size_t i = 0;
  std::size_t alerts = 0;
  for (auto _ : state) {
    const Event& e = events[i++ % events.size()];
    for (const auto& re : regexes) {
      if ((RE2::PartialMatch(e.data.title, *re) || RE2::PartialMatch(e.data.content, *re)) &&
          (RE2::PartialMatch(e.data.title, verbs) || RE2::PartialMatch(e.data.content, verbs))) {
        ++alerts;
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["alerts_per_1k"] = 1000.0 * static_cast<double>(alerts) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_Compile)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Evaluate)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_NaiveRe2)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sigflow::rules

BENCHMARK_MAIN();
