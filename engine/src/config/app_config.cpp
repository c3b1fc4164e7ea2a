#include "config/app_config.hpp"

#include <charconv>
#include <filesystem>
#include <set>
#include <span>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/yaml_reader.hpp"
#include "sigflow/http_server.hpp"
#include "sigflow/url.hpp"
#include "sigflow/text.hpp"

extern char** environ;

namespace sigflow {
namespace {

constexpr std::string_view kSourceCommonKeys[] = {"id", "type", "url", "interval"};
constexpr std::string_view kSinkCommonKeys[] = {"id", "type"};

// "NEWS-cn.1" -> "NEWS_CN_1": how an id appears in an environment variable name.
std::string env_token(std::string_view id) {
  std::string out;
  for (char c : id) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : '_');
  return out;
}


bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool parse_listen(const std::string& text, AdminConfig& admin) { return parse_listen_address(text, admin.host, admin.port); }

const SettingSpec* find_spec(const SettingsTable& table, const std::string& key) {
  for (const auto& s : table) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

class ConfigLoader {
 public:
  ConfigLoader(const std::string& file, const SourceRegistry& sources, const SinkRegistry& sinks,
               const Environment& env, bool require_rules)
      : y_(file), registry_(sources), sink_factories_(sinks), env_(env), require_rules_(require_rules) {
    base_dir_ = std::filesystem::absolute(file).parent_path().string();
  }

  LoadResult<AppConfig> run() {
    LoadResult<AppConfig> result;
    config_.file = y_.file();
    if (auto root = y_.load_file()) {
      if (root->IsNull()) {
        y_.error(*root, "config.empty", "configuration file is empty");
      } else if (y_.expect_map(*root, "the configuration")) {
        y_.reject_unknown_keys(*root, {"sources", "rules", "sinks", "routes", "delivery", "admin", "bus", "log", "state", "currency_rates", "kafka", "reload"}, "the configuration");
        load_sources((*root)["sources"]);
        load_rules((*root)["rules"]);
        load_sinks((*root)["sinks"]);
        load_admin((*root)["admin"]);
        load_bus((*root)["bus"]);
        load_log((*root)["log"]);
        load_state((*root)["state"]);
        load_rates((*root)["currency_rates"]);
        load_kafka((*root)["kafka"]);
        load_delivery((*root)["delivery"]);
        load_reload((*root)["reload"]);
        add_default_sink();
        load_routes((*root)["routes"]);
      }
    }
    add_default_sink();
    if (!has_errors(y_.diagnostics())) apply_env();
    if (!has_errors(y_.diagnostics())) check_sinks();
    if (require_rules_ && !has_errors(y_.diagnostics()) && config_.rule_paths.empty()) {
      y_.diagnostics().push_back(error_at({y_.file(), 0, 0}, "config.no_rules",
                                          "no rules configured: add a 'rules:' list of rule files or directories, or set SIGFLOW_RULES"));
    }
    result.diagnostics = std::move(y_.diagnostics());
    if (!has_errors(result.diagnostics)) result.value = std::move(config_);
    return result;
  }

 private:
  std::string resolve_path(const std::string& p) const {
    std::filesystem::path path(p);
    if (path.is_relative()) path = std::filesystem::path(base_dir_) / path;
    return path.lexically_normal().string();
  }

  // Checks the type-specific keys of a source or sink against its table.
  Settings typed_settings(const YAML::Node& node, const SettingsTable& table, std::span<const std::string_view> common,
                          const std::string& what) {
    std::map<std::string, std::string> values;
    std::map<std::string, std::map<std::string, std::string>> maps;
    std::map<std::string, std::vector<std::string>> lists;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (std::find(common.begin(), common.end(), key) != common.end()) continue;
      const SettingSpec* spec = find_spec(table, key);
      if (spec == nullptr) {
        std::vector<std::string> known(common.begin(), common.end());
        for (const auto& s : table) known.push_back(s.key);
        y_.error(kv.first, "config.unknown_key", fmt::format("unknown key '{}' in {} (known keys: {})", key, what, fmt::join(known, ", ")));
        continue;
      }
      if (spec->type == SettingType::map) {
        if (kv.second.IsMap()) maps[key] = y_.string_map(node, key, what);
        else y_.error(kv.second, "config.type", fmt::format("'{}' in {} must be a mapping, found {}", key, what, yaml_type_name(kv.second)));
        continue;
      }
      if (spec->type == SettingType::list) {
        lists[key] = y_.string_list(kv.second, fmt::format("'{}' in {}", key, what));
        continue;
      }
      if (!kv.second.IsScalar()) {
        y_.error(kv.second, "config.type", fmt::format("'{}' in {} must be a {}, found {}", key, what, to_string(spec->type), yaml_type_name(kv.second)));
        continue;
      }
      if (auto ok = check_setting_value(*spec, kv.second.Scalar()); !ok) {
        y_.error(kv.second, "config.type", fmt::format("'{}' in {}: {}", key, what, ok.error().message));
        continue;
      }
      values[key] = kv.second.Scalar();
    }
    for (const auto& spec : table) {
      if (spec.required && !values.contains(spec.key) && !maps.contains(spec.key) && !lists.contains(spec.key)) {
        y_.error(node, "config.missing_key", fmt::format("{} is missing required key '{}' ({})", what, spec.key, spec.help));
      }
    }
    if (auto it = values.find("path"); it != values.end()) it->second = resolve_path(it->second);
    Settings settings(table, std::move(values));
    for (auto& [k, v] : maps) settings.set_map(k, std::move(v));
    for (auto& [k, v] : lists) settings.set_list(k, std::move(v));
    return settings;
  }

  void load_sources(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_sequence(node, "'sources'")) return;
    std::set<std::string> ids;
    std::map<std::string, std::string> tokens;
    for (const auto& src : node) {
      if (!y_.expect_map(src, "a source")) continue;
      SourceSpec spec;
      spec.id = y_.scalar(src, "id", "a source", true).value_or("");
      const std::string what = spec.id.empty() ? "a source" : fmt::format("source '{}'", spec.id);
      if (!spec.id.empty() && !valid_id(spec.id)) {
        y_.error(src["id"], "config.id", fmt::format("{}: id may contain only letters, digits, '-', '_' and '.'", what));
      }
      if (!spec.id.empty() && !ids.insert(spec.id).second) {
        y_.error(src["id"], "config.duplicate_id", fmt::format("duplicate source id '{}'", spec.id));
      } else if (!spec.id.empty()) {
        check_env_tokens(src["id"], tokens, spec.id, "source");
      }
      spec.type = y_.scalar(src, "type", what, true).value_or("");
      const SourceFactory* factory = spec.type.empty() ? nullptr : registry_.find(spec.type);
      if (!spec.type.empty() && factory == nullptr) {
        y_.error(src["type"], "config.unknown_type",
                 fmt::format("{}: unknown source type '{}' (known types: {})", what, spec.type, fmt::join(registry_.types(), ", ")));
      }
      if (auto url = y_.scalar(src, "url", what, true)) {
        spec.url = url->find("://") == std::string::npos ? file_url_for_path(*url, base_dir_) : *url;
      }
      if (auto interval = y_.scalar(src, "interval", what)) {
        auto d = parse_duration(*interval);
        if (!d) y_.error(src["interval"], "config.type", fmt::format("'interval' in {}: {}", what, d.error().message));
        else if (d->count() < 1000) y_.error(src["interval"], "config.range", fmt::format("'interval' in {} must be at least 1s", what));
        else spec.interval = *d;
      }
      if (factory != nullptr) {
        spec.settings = typed_settings(src, factory->settings, kSourceCommonKeys, what);
      }
      config_.sources.push_back(std::move(spec));
    }
  }

