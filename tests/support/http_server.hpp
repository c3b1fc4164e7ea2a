#pragma once
// TestHttpServer: a real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for integration
// tests. Runs its own io_context thread; serves fixed routes or a handler; records requests.
// Beast stays in the .cpp.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sigflow::test {

struct HttpRequestSeen {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

struct HttpResponseSpec {
  unsigned status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds delay{0};  // before answering
};

// A certificate chain and key (PEM) for an HTTPS test server; see make_test_pki().
struct TlsIdentity {
  std::string cert_file;
  std::string key_file;
};

// A throwaway CA and a certificate for 127.0.0.1 that it signed, made in `dir` with the
// openssl command line tool.
struct TestPki {
  std::string ca_file;
  TlsIdentity server;
};
TestPki make_test_pki(const std::filesystem::path& dir);

class TestHttpServer {
 public:
  using Handler = std::function<HttpResponseSpec(const HttpRequestSeen&)>;

  // Starts listening at once, on an ephemeral port or on `port` (a receiver that comes back).
  // With `tls`, it speaks HTTPS only.
  explicit TestHttpServer(std::uint16_t port = 0, std::optional<TlsIdentity> tls = std::nullopt);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::uint16_t port() const;
  std::string url(const std::string& path) const;  // "http://127.0.0.1:PORT" + path

  void route(const std::string& path, HttpResponseSpec response);
  void set_handler(Handler handler);  // consulted when no route matches
  std::vector<HttpRequestSeen> requests() const;
  std::size_t request_count(const std::string& target) const;
  // The most requests this server was answering at one time (delayed responses overlap).
  std::size_t max_in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A blocking request against a loopback URL (admin endpoints, webhooks): status and body, or
// status 0 when the connection failed.
struct SimpleResponse {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};
SimpleResponse http_request(const std::string& method, const std::string& host, std::uint16_t port, const std::string& target,
                            const std::map<std::string, std::string>& headers = {}, const std::string& body = {});
SimpleResponse http_get(const std::string& host, std::uint16_t port, const std::string& target);

}  // namespace sigflow::test
