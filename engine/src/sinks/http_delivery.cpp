#include "sinks/http_delivery.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/json_reader.hpp"
#include "sigflow/secrets.hpp"

namespace sigflow::sinks {
namespace {

std::string excerpt(std::string_view body) {
  std::string out(body.substr(0, 512));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body.size() > 512 ? out + "…" : out;
}

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
  if (what.empty()) return text;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size())) text.replace(pos, what.size(), with);
  return text;
}

}  // namespace

SettingsTable http_sink_settings(SettingsTable own) {
  SettingsTable table = {
      {"url", SettingType::string, "", "where to POST (http or https); may be a ${env:NAME} or ${file:PATH} secret", true},
      {"timeout", SettingType::duration, "10s", "whole request, after which the attempt fails and is retried"},
      {"connect_timeout", SettingType::duration, "5s", "TCP and TLS connection"},
      {"headers", SettingType::map, "", "extra request headers; values may be ${env:NAME} or ${file:PATH} secrets"},
      {"proxy", SettingType::string, "", "HTTP proxy, e.g. http://proxy:3128; empty: the *_proxy environment"},
      {"tls_verify", SettingType::boolean, "true", "verify the receiver's certificate and host name"},
      {"ca_file", SettingType::string, "", "PEM bundle of CAs to trust instead of the system's"},
  };
  table.insert(table.end(), own.begin(), own.end());
  return table;
}

Status check_http_sink(const Settings& s) {
  const std::string& url = s.get("url");
  if (url.find("${") == std::string::npos && !url.starts_with("http://") && !url.starts_with("https://")) {
    return make_error("config.value", fmt::format("'url' must start with http:// or https://, found '{}'", redacted_url(url)));
  }
  if (const auto& ca = s.get("ca_file"); !ca.empty() && !std::filesystem::exists(ca)) {
    return make_error("config.value", fmt::format("'ca_file' {} does not exist", ca));
  }
  return Ok{};
}

std::string redacted_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "(url)";
  const auto end = url.find_first_of("/?#", scheme + 3);
  std::string_view authority = url.substr(scheme + 3, end == std::string_view::npos ? std::string_view::npos : end - scheme - 3);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);  // user:password@
  return fmt::format("{}://{}", url.substr(0, scheme), authority);
}

DeliveryOutcome post_alerts(HttpClient& http, const Settings& s, const HttpPost& post, std::string* response_body) {
  HttpRequest req;
  auto url = resolve_secrets(s.get("url"));
  if (!url) return secret_failed(url.error());
  if (!url->starts_with("http://") && !url->starts_with("https://")) {
    return {Verdict::retry, "config_url", "the url secret does not hold an http(s) URL", std::nullopt};
  }
  req.url = *url;
  if (!post.path.empty() && !req.url.ends_with(post.path)) {
    if (req.url.ends_with('/')) req.url.pop_back();
    req.url += post.path;
  }
  req.url += post.url_suffix;
  req.method = "POST";
  req.body = post.body;
  req.headers["Content-Type"] = post.content_type;
  for (const auto& [k, v] : s.get_map("headers")) {
    auto value = resolve_secrets(v);
    if (!value) return secret_failed(make_error(value.error().code, fmt::format("header {}: {}", k, value.error().message)));
    req.headers[k] = *value;
  }
  for (const auto& [k, v] : post.headers) req.headers[k] = v;
  req.proxy = s.get("proxy");
  req.timeout = s.get_duration("timeout");
  req.connect_timeout = s.get_duration("connect_timeout");
  req.verify_tls = s.get_bool("tls_verify");
  req.ca_file = s.get("ca_file");
  req.max_bytes = 1u << 20;
  req.max_redirects = 0;  // a POST is not replayed to another address
  req.statuses_as_responses = true;

  auto resp = http.fetch(req);
  if (!resp) {
    const Error& e = resp.error();
    std::string reason = e.code.substr(e.code.find('.') + 1);  // timeout, connect, tls, transfer, ...
    return {Verdict::retry, reason, replace_all(e.message, req.url, redacted_url(req.url)), e.retry_after};
  }
  const long status = resp->status;
  const std::string answer = fmt::format("HTTP {}: {}", status, excerpt(resp->body));
  if (status >= 200 && status < 300) {
    if (response_body) *response_body = std::move(resp->body);
    return {Verdict::delivered, "ok", answer, std::nullopt};
  }
  const bool passing = status == 408 || status == 425 || status == 429 || status >= 500;
  return {passing ? Verdict::retry : Verdict::reject, fmt::format("http_{}", status), answer, resp->retry_after};
}

Result<std::string> HttpSink::secret() const {
  const std::string& ref = spec_.settings.get("secret");
  return ref.empty() ? Result<std::string>(std::string()) : resolve_secrets(ref);
}

DeliveryOutcome judge_json_code(const std::string& body, std::string_view field, std::initializer_list<std::int64_t> retryable, bool absent_ok) {
  auto doc = json::parse(body);
  simdjson::dom::object obj;
  if (!doc || doc->get_object().get(obj) != simdjson::SUCCESS) {
    return {Verdict::reject, "receiver_reply", fmt::format("not a JSON object: {}", excerpt(body)), std::nullopt};
  }
  std::int64_t code = 0;
  simdjson::dom::element value;
  if (obj.at_key(field).get(value) != simdjson::SUCCESS) {
    if (absent_ok) return {Verdict::delivered, "ok", excerpt(body), std::nullopt};
    return {Verdict::reject, "receiver_reply", fmt::format("no '{}' in the reply: {}", field, excerpt(body)), std::nullopt};
  }
  if (value.get_int64().get(code) != simdjson::SUCCESS) {
    return {Verdict::reject, "receiver_reply", fmt::format("'{}' is not a number: {}", field, excerpt(body)), std::nullopt};
  }
  if (code == 0) return {Verdict::delivered, "ok", excerpt(body), std::nullopt};
  for (auto r : retryable) {
    if (code == r) return {Verdict::retry, "receiver_busy", excerpt(body), std::nullopt};
  }
  return {Verdict::reject, "receiver_code", excerpt(body), std::nullopt};
}

}  // namespace sigflow::sinks
