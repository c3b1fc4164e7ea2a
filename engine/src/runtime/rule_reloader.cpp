#include "runtime/rule_reloader.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "runtime/stop_signals.hpp"
#include "sigflow/json_writer.hpp"
#include "sigflow/log.hpp"
#include "sigflow/time.hpp"

namespace sigflow {

namespace asio = boost::asio;
namespace fs = std::filesystem;

rules::CompileOptions rule_compile_options(const AppConfig& config) {
  rules::CompileOptions options;
  for (const auto& [code, rate] : config.currency_rates) options.rates[code] = rate;
  return options;
}

namespace {

// The config file's top-level sections as canonical YAML, without what a reload applies (rule
// paths, currency rates, log level, reload settings): a difference needs a restart.
std::map<std::string, std::string> restart_sections(const std::string& file) {
  std::map<std::string, std::string> sections;
  try {
    const YAML::Node root = YAML::LoadFile(file);
    if (!root.IsMap()) return sections;
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      if (key == "rules" || key == "currency_rates" || key == "reload") continue;
      YAML::Node value = YAML::Clone(kv.second);
      if (key == "log" && value.IsMap()) {
        value.remove("level");
        if (value.size() == 0) continue;  // a log section with only a level is reloadable
      }
      YAML::Emitter out;
      out << value;
      sections[key] = out.c_str();
    }
  } catch (const YAML::Exception&) {
    // read_config() reported it already
  }
  return sections;
}

std::vector<std::string> changed_sections(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& now) {
  std::set<std::string> keys;
  for (const auto& [k, v] : before) keys.insert(k);
  for (const auto& [k, v] : now) keys.insert(k);
  std::vector<std::string> changed;
  for (const auto& k : keys) {
    auto a = before.find(k);
    auto b = now.find(k);
    if (a == before.end() || b == now.end() || a->second != b->second) changed.push_back(k);
  }
  return changed;
}

// A watched directory: which names in it matter.
struct WatchTarget {
  bool any_yaml = false;  // a rule directory: every *.yaml and *.yml
  std::set<std::string> names;
};

std::map<std::string, WatchTarget> watch_targets(const std::string& config_file, const std::vector<std::string>& rule_paths) {
  std::map<std::string, WatchTarget> targets;
  auto add_file = [&](const fs::path& file) {
    const fs::path abs = fs::absolute(file).lexically_normal();
    targets[abs.parent_path().string()].names.insert(abs.filename().string());
  };
  add_file(config_file);
  for (const auto& p : rule_paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) targets[fs::absolute(p).lexically_normal().string()].any_yaml = true;
    else add_file(p);
  }
  return targets;
}

bool relevant(const WatchTarget& target, std::string_view name) {
  if (name.starts_with("..")) return true;  // a Kubernetes ConfigMap volume swaps its ..data link
  if (target.names.contains(std::string(name))) return true;
  return target.any_yaml && (name.ends_with(".yaml") || name.ends_with(".yml"));
}

constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF;

const char* kind_name(ReloadOutcome::Kind k) {
  switch (k) {
    case ReloadOutcome::Kind::reloaded: return "reloaded";
    case ReloadOutcome::Kind::unchanged: return "unchanged";
    case ReloadOutcome::Kind::failed: return "failed";
  }
  return "?";
}

}  // namespace

struct RuleReloader::Impl {
  Impl(const AppConfig& config, ConfigReader read_config, LiveRules& live, Metrics& metrics, bool keep_log_level)
      : config(config), read_config(std::move(read_config)), live(live), metrics(metrics), keep_log_level(keep_log_level),
        baseline(restart_sections(config.file)), log(logger("reload")) {}

  // Touched under reload_mutex.
  std::mutex reload_mutex;
  AppConfig config;
  ConfigReader read_config;
  LiveRules& live;
  Metrics& metrics;
  const bool keep_log_level;
  const std::map<std::string, std::string> baseline;
  std::shared_ptr<spdlog::logger> log;

  // What GET /rules reports about the last reload; guarded by report_mutex.
  std::mutex report_mutex;
  std::string loaded_at = now_rfc3339();
  std::string last_at, last_trigger;
  ReloadOutcome last;

  // The watcher: touched on its thread only.
  asio::io_context io;
  asio::signal_set hangups{io};
  std::optional<asio::posix::stream_descriptor> inotify;
  asio::steady_timer debounce{io};
  std::map<int, std::string> watched;  // watch descriptor -> directory
  std::map<std::string, WatchTarget> targets;
  alignas(inotify_event) std::array<char, 16 * 1024> buffer{};
  std::thread thread;

