#pragma once
// HttpClient: how connectors fetch resources (http, https and file URLs). The implementation
// (libcurl) lives in engine/src/net; tests and connectors only see this interface.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sigflow/result.hpp"

namespace sigflow {

struct HttpRequest {
  std::string url;
  std::string method = "GET";  // GET or POST
  std::string body;            // sent with POST
  std::map<std::string, std::string> headers;  // values may be secrets: never logged
  std::string proxy;           // e.g. http://proxy:3128; empty: libcurl's *_proxy environment
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000};  // whole transfer
  std::uint64_t max_bytes = 16u << 20;        // larger bodies are an error, never truncated
  int max_redirects = 5;
  bool verify_tls = true;  // peer certificate and host name; off only for tests and labs
  std::string ca_file;     // PEM bundle to trust instead of the system's
  // true: 4xx and 5xx answers are returned as responses (deliveries judge them), not errors.
  bool statuses_as_responses = false;
};

struct HttpResponse {
  long status = 0;           // 0 for file:// URLs; 304 when a conditional request matched
  std::string effective_url; // after redirects
  std::string content_type;  // as sent, e.g. "application/rss+xml; charset=GBK"
  std::string etag;          // validators for the next conditional request
  std::string last_modified;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;  // from Retry-After (seconds or HTTP date)
};

// A 304 answer to a conditional request (If-None-Match / If-Modified-Since) is a success with
// status 304 and no body. Error codes: fetch.timeout, fetch.too_large, fetch.http_status (with
// retry_after from Retry-After on 429 and 503), fetch.connect, fetch.url, fetch.io,
// fetch.redirects, fetch.tls, fetch.transfer.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Blocking; safe to call from several threads at once.
  virtual Result<HttpResponse> fetch(const HttpRequest& request) = 0;
};

struct HttpClientOptions {
  // Requests to one host at once; more wait their turn, so many sources on one site never
  // hammer it in parallel.
  std::size_t max_per_host = 2;
};

std::unique_ptr<HttpClient> make_curl_http_client(HttpClientOptions options = {});

}  // namespace sigflow
