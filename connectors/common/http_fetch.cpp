#include "common/http_fetch.hpp"

#include <fmt/format.h>

#include "sigflow/hash.hpp"
#include "sigflow/secrets.hpp"

namespace sigflow::connectors {

SettingsTable http_settings() {
  return {
      {"timeout", SettingType::duration, "30s", "whole-transfer timeout"},
      {"connect_timeout", SettingType::duration, "10s", "TCP/TLS connect timeout"},
      {"max_bytes", SettingType::size, "16MiB", "largest accepted response body; larger is an error"},
      {"max_redirects", SettingType::integer, "5", "redirects followed before giving up"},
      {"proxy", SettingType::string, "", "proxy URL such as http://proxy:3128 (default: the http_proxy/https_proxy environment)"},
      {"headers", SettingType::map, "", "extra request headers; values may use ${env:NAME} or ${file:PATH} and are never logged"},
  };
}

SettingsTable with_http_settings(SettingsTable extra) {
  SettingsTable table = http_settings();
  table.insert(table.end(), std::make_move_iterator(extra.begin()), std::make_move_iterator(extra.end()));
  return table;
}

Status check_http_settings(const SourceSpec& spec) {
  if (spec.settings.get_int("max_redirects") < 0) {
    return make_error("config.range", fmt::format("source '{}': max_redirects must not be negative", spec.id));
  }
  for (const auto& [name, value] : spec.settings.get_map("headers")) {
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos) {
      return make_error("config.header", fmt::format("source '{}': headers: '{}' is not a valid header name", spec.id, name));
    }
  }
  return Ok{};
}

Result<HttpRequest> http_request(const SourceSpec& spec, std::string url) {
  HttpRequest req;
  req.url = std::move(url);
  req.timeout = spec.settings.get_duration("timeout");
  req.connect_timeout = spec.settings.get_duration("connect_timeout");
  req.max_bytes = spec.settings.get_size("max_bytes");
  req.max_redirects = static_cast<int>(spec.settings.get_int("max_redirects"));
  req.proxy = spec.settings.get("proxy");
  for (const auto& [name, value] : spec.settings.get_map("headers")) {
    auto resolved = resolve_secrets(value);
    if (!resolved) return make_error("config.secret", fmt::format("source '{}': header {}: {}", spec.id, name, resolved.error().message));
    if (resolved->find_first_of("\r\n") != std::string::npos) {
      return make_error("config.secret", fmt::format("source '{}': header {}: the value contains a line break", spec.id, name));
    }
    req.headers[name] = std::move(*resolved);
  }
  return req;
}

Result<std::optional<HttpResponse>> fetch_if_changed(HttpClient& http, HttpRequest req, const ItemLedger& ledger,
                                                     std::map<std::string, std::string>& validators) {
  if (auto etag = ledger.value("etag"); etag && !etag->empty()) req.headers["If-None-Match"] = *etag;
  if (auto lm = ledger.value("last_modified"); lm && !lm->empty()) req.headers["If-Modified-Since"] = *lm;
  auto resp = http.fetch(req);
  if (!resp) return resp.error();
  if (resp->status == 304) return std::optional<HttpResponse>();
  const std::string body_hash = stable_hash({resp->body});
  if (ledger.value("body_hash") == body_hash) return std::optional<HttpResponse>();
  validators = {{"etag", resp->etag}, {"last_modified", resp->last_modified}, {"body_hash", body_hash}};
  return std::optional<HttpResponse>(std::move(*resp));
}

}  // namespace sigflow::connectors