  ReloadOutcome reload(const std::string& trigger) {
    std::lock_guard lock(reload_mutex);
    const auto t0 = std::chrono::steady_clock::now();
    ReloadOutcome out;
    std::vector<Diagnostic> problems;
    auto compiled = attempt(out, problems);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const Diagnostic& d : problems) {
      if (d.level == Diagnostic::Level::error) out.errors.push_back(format_diagnostic(d, false));
    }
    if (!out.errors.empty()) out.kind = ReloadOutcome::Kind::failed;
    const auto running = live.current();
    if (out.kind == ReloadOutcome::Kind::reloaded) {
      live.swap(compiled);
      metrics.rule_set(static_cast<double>(compiled->rules().size()), compiled->hash());
      std::lock_guard report(report_mutex);
      loaded_at = now_rfc3339();
    }
    const auto& now = out.kind == ReloadOutcome::Kind::reloaded ? compiled : running;
    out.hash = now->hash();
    out.rules = now->rules().size();
    metrics.rules_reloaded(out.kind != ReloadOutcome::Kind::failed, out.seconds);
    report(trigger, out, problems);
    {
      std::lock_guard report(report_mutex);
      last = out;
      last_at = now_rfc3339();
      last_trigger = trigger;
    }
    asio::post(io, [this] { sync_watches(); });  // rule paths may have changed
    return out;
  }

  // Reads the config and the rule files; compiles them when they changed. Fills `problems`
  // with what went wrong; the compiled set when there is a new one.
  std::shared_ptr<const rules::CompiledRuleSet> attempt(ReloadOutcome& out, std::vector<Diagnostic>& problems) {
    auto loaded = read_config();
    problems = loaded.diagnostics;
    if (!loaded.value) return nullptr;
    const AppConfig& next = *loaded.value;
    out.restart_required = changed_sections(baseline, restart_sections(config.file));
    metrics.config_restart_required(!out.restart_required.empty());
    if (!keep_log_level && next.log_level != config.log_level && !set_log_level(next.log_level)) {
      problems.push_back(error_at({config.file, 0, 0}, "config.value", fmt::format("unknown log level '{}'", next.log_level)));
      return nullptr;
    }
    const auto options = rule_compile_options(next);
    auto sources = rules::load_rule_files(next.rule_paths);
    problems.insert(problems.end(), sources.diagnostics.begin(), sources.diagnostics.end());
    if (!sources.value) return nullptr;
    config.rule_paths = next.rule_paths;
    config.currency_rates = next.currency_rates;
    config.log_level = next.log_level;
    config.reload = next.reload;
    if (rules::rule_set_hash(*sources.value, options) == live.current()->hash()) return nullptr;
    auto compiled = rules::compile_rules(*sources.value, options);
    problems.insert(problems.end(), compiled.diagnostics.begin(), compiled.diagnostics.end());
    if (!compiled.value) return nullptr;
    out.kind = ReloadOutcome::Kind::reloaded;
    return *compiled.value;
  }

  void report(const std::string& trigger, const ReloadOutcome& out, const std::vector<Diagnostic>& problems) {
    if (!out.restart_required.empty()) {
      log->warn("config changes to {} need a restart; they are not applied until then", fmt::join(out.restart_required, ", "));
    }
    switch (out.kind) {
      case ReloadOutcome::Kind::reloaded:
        for (const Diagnostic& d : problems) log->warn("{}", format_diagnostic(d, false));
        log->info("rules reloaded ({}): {} rules, hash {}, in {:.3f}s", trigger, out.rules, out.hash, out.seconds);
        break;
      case ReloadOutcome::Kind::unchanged:
        log->info("rules unchanged ({}): hash {}", trigger, out.hash);
        break;
      case ReloadOutcome::Kind::failed:
        log->error("rule reload ({}) failed; the running rules (hash {}) stay in use", trigger, out.hash);
        for (const std::string& e : out.errors) log->error("{}", e);
        break;
    }
  }

  // Watches the directories of the config file and the rule paths (directories, not files:
  // editors and ConfigMaps replace files by renaming).
  void sync_watches() {
    if (!inotify) return;
    {
      std::lock_guard lock(reload_mutex);
      targets = config.reload.watch ? watch_targets(config.file, config.rule_paths) : std::map<std::string, WatchTarget>{};
    }
    for (auto it = watched.begin(); it != watched.end();) {
      if (targets.contains(it->second)) {
        ++it;
        continue;
      }
      inotify_rm_watch(inotify->native_handle(), it->first);
      it = watched.erase(it);
    }
    for (const auto& target : targets) {
      const std::string& dir = target.first;
      if (std::any_of(watched.begin(), watched.end(), [&dir](const auto& w) { return w.second == dir; })) continue;
      const int wd = inotify_add_watch(inotify->native_handle(), dir.c_str(), kWatchMask);
      if (wd < 0) {
        log->warn("cannot watch {} for changes ({}); reload with SIGHUP or POST /-/reload", dir, std::strerror(errno));
        continue;
      }
      watched[wd] = dir;
    }
  }

  void read_changes() {
    inotify->async_read_some(asio::buffer(buffer), [this](const boost::system::error_code& ec, std::size_t n) {
      if (ec) {
        if (ec != asio::error::operation_aborted) log->warn("file watching stopped: {}; reload with SIGHUP or POST /-/reload", ec.message());
        return;
      }
      bool changed = false;
      for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buffer.data() + at);
        at += sizeof(inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
          changed = true;
          continue;
        }
        auto dir = watched.find(ev->wd);
        if (dir == watched.end()) continue;
        if (ev->mask & IN_IGNORED) {  // the directory went away; sync_watches adds it back if it returns
          watched.erase(dir);
          changed = true;
          continue;
        }
        auto target = targets.find(dir->second);
        const std::string_view name = ev->len > 0 ? std::string_view(ev->name) : std::string_view();
        if (target != targets.end() && relevant(target->second, name)) changed = true;
      }
      if (changed) {
        debounce.expires_after(config_debounce());
        debounce.async_wait([this](const boost::system::error_code& e) {
          if (!e) reload("file change");
        });
      }
      read_changes();
    });
  }

  std::chrono::milliseconds config_debounce() {
    std::lock_guard lock(reload_mutex);
    return config.reload.debounce;
  }

  void wait_for_hangup() {
    hangups.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      reload("SIGHUP");
      wait_for_hangup();
    });
  }
};

