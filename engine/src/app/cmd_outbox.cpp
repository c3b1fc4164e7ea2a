// sigflow outbox list|retry|drop --config FILE: what waits for delivery and what receivers
// refused (dead letters, with their answer), and putting dead letters back in the queue.
// `list` reads a snapshot, also next to a running engine. retry and drop change the outbox
// directly when no engine holds it; otherwise they ask the running engine through its admin
// endpoint (POST /outbox/retry|drop, with admin.token when one is set).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "app/startup.hpp"
#include "delivery/alert_delivery.hpp"
#include "sigflow/alert.hpp"
#include "sigflow/http_client.hpp"
#include "sigflow/http_server.hpp"
#include "sigflow/secrets.hpp"
#include "sigflow/url.hpp"
#include "sigflow/time.hpp"

namespace sigflow::app {
namespace {

struct Options {
  std::string config;
  std::string sink;
  std::uint64_t seq = 0;
  bool all = false;
  std::string admin_url;  // of the running engine; default: from admin.listen
};

// Asks the engine that holds the outbox to requeue or drop dead letters.
int change_through_admin(const AppConfig& config, const Options& o, bool retry) {
  std::string base = o.admin_url;
  if (base.empty()) {
    if (!config.admin.enabled || config.admin.port == 0) {
      fmt::print(stderr, "error: the outbox is in use by a running sigflow whose admin address is not fixed in {}; pass --admin "
                         "http://HOST:PORT, or stop it first\n", o.config);
      return kExitUsage;
    }
    base = http_url_of(config.admin.host, config.admin.port);
  }
  HttpRequest req;
  req.method = "POST";
  req.url = fmt::format("{}/outbox/{}?sink={}&{}", base, retry ? "retry" : "drop", percent_encode(o.sink),
                        o.all ? std::string("all=true") : fmt::format("seq={}", o.seq));
  req.statuses_as_responses = true;
  req.timeout = std::chrono::seconds(30);
  if (!config.admin.token.empty()) {
    auto token = resolve_secrets(config.admin.token);
    if (!token) {
      fmt::print(stderr, "error: admin.token: {}\n", token.error().message);
      return kExitUsage;
    }
    req.headers["Authorization"] = "Bearer " + *token;
  }
  auto resp = make_curl_http_client()->fetch(req);
  if (!resp) {
    fmt::print(stderr, "error: the outbox is in use by a running sigflow, and its admin endpoint did not answer: {}\n", resp.error().message);
    return kExitFailure;
  }
  if (resp->status != 200) {
    fmt::print(stderr, "error: the running sigflow answered HTTP {}: {}", resp->status, resp->body);
    return kExitFailure;
  }
  fmt::print("{} (by the running sigflow at {})\n", resp->body.substr(0, resp->body.find('\n')), base);
  return kExitOk;
}

Result<std::unique_ptr<delivery::OutboxStore>> open_outbox(const AppConfig& config, bool read_only) {
  const std::string dir = delivery::outbox_dir(config);
  if (dir.empty()) {
    return make_error("usage", "this configuration has no state.dir: its outbox lives in memory and ends with the process");
  }
  if (read_only && !std::filesystem::exists(dir)) return delivery::make_memory_outbox();  // nothing was ever queued
  auto store = delivery::open_rocksdb_outbox(dir, read_only);
  return store;
}

std::string time_of(std::int64_t ms) { return format_rfc3339(SysSeconds(std::chrono::seconds(ms / 1000))); }

int list(const AppConfig& config, const Options& o) {
  auto store = open_outbox(config, /*read_only=*/true);
  if (!store) {
    fmt::print(stderr, "error: {}\n", store.error().message);
    return kExitUsage;
  }
  fmt::print("{:<20} {:>8} {:>13}\n", "sink", "waiting", "dead letters");
  std::vector<delivery::DeadLetter> letters;
  for (const auto& s : config.sinks) {
    if (!o.sink.empty() && s.id != o.sink) continue;
    auto pending = (*store)->pending(s.id);
    auto dead = (*store)->dead_letters(s.id);
    if (!pending || !dead) {
      fmt::print(stderr, "error: {}\n", (!pending ? pending.error() : dead.error()).message);
      return kExitFailure;
    }
    fmt::print("{:<20} {:>8} {:>13}\n", s.id, pending->size(), dead->size());
    letters.insert(letters.end(), dead->begin(), dead->end());
  }
  if (letters.empty()) return kExitOk;
  fmt::print("\ndead letters (sigflow outbox retry --sink SINK --seq SEQ puts one back):\n");
  for (const auto& d : letters) {
    auto alert = Alert::from_json(d.record.alert_json);
    fmt::print("seq {} sink {} alert {} rule {} signal {}\n  failed {} after {} attempt{} ({}): {}\n", d.record.seq, d.sink,
               alert ? alert->id : "?", alert ? alert->rule : "?", alert ? alert->signal : "?", time_of(d.failed_ms), d.attempts,
               d.attempts == 1 ? "" : "s", d.reason, d.response);
  }
  return kExitOk;
}

int change(const AppConfig& config, const Options& o, bool retry) {
  if (!o.all && o.seq == 0) {
    fmt::print(stderr, "error: give --seq SEQ (see sigflow outbox list) or --all\n");
    return kExitUsage;
  }
  auto store = open_outbox(config, /*read_only=*/false);
  if (!store && store.error().message.find("another sigflow") != std::string::npos) return change_through_admin(config, o, retry);
  if (!store) {
    fmt::print(stderr, "error: {}\n", store.error().message);
    return kExitUsage;
  }
  const std::optional<std::uint64_t> seq = o.all ? std::nullopt : std::optional<std::uint64_t>(o.seq);
  auto n = retry ? (*store)->requeue(o.sink, seq) : (*store)->drop(o.sink, seq);
  if (!n) {
    fmt::print(stderr, "error: {}\n", n.error().message);
    return kExitFailure;
  }
  fmt::print("{} {} dead letter{} of sink '{}'{}\n", retry ? "requeued" : "dropped", n->size(), n->size() == 1 ? "" : "s", o.sink,
             retry && !n->empty() ? "; the engine delivers them at its next start" : "");
  return n->empty() ? kExitFailure : kExitOk;
}

}  // namespace

Command add_outbox_commands(CLI::App& app) {
  CLI::App* outbox = app.add_subcommand("outbox", "Alerts waiting for delivery and dead letters.");
  outbox->require_subcommand(1);
  auto o = std::make_shared<Options>();
  CLI::App* list_cmd = outbox->add_subcommand("list", "Per sink: alerts waiting, and the dead letters with the receivers' answers.");
  CLI::App* retry_cmd = outbox->add_subcommand("retry", "Put dead letters back in their sink's queue.");
  CLI::App* drop_cmd = outbox->add_subcommand("drop", "Delete dead letters for good.");
  for (CLI::App* c : {list_cmd, retry_cmd, drop_cmd}) {
    c->add_option("-c,--config", o->config, "configuration file (YAML)")->envname("SIGFLOW_CONFIG")->required();
  }
  list_cmd->add_option("--sink", o->sink, "only this sink");
  for (CLI::App* c : {retry_cmd, drop_cmd}) {
    c->add_option("--admin", o->admin_url, "admin URL of the running engine, e.g. http://127.0.0.1:9464 (default: admin.listen)");
    c->add_option("--sink", o->sink, "the sink whose dead letters to change")->required();
    c->add_option("--seq", o->seq, "one dead letter, by the seq that list shows");
    c->add_flag("--all", o->all, "every dead letter of the sink");
  }
  return [list_cmd, retry_cmd, drop_cmd, o]() -> std::optional<int> {
    if (!list_cmd->parsed() && !retry_cmd->parsed() && !drop_cmd->parsed()) return std::nullopt;
    auto config = load_config(o->config, /*require_rules=*/false);
    if (!config) return kExitUsage;
    if (!o->sink.empty() && std::none_of(config->sinks.begin(), config->sinks.end(), [&](const SinkSpec& s) { return s.id == o->sink; })) {
      fmt::print(stderr, "error: no sink has the id '{}' in {}\n", o->sink, o->config);
      return kExitUsage;
    }
    if (list_cmd->parsed()) return list(*config, *o);
    return change(*config, *o, retry_cmd->parsed());
  };
}

}  // namespace sigflow::app
