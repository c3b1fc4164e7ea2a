#include "sigflow/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "sigflow/json_writer.hpp"

namespace sigflow {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Shared {
  HttpServerHandler handler;
  HttpServerOptions options;
};

HttpServerReply limit_reply(const beast::error_code& ec, const HttpServerOptions& o) {
  if (ec == http::error::body_limit) return {413, "text/plain; charset=utf-8", fmt::format("request body larger than {} bytes\n", o.max_body_bytes)};
  if (ec == http::error::header_limit) return {431, "text/plain; charset=utf-8", fmt::format("request headers larger than {} bytes\n", o.max_header_bytes)};
  return {400, "text/plain; charset=utf-8", fmt::format("malformed HTTP request: {}\n", ec.message())};
}

asio::awaitable<void> serve(tcp::socket socket, std::shared_ptr<Shared> shared) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(shared->options.idle_timeout);
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(shared->options.max_header_bytes));
    parser.body_limit(shared->options.max_body_bytes);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, kTuple);
    HttpServerReply reply;
    bool keep_alive = false;
    unsigned version = 11;
    if (read_ec == http::error::end_of_stream || read_ec == beast::error::timeout || read_ec == asio::error::connection_reset ||
        read_ec == asio::error::eof) {
      break;
    }
    if (read_ec) {
      reply = limit_reply(read_ec, shared->options);  // answered, then the connection closes
    } else {
      const auto& req = parser.get();
      HttpServerRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      r.body = req.body();
      keep_alive = req.keep_alive();
      version = req.version();
      reply = shared->handler(r);
    }
    http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
    res.set(http::field::server, "sigflow");
    res.set(http::field::content_type, reply.content_type);
    for (const auto& [k, v] : reply.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    auto [write_ec, write_n] = co_await http::async_write(stream, res, kTuple);
    if (write_ec || !keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<Shared> shared) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), shared), asio::detached);
  }
}

}  // namespace

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::shared_ptr<Shared> shared;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(HttpServerHandler handler, HttpServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->shared = std::make_shared<Shared>(Shared{std::move(handler), options});
}

HttpServer::~HttpServer() { stop(); }

Result<std::uint16_t> HttpServer::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return make_error("http.address", fmt::format("listen address '{}' is not an IP address", host));
  const tcp::endpoint endpoint(address, port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return make_error("http.bind", fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()));
  const std::uint16_t bound = a.local_endpoint().port();
  asio::co_spawn(impl_->io, accept_loop(a, impl_->shared), asio::detached);
  for (std::size_t i = 0; i < std::max<std::size_t>(impl_->shared->options.threads, 1); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return bound;
}

void HttpServer::stop() {
  if (!impl_) return;
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    if (impl_->acceptor.is_open()) impl_->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

HttpServerReply json_reply(unsigned status, std::string body) {
  body.push_back('\n');
  return {status, "application/json", std::move(body), {}};
}

HttpServerReply json_error_reply(unsigned status, std::string_view message) {
  return json_reply(status, json::Writer().begin_object().field("error", message).end_object().take());
}

std::string http_url_of(const std::string& host, std::uint16_t port) {
  return host.find(':') == std::string::npos ? fmt::format("http://{}:{}", host, port) : fmt::format("http://[{}]:{}", host, port);
}

bool is_loopback_address(std::string_view host) { return host.starts_with("127.") || host == "::1"; }

bool parse_listen_address(const std::string& text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  unsigned p = 0;
  const char* begin = text.data() + colon + 1;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, p);
  if (ec != std::errc() || ptr != end || p > 65535) return false;
  unsigned char addr[sizeof(in6_addr)];
  if (inet_pton(AF_INET, h.c_str(), addr) != 1 && inet_pton(AF_INET6, h.c_str(), addr) != 1) return false;
  host = h;
  port = static_cast<std::uint16_t>(p);
  return true;
}

}  // namespace sigflow