RuleReloader::RuleReloader(const AppConfig& config, ConfigReader read_config, LiveRules& live, Metrics& metrics, bool keep_log_level)
    : impl_(std::make_unique<Impl>(config, std::move(read_config), live, metrics, keep_log_level)) {
  const auto set = live.current();
  metrics.rule_set(static_cast<double>(set->rules().size()), set->hash());
  metrics.rules_started();
  metrics.config_restart_required(false);
}

RuleReloader::~RuleReloader() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
  std::signal(SIGHUP, SIG_IGN);  // asio restored the default action (exit) with the signal set
}

void RuleReloader::start() {
  Impl& m = *impl_;
  m.hangups.add(SIGHUP);
  m.wait_for_hangup();
  if (m.config.reload.watch) {
    const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      m.log->warn("cannot watch files for changes ({}); reload with SIGHUP or POST /-/reload", std::strerror(errno));
    } else {
      m.inotify.emplace(m.io, fd);
      m.sync_watches();
      m.read_changes();
      m.log->info("watching {} director{} for rule and config changes (debounce {}ms)", m.watched.size(),
                  m.watched.size() == 1 ? "y" : "ies", m.config.reload.debounce.count());
    }
  }
  if (take_early_hangup()) asio::post(m.io, [&m] { m.reload("SIGHUP during start-up"); });
  m.thread = std::thread([&m] { m.io.run(); });
}

ReloadOutcome RuleReloader::reload(const std::string& trigger) { return impl_->reload(trigger); }

std::vector<AdminRoute> RuleReloader::admin_routes() {
  Impl& m = *impl_;
  AdminRoute reload{"/-/reload", [&m](const HttpServerRequest& req) -> HttpServerReply {
    if (req.method != "POST") return json_error_reply(405, "use POST /-/reload");
    const ReloadOutcome out = m.reload("POST /-/reload");
    json::Writer w;
    w.begin_object().field("result", kind_name(out.kind)).field("hash", out.hash).key("rules").value(static_cast<double>(out.rules));
    w.key("seconds").value(out.seconds).string_array("errors", out.errors).string_array("restart_required", out.restart_required);
    w.end_object();
    return json_reply(out.kind == ReloadOutcome::Kind::failed ? 422 : 200, w.take());
  }};
  AdminRoute listing{"/rules", [&m](const HttpServerRequest& req) -> HttpServerReply {
    if (req.method != "GET") return json_error_reply(405, "use GET /rules");
    const auto set = m.live.current();
    const auto hits = m.live.hits();
    json::Writer w;
    w.begin_object().field("hash", set->hash()).string_array("files", set->files());
    {
      std::lock_guard lock(m.report_mutex);
      w.field("loaded_at", m.loaded_at);
      if (!m.last_at.empty()) {
        w.key("last_reload").begin_object().field("at", m.last_at).field("trigger", m.last_trigger).field("result", kind_name(m.last.kind));
        w.string_array("errors", m.last.errors).string_array("restart_required", m.last.restart_required).end_object();
      }
    }
    w.key("rules").begin_array();
    for (const auto& rule : set->rules()) {
      auto h = hits.find(rule.id);
      w.begin_object().field("id", rule.id).field("signal", rule.signal).field("severity", to_string(rule.severity));
      w.key("enabled").value(rule.enabled).field("description", rule.description, true);
      w.key("hits").value(h == hits.end() ? 0.0 : static_cast<double>(h->second.count));
      w.field("last_hit", h == hits.end() ? std::string() : h->second.last, true).end_object();
    }
    w.end_array().end_object();
    return json_reply(200, w.take());
  }};
  return {std::move(reload), std::move(listing)};
}

}  // namespace sigflow
