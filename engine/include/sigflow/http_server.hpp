#pragma once
// HttpServer: a small HTTP/1.1 server on Boost.Beast for the admin endpoint and the webhook
// connector. It runs on its own threads; the handler is called on one of them and may block
// (a webhook waits until the bus accepted its events), so give blocking handlers more threads.
//
// Limits: header and body sizes (answered 431 and 413 with a reason), an idle timeout per
// connection. Beast stays out of this header.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "sigflow/result.hpp"

namespace sigflow {

struct HttpServerRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-cased names
  std::string body;
};

struct HttpServerReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::map<std::string, std::string> headers;
};

using HttpServerHandler = std::function<HttpServerReply(const HttpServerRequest&)>;

struct HttpServerOptions {
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds idle_timeout{10};
  std::size_t threads = 1;
};

class HttpServer {
 public:
  HttpServer(HttpServerHandler handler, HttpServerOptions options = {});
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; returns the bound port (useful with port 0). Error codes:
  // http.address, http.bind.
  Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  // Stops accepting, closes connections, joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:9464" or "[::1]:9464" into host and port; false when not an IP address and port.
bool parse_listen_address(const std::string& text, std::string& host, std::uint16_t& port);

// A JSON answer: `body` and a newline.
HttpServerReply json_reply(unsigned status, std::string body);
// {"error": "<message>"} as a JSON answer.
HttpServerReply json_error_reply(unsigned status, std::string_view message);

// "http://127.0.0.1:9464" or "http://[::1]:9464": where a server listening there is reached.
std::string http_url_of(const std::string& host, std::uint16_t port);

// Whether a listen host (an IP address) is loopback only: 127.0.0.0/8 or ::1.
bool is_loopback_address(std::string_view host);

}  // namespace sigflow
