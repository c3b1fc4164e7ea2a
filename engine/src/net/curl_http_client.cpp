// libcurl-backed HttpClient. Each thread uses its own easy handle, so any thread may call fetch().
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "sigflow/http_client.hpp"
#include "sigflow/version.hpp"

namespace sigflow {
namespace {

struct Transfer {
  std::string body;
  std::uint64_t max_bytes = 0;
  bool too_large = false;
  std::map<std::string, std::string> headers;  // lower-cased names, last response only
};

// Keeps the response headers sigflow uses; a redirect's headers are replaced by the next.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    t->headers.clear();
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
  if (name == "etag" || name == "last-modified" || name == "retry-after") t->headers[name] = std::string(value);
  return n;
}

// Retry-After: delay-seconds or an HTTP-date.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& v) {
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::chrono::seconds(std::min<long long>(std::stoll(v.substr(0, 9)), 86400));
  }
  const std::time_t at = curl_getdate(v.c_str(), nullptr);
  if (at < 0) return std::nullopt;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  return std::chrono::seconds(std::clamp<long long>(at - now, 0, 86400));
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

std::string error_code_for(CURLcode rc) {
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return "fetch.timeout";
    case CURLE_FILESIZE_EXCEEDED: return "fetch.too_large";
    case CURLE_TOO_MANY_REDIRECTS: return "fetch.redirects";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: return "fetch.connect";
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_READ_ERROR: return "fetch.io";
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return "fetch.url";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR: return "fetch.tls";
    default: return "fetch.transfer";
  }
}

// The host part of an http(s) URL ("" for file:// and unparseable URLs: not limited).
std::string host_of(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  char* host = nullptr;
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    return {};
  }
  std::string out(host);
  curl_free(host);
  return out;
}

// Counts requests in flight per host; acquire() waits while a host is at its limit.
class HostSlots {
 public:
  explicit HostSlots(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

  void acquire(const std::string& host) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_[host] < limit_; });
    ++in_flight_[host];
  }
  void release(const std::string& host) {
    {
      std::lock_guard lock(mutex_);
      if (--in_flight_[host] == 0) in_flight_.erase(host);
    }
    cv_.notify_all();
  }

 private:
  const std::size_t limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::size_t> in_flight_;
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions options) : slots_(options.max_per_host) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Result<HttpResponse> fetch(const HttpRequest& req) override {
    const std::string host = host_of(req.url);
    if (host.empty()) return perform(req);
    slots_.acquire(host);
    auto result = perform(req);
    slots_.release(host);
    return result;
  }

 private:
  HostSlots slots_;

  // One easy handle per thread, reset between requests: libcurl keeps its connection cache
  // across resets, so requests to the same host reuse a kept-alive connection (and its TLS
  // session) instead of connecting anew.
  static CURL* thread_handle() {
    thread_local std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), &curl_easy_cleanup);
    if (handle) curl_easy_reset(handle.get());
    return handle.get();
  }

  Result<HttpResponse> perform(const HttpRequest& req) {
    CURL* c = thread_handle();
    if (c == nullptr) return make_error("fetch.transfer", "could not create a libcurl handle");
    Transfer t;
    t.max_bytes = req.max_bytes;
    char errbuf[CURL_ERROR_SIZE] = {0};
    const std::string user_agent = fmt::format("sigflow/{} (market-signal engine)", kVersion);

    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers) headers = curl_slist_append(headers, fmt::format("{}: {}", k, v).c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers, &curl_slist_free_all);

    curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(req.max_redirects));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(req.max_bytes));
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes
    curl_easy_setopt(c, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (req.method == "POST") {
      curl_easy_setopt(c, CURLOPT_POST, 1L);
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    if (!req.proxy.empty()) curl_easy_setopt(c, CURLOPT_PROXY, req.proxy.c_str());
    if (!req.verify_tls) {
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!req.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, req.ca_file.c_str());

    const CURLcode rc = curl_easy_perform(c);
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
      return make_error("fetch.too_large",
                        fmt::format("{}: body larger than the limit of {} bytes", req.url, req.max_bytes));
    }
    if (rc != CURLE_OK) {
      return make_error(error_code_for(rc),
                        fmt::format("{}: {}", req.url, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc)));
    }
    HttpResponse resp;
    resp.body = std::move(t.body);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
    char* effective = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) resp.effective_url = effective;
    char* ctype = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype) resp.content_type = ctype;
    if (resp.status == 429 || resp.status == 503) {
      if (auto it = t.headers.find("retry-after"); it != t.headers.end()) resp.retry_after = parse_retry_after(it->second);
    }
    if (resp.status >= 400 && !req.statuses_as_responses) {
      Error e = make_error("fetch.http_status", fmt::format("{}: HTTP {}", req.url, resp.status));
      e.retry_after = resp.retry_after;
      return e;
    }
    if (auto it = t.headers.find("etag"); it != t.headers.end()) resp.etag = it->second;
    if (auto it = t.headers.find("last-modified"); it != t.headers.end()) resp.last_modified = it->second;
    return resp;
  }
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_http_client(HttpClientOptions options) { return std::make_unique<CurlHttpClient>(options); }

}  // namespace sigflow