  void load_rules(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    for (const auto& p : y_.string_list(node, "'rules'")) config_.rule_paths.push_back(resolve_path(p));
  }

  void load_sinks(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_sequence(node, "'sinks'")) return;
    std::set<std::string> ids;
    std::map<std::string, std::string> tokens;
    for (const auto& s : node) {
      if (!y_.expect_map(s, "a sink")) continue;
      SinkSpec spec;
      spec.type = y_.scalar(s, "type", "a sink", true).value_or("");
      spec.id = y_.scalar(s, "id", "a sink").value_or(spec.type);
      const std::string what = fmt::format("sink '{}'", spec.id);
      if (!spec.id.empty() && !valid_id(spec.id)) {
        y_.error(s["id"] ? s["id"] : s, "config.id", fmt::format("{}: id may contain only letters, digits, '-', '_' and '.'", what));
      }
      if (!spec.id.empty() && !ids.insert(spec.id).second) {
        y_.error(s, "config.duplicate_id", fmt::format("duplicate sink id '{}' (give each sink of one type its own 'id')", spec.id));
      } else if (!spec.id.empty()) {
        check_env_tokens(s, tokens, spec.id, "sink");
      }
      const SinkFactory* factory = sink_factories_.find(spec.type);
      if (!spec.type.empty() && factory == nullptr) {
        y_.error(s["type"], "config.unknown_type",
                 fmt::format("{}: unknown sink type '{}' (known types: {})", what, spec.type, fmt::join(sink_factories_.types(), ", ")));
      }
      if (factory != nullptr) {
        spec.settings = typed_settings(s, factory->settings, kSinkCommonKeys, what);
      }
      config_.sinks.push_back(std::move(spec));
      sink_nodes_.push_back(s);
    }
  }

  // A sink type's own checks (a template that does not render, a bad rate limit), after the
  // environment overrides so that SIGFLOW_SINK_* values are checked too.
  void check_sinks() {
    for (std::size_t i = 0; i < sink_nodes_.size() && i < config_.sinks.size(); ++i) {
      const SinkSpec& spec = config_.sinks[i];
      const SinkFactory* factory = sink_factories_.find(spec.type);
      if (factory == nullptr || !factory->check) continue;
      if (auto ok = factory->check(spec.settings); !ok) {
        y_.error(sink_nodes_[i], ok.error().code, fmt::format("sink '{}': {}", spec.id, ok.error().message));
      }
    }
  }

  // Without a sinks: section, alerts go to stdout.
  void add_default_sink() {
    if (!config_.sinks.empty()) return;
    const SinkFactory* f = sink_factories_.find("stdout");
    config_.sinks.push_back(SinkSpec{"stdout", "stdout", f ? Settings(f->settings, {}) : Settings{}});
  }

  void load_delivery(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'delivery'")) return;
    y_.reject_unknown_keys(node, {"drain_timeout"}, "'delivery'");
    if (auto v = y_.scalar(node, "drain_timeout", "'delivery'")) {
      auto d = parse_duration(*v);
      if (!d) y_.error(node["drain_timeout"], "config.type", fmt::format("'delivery.drain_timeout': {}", d.error().message));
      else config_.drain_timeout = *d;
    }
  }

  void load_reload(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'reload'")) return;
    y_.reject_unknown_keys(node, {"watch", "debounce"}, "'reload'");
    if (auto watch = y_.boolean(node, "watch", "'reload'")) config_.reload.watch = *watch;
    if (auto v = y_.scalar(node, "debounce", "'reload'")) {
      auto d = parse_duration(*v);
      if (!d || *d > std::chrono::minutes(1)) {
        y_.error(node["debounce"], "config.type", "'reload.debounce' must be a duration up to 1m, such as 1s");
      } else {
        config_.reload.debounce = *d;
      }
    }
  }

  // routes: a list of {match, sinks, continue}; the last one, without match, is the default.
  void load_routes(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_sequence(node, "'routes'")) return;
    std::set<std::string> sink_ids;
    for (const auto& s : config_.sinks) sink_ids.insert(s.id);
    for (const auto& r : node) {
      if (!y_.expect_map(r, "a route")) continue;
      y_.reject_unknown_keys(r, {"match", "sinks", "continue"}, "a route");
      delivery::Route route;
      route.line = r.Mark().line + 1;
      const std::string what = fmt::format("the route at line {}", route.line);
      if (const YAML::Node m = r["match"]; m && !m.IsNull() && y_.expect_map(m, "'match'")) {
        y_.reject_unknown_keys(m, {"signal", "rule", "severity", "min_severity", "labels"}, "'match' (match on signal, rule, severity, min_severity or labels)");
        auto values = [&](const char* key) {
          std::set<std::string> out;
          if (m[key]) for (auto& v : y_.string_list(m[key], fmt::format("'match.{}'", key))) out.insert(v);
          return out;
        };
        route.signals = values("signal");
        route.rules = values("rule");
        route.severities = values("severity");
        for (const auto& sev : route.severities) {
          if (!parse_severity(sev)) y_.error(m["severity"], "config.value", fmt::format("{}: unknown severity '{}' (use info, warning or critical)", what, sev));
        }
        if (auto min = y_.scalar(m, "min_severity", "'match'")) {
          if (auto sev = parse_severity(*min)) route.min_severity = *sev;
          else y_.error(m["min_severity"], "config.value", fmt::format("{}: unknown severity '{}' (use info, warning or critical)", what, *min));
        }
        if (const YAML::Node labels = m["labels"]; labels && y_.expect_map(labels, "'match.labels'")) {
          for (const auto& kv : labels) {
            for (auto& v : y_.string_list(kv.second, fmt::format("'match.labels.{}'", kv.first.Scalar()))) route.labels[kv.first.Scalar()].insert(v);
          }
        }
        if (route.is_default()) y_.error(m, "config.value", fmt::format("{}: 'match' is empty (leave it out for the default route)", what));
      }
      if (!r["sinks"]) {
        y_.error(r, "config.missing_key", fmt::format("{} is missing 'sinks' (the sink ids its alerts go to)", what));
      } else {
        route.sinks = y_.string_list(r["sinks"], "'sinks' of a route");
        for (const auto& id : route.sinks) {
          if (!sink_ids.contains(id)) {
            y_.error(r["sinks"], "config.unknown_sink", fmt::format("{}: no sink has the id '{}' (sinks: {})", what, id, fmt::join(sink_ids, ", ")));
          }
        }
      }
      if (auto c = y_.boolean(r, "continue", "a route")) route.continue_matching = *c;
      if (!config_.routes.empty() && config_.routes.back().is_default()) {
        y_.error(r, "config.route_order", fmt::format("{} comes after the default route (the one without 'match'), so it never matches: "
                                                      "move the default route to the end", what));
      }
      config_.routes.push_back(std::move(route));
    }
    if (!config_.routes.empty() && !config_.routes.back().is_default()) {
      y_.error(node, "config.no_default_route", "'routes' must end with a default route, one without 'match', so that no alert goes "
                                                "nowhere (for example: - sinks: [stdout])");
    }
  }

  void load_admin(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'admin'")) return;
    y_.reject_unknown_keys(node, {"listen", "enabled", "token"}, "'admin'");
    if (auto token = y_.scalar(node, "token", "'admin'")) config_.admin.token = *token;
    if (auto enabled = y_.boolean(node, "enabled", "'admin'")) config_.admin.enabled = *enabled;
    if (auto listen = y_.scalar(node, "listen", "'admin'")) {
      if (!parse_listen(*listen, config_.admin)) {
        y_.error(node["listen"], "config.listen", fmt::format("'admin.listen' must be an IP address and port such as 127.0.0.1:9464 or [::1]:9464, found '{}'", *listen));
      }
    }
  }

  std::optional<std::size_t> positive(const YAML::Node& map, const std::string& key, const std::string& what) {
    auto v = y_.scalar(map, key, what);
    if (!v) return std::nullopt;
    std::size_t n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size() || n == 0) {
      y_.error(map[key], "config.type", fmt::format("'{}' in {} must be a positive integer, found '{}'", key, what, *v));
      return std::nullopt;
    }
    return n;
  }

  void load_bus(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'bus'")) return;
    y_.reject_unknown_keys(node, {"capacity", "fetch_workers", "fetch_per_host"}, "'bus'");
    if (auto n = positive(node, "capacity", "'bus'")) config_.bus_capacity = *n;
    if (auto n = positive(node, "fetch_workers", "'bus'")) config_.fetch_workers = *n;
    if (auto n = positive(node, "fetch_per_host", "'bus'")) config_.fetch_per_host = *n;
  }

  void load_log(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'log'")) return;
    y_.reject_unknown_keys(node, {"level", "format"}, "'log'");
    if (auto level = y_.scalar(node, "level", "'log'")) config_.log_level = *level;
    if (auto format = y_.scalar(node, "format", "'log'")) {
      if (*format != "text" && *format != "json") y_.error(node["format"], "config.value", fmt::format("'log.format' must be text or json, found '{}'", *format));
      else config_.log_format = *format;
    }
  }

  void load_state(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'state'")) return;
    y_.reject_unknown_keys(node, {"dir", "retention", "memory_items"}, "'state'");
    if (auto dir = y_.scalar(node, "dir", "'state'")) config_.state.dir = resolve_path(*dir);
    if (auto retention = y_.scalar(node, "retention", "'state'")) {
      auto d = parse_duration(*retention);
      if (!d || d->count() < 1000) {
        y_.error(node["retention"], "config.type", "'state.retention' must be a duration of at least 1s, such as 90d");
      } else {
        config_.state.retention = std::chrono::duration_cast<std::chrono::seconds>(*d);
      }
    }
    if (auto n = positive(node, "memory_items", "'state'")) config_.state.memory_items = *n;
  }

  void load_rates(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'currency_rates'")) return;
    for (const auto& kv : node) {
      const std::string code = kv.first.Scalar();
      const bool iso = code.size() == 3 && std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
      if (!iso) {
        y_.error(kv.first, "config.currency", fmt::format("'{}' in 'currency_rates' is not an ISO 4217 code such as CNY", code));
        continue;
      }
      double rate = 0;
      const std::string text = kv.second.IsScalar() ? kv.second.Scalar() : "";
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), rate);
      if (ec != std::errc() || ptr != text.data() + text.size() || !(rate > 0)) {
        y_.error(kv.second, "config.type", fmt::format("'currency_rates.{}' must be a positive number of US dollars per unit", code));
        continue;
      }
      config_.currency_rates[code] = rate;
    }
  }

  // sigflow's own keys, and any librdkafka property (a name with a dot) passed through.
  void load_kafka(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (!y_.expect_map(node, "'kafka'")) return;
    KafkaConfig k;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (key == "topics") {
        if (!y_.expect_map(v, "'kafka.topics'")) continue;
        y_.reject_unknown_keys(v, {"events", "alerts", "dlq"}, "'kafka.topics'");
        k.topics.events = y_.scalar(v, "events", "'kafka.topics'").value_or(k.topics.events);
        k.topics.alerts = y_.scalar(v, "alerts", "'kafka.topics'").value_or(k.topics.alerts);
        k.topics.dlq = y_.scalar(v, "dlq", "'kafka.topics'").value_or(k.topics.dlq);
      } else if (key == "partitions" || key == "replication_factor") {
        if (auto n = positive(node, key, "'kafka'")) (key == "partitions" ? k.partitions : k.replication_factor) = static_cast<int>(*n);
      } else if (key == "retention") {
        auto d = v.IsScalar() ? parse_duration(v.Scalar()) : Result<std::chrono::milliseconds>(make_error("config.type", "not a scalar"));
        if (!d) y_.error(v, "config.type", "'kafka.retention' must be a duration such as 7d");
        else k.retention = *d;
      } else if (key == "max_event_bytes") {
        auto n = v.IsScalar() ? parse_size(v.Scalar()) : Result<std::uint64_t>(make_error("config.type", "not a scalar"));
        if (!n || *n == 0) y_.error(v, "config.type", "'kafka.max_event_bytes' must be a size such as 1MiB");
        else k.max_event_bytes = *n;
      } else if (key == "max_unacknowledged") {
        if (auto n = positive(node, key, "'kafka'")) k.max_unacknowledged = *n;
      } else if (key == "exactly_once") {
        if (auto b = y_.boolean(node, key, "'kafka'")) k.exactly_once = *b;
      } else if (key.find('.') != std::string::npos) {
        if (!v.IsScalar()) y_.error(v, "config.type", fmt::format("'kafka.{}' must be a single value", key));
        else k.properties[key] = v.Scalar();
      } else {
        y_.error(kv.first, "config.unknown_key",
                 fmt::format("unknown key '{}' in 'kafka' (sigflow keys: topics, partitions, replication_factor, retention, "
                             "max_event_bytes, max_unacknowledged, exactly_once; librdkafka properties have a dot, such as bootstrap.servers)", key));
      }
    }
    if (!k.properties.contains("bootstrap.servers")) {
      y_.error(node, "config.missing_key", "'kafka' needs bootstrap.servers (host:port[,host:port...])");
    }
    config_.kafka = std::move(k);
  }

  void env_error(const std::string& var, std::string message) {
    y_.diagnostics().push_back(error_at({fmt::format("environment {}", var), 0, 0}, "config.env", std::move(message)));
  }

  // Overrides with SIGFLOW_* variables (documented in docs/configuration.md).
  std::optional<std::string> env(const std::string& name) const {
    auto it = env_.find(name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  }

  void apply_env() {
    if (auto v = env("SIGFLOW_ADMIN_LISTEN")) {
      if (!parse_listen(*v, config_.admin)) env_error("SIGFLOW_ADMIN_LISTEN", fmt::format("must be an IP address and port such as 127.0.0.1:9464, found '{}'", *v));
      config_.admin.enabled = true;
    }
    if (auto v = env("SIGFLOW_ADMIN_ENABLED")) {
      if (*v != "true" && *v != "false") env_error("SIGFLOW_ADMIN_ENABLED", "must be true or false");
      config_.admin.enabled = *v == "true";
    }
    if (auto v = env("SIGFLOW_LOG_LEVEL")) config_.log_level = *v;
    if (auto v = env("SIGFLOW_LOG_FORMAT")) {
      if (*v != "text" && *v != "json") env_error("SIGFLOW_LOG_FORMAT", "must be text or json");
      else config_.log_format = *v;
    }
    if (auto v = env("SIGFLOW_KAFKA_BROKERS")) {
      if (!config_.kafka) config_.kafka.emplace();
      config_.kafka->properties["bootstrap.servers"] = *v;
    }
    if (auto v = env("SIGFLOW_STATE_DIR")) config_.state.dir = v->empty() ? "" : resolve_path(*v);
    if (auto v = env("SIGFLOW_RULES")) {
      config_.rule_paths.clear();
      std::size_t start = 0;
      while (start <= v->size()) {
        const std::size_t end = std::min(v->find(',', start), v->size());
        if (end > start) config_.rule_paths.push_back(resolve_path(v->substr(start, end - start)));
        start = end + 1;
      }
    }
    static const std::set<std::string> kOtherKnown = {"SIGFLOW_ADMIN_LISTEN", "SIGFLOW_ADMIN_ENABLED", "SIGFLOW_LOG_LEVEL", "SIGFLOW_LOG_FORMAT",
                                                      "SIGFLOW_RULES", "SIGFLOW_CONFIG", "SIGFLOW_STATE_DIR"};
    for (const auto& [name, unused] : env_) {
      if (name.rfind("SIGFLOW_SOURCE_", 0) == 0) apply_component_env(name, name.substr(15), true);
      else if (name.rfind("SIGFLOW_SINK_", 0) == 0) apply_component_env(name, name.substr(13), false);
      else if (!kOtherKnown.contains(name) && name != "SIGFLOW_KAFKA_BROKERS" && name != "SIGFLOW_KAFKA_PORT") {
        y_.diagnostics().push_back(warning_at({fmt::format("environment {}", name), 0, 0}, "config.env_unknown",
                                              "not a sigflow setting; ignored (see docs/configuration.md)"));
      }
    }
  }

  // SIGFLOW_SOURCE_<ID>_<KEY> / SIGFLOW_SINK_<ID>_<KEY>. Ids and keys may both contain
  // underscores, so the longest configured id whose token prefixes the name wins.
  void apply_component_env(const std::string& var, const std::string& rest, bool is_source) {
    const std::string& value = env_.at(var);
    const char* kind = is_source ? "source" : "sink";
    std::size_t best = 0;
    std::size_t best_len = 0;
    const std::size_t count = is_source ? config_.sources.size() : config_.sinks.size();
    for (std::size_t i = 0; i < count; ++i) {
      const std::string token = env_token(is_source ? config_.sources[i].id : config_.sinks[i].id) + "_";
      if (rest.size() > token.size() && rest.rfind(token, 0) == 0 && token.size() > best_len) {
        best = i;
        best_len = token.size();
      }
    }
    if (best_len == 0) {
      env_error(var, fmt::format("names no configured {} (ids are upper-cased, other characters become '_')", kind));
      return;
    }
    const std::string key = ascii_lower(rest.substr(best_len));
    if (is_source && key == "url") {
      auto& src = config_.sources[best];
      src.url = value.find("://") == std::string::npos ? file_url_for_path(value, base_dir_) : value;
      return;
    }
    if (is_source && key == "interval") {
      auto d = parse_duration(value);
      if (!d) env_error(var, d.error().message);
      else if (d->count() < 1000) env_error(var, "the interval must be at least 1s");
      else config_.sources[best].interval = *d;
      return;
    }
    const std::string& id = is_source ? config_.sources[best].id : config_.sinks[best].id;
    const std::string& type = is_source ? config_.sources[best].type : config_.sinks[best].type;
    Settings& settings = is_source ? config_.sources[best].settings : config_.sinks[best].settings;
    const SettingsTable* table = nullptr;
    if (is_source) {
      if (const SourceFactory* f = registry_.find(type)) table = &f->settings;
    } else if (const SinkFactory* f = sink_factories_.find(type)) {
      table = &f->settings;
    }
    const SettingSpec* spec = table == nullptr ? nullptr : find_spec(*table, key);
    if (spec == nullptr) {
      env_error(var, fmt::format("'{}' is not a setting of {} '{}' (type {})", key, kind, id, type));
      return;
    }
    if (spec->type == SettingType::map) {
      env_error(var, fmt::format("'{}' is a mapping; set it in the configuration file (values may reference ${{env:NAME}})", key));
      return;
    }
    if (auto ok = check_setting_value(*spec, value); !ok) {
      env_error(var, ok.error().message);
      return;
    }
    Settings merged = settings;
    if (spec->type == SettingType::list) merged.set_list(key, {value});
    else merged.set(key, key == "path" ? resolve_path(value) : value);
    settings = std::move(merged);
  }

  // Two ids that differ only in characters other than letters and digits would share one
  // environment name; that is an error at the second id.
  void check_env_tokens(const YAML::Node& node, std::map<std::string, std::string>& tokens, const std::string& id,
                        const char* kind) {
    auto [it, inserted] = tokens.emplace(env_token(id), id);
    if (!inserted && it->second != id) {
      y_.error(node, "config.env_name",
               fmt::format("{} ids '{}' and '{}' map to the same environment variable prefix SIGFLOW_{}_{}_; rename one",
                           kind, it->second, id, kind == std::string("source") ? "SOURCE" : "SINK", it->first));
    }
  }

  YamlReader y_;
  const SourceRegistry& registry_;
  const SinkRegistry& sink_factories_;
  std::vector<YAML::Node> sink_nodes_;  // parallel to config_.sinks, for located errors
  const Environment& env_;
  bool require_rules_;
  std::string base_dir_;
  AppConfig config_;
};

}  // namespace

Environment sigflow_environment() {
  Environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (entry.rfind("SIGFLOW_", 0) != 0 || eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

LoadResult<AppConfig> load_app_config(const std::string& file, const SourceRegistry& sources,
                                      const SinkRegistry& sinks, const Environment& env, bool require_rules) {
  return ConfigLoader(file, sources, sinks, env, require_rules).run();
}

}  // namespace sigflow
