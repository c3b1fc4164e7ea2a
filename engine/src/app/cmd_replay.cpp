// sigflow replay --rules PATH... INPUT: run rules over an archive of events (JSON lines of
// CloudEvents) or a feed file; print the alerts that would fire and a per-rule hit table.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"
#include "common/feed_parser.hpp"
#include "rules/alert_dedup.hpp"
#include "sigflow/time.hpp"
#include "sigflow/url.hpp"

namespace sigflow::app {
namespace {

struct Options {
  std::vector<std::string> rules;
  std::string input;
  bool explain = false;
  bool no_dedup = false;
};

// A progress bar on stderr, only when stderr is a terminal; redrawn at most every 100 ms.
class Progress {
 public:
  explicit Progress(std::uint64_t total) : total_(total), enabled_(::isatty(STDERR_FILENO) == 1 && total > 0) {}
  void update(std::uint64_t done, std::size_t events, std::size_t alerts) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100) && done < total_) return;
    last_ = now;
    const int width = 30;
    const int filled = static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total_));
    fmt::print(stderr, "\r[{:<{}}] {:3.0f}%  {} events  {} alerts", std::string(static_cast<std::size_t>(filled), '#'), width,
               100.0 * static_cast<double>(done) / static_cast<double>(total_), events, alerts);
  }
  void finish() {
    if (enabled_) fmt::print(stderr, "\n");
  }

 private:
  std::uint64_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};
};

// Dedup in a replay follows the events' own times, so an archive replays as it happened live.
std::chrono::system_clock::time_point event_clock(const Event& e) {
  if (auto t = parse_datetime(e.time)) return *t;
  return std::chrono::system_clock::now();
}

int replay(const Options& opts) {
  std::vector<Diagnostic> diagnostics;
  auto compiled = rules::load_and_compile_rules(opts.rules);
  if (!report(compiled.diagnostics)) return kExitUsage;
  const auto& set = **compiled.value;

  std::ifstream in(opts.input, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "error: cannot read {}\n", opts.input);
    return kExitUsage;
  }
  in.seekg(0, std::ios::end);
  const auto total = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);

  rules::RuleEvaluator evaluator;
  rules::AlertDeduplicator dedup;
  std::map<std::string, std::pair<std::size_t, std::size_t>> hits;  // rule -> (alerts, suppressed)
  for (const auto& r : set.rules()) hits[r.id] = {0, 0};
  std::size_t events = 0;
  std::size_t alerts_out = 0;
  std::size_t bad = 0;
  Progress progress(total);

  auto process = [&](const Event& e) {
    ++events;
    std::vector<std::string> explain;
    auto alerts = evaluator.evaluate(set, e, now_rfc3339(), opts.explain ? &explain : nullptr);
    if (!alerts) {
      fmt::print(stderr, "event {}: {}\n", e.id, alerts.error().message);
      ++bad;
      return;
    }
    if (opts.explain) {
      fmt::print(stderr, "event {} ({}): {}\n", e.id, e.source, e.data.title);
      for (const auto& line : explain) fmt::print(stderr, "  {}\n", line);
    }
    for (const Alert& a : *alerts) {
      if (!opts.no_dedup && !dedup.admit(a, set.dedup_ttl(a.rule), event_clock(e))) {
        ++hits[a.rule].second;
        continue;
      }
      ++hits[a.rule].first;
      ++alerts_out;
      fmt::print("{}\n", a.to_json());
    }
  };

  // A feed file starts with '<'; anything else is read as JSON lines.
  char first = ' ';
  while (in.get(first) && std::isspace(static_cast<unsigned char>(first))) {
  }
  in.seekg(0);
  if (first == '<') {
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string url = file_url_for_path(opts.input, std::filesystem::current_path().string());
    auto feed = feed::parse_feed(body, url);
    if (!feed) {
      fmt::print(stderr, "error: {}: {}\n", opts.input, feed.error().message);
      return kExitFailure;
    }
    for (const Event& e : feed::feed_to_events(*feed, "replay", now_rfc3339())) process(e);
  } else {
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto e = Event::from_json(line);
      if (!e) {
        if (bad < 20) fmt::print(stderr, "{}:{}: error: {}\n", opts.input, line_no, e.error().message);
        ++bad;
        continue;
      }
      process(*e);
      progress.update(static_cast<std::uint64_t>(in.tellg() < 0 ? total : static_cast<std::uint64_t>(in.tellg())), events, alerts_out);
    }
  }
  progress.finish();

  std::size_t width = 4;
  for (const auto& [id, unused] : hits) width = std::max(width, id.size());
  fmt::print(stderr, "{:<{}}  {:>7}  {:>10}\n", "rule", width, "alerts", "suppressed");
  for (const auto& [id, counts] : hits) fmt::print(stderr, "{:<{}}  {:>7}  {:>10}\n", id, width, counts.first, counts.second);
  fmt::print(stderr, "replay: {} events, {} alerts, {} bad input{}\n", events, alerts_out, bad, bad == 1 ? "" : "s");
  return bad == 0 ? kExitOk : kExitFailure;
}

}  // namespace

Command add_replay_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("replay", "Run rules over an archive (JSON lines of events, or a feed file) and print the alerts.");
  auto opts = std::make_shared<Options>();
  cmd->add_option("--rules", opts->rules, "rule files or directories (repeat --rules, or separate with commas)")
      ->required()
      ->allow_extra_args(false)
      ->delimiter(',');
  cmd->add_option("input", opts->input, "JSON lines of CloudEvents, or an RSS/Atom/RDF file")->required();
  cmd->add_flag("--explain", opts->explain, "print, for every event, which terms, conditions and exceptions matched (stderr)");
  cmd->add_flag("--no-dedup", opts->no_dedup, "print every alert, ignoring the rules' dedup keys");
  return [cmd, opts]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    return replay(*opts);
  };
}

}  // namespace sigflow::app
