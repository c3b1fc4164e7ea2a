#include "support/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "support/process.hpp"

namespace sigflow::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct TestHttpServer::Impl {
  Impl(std::uint16_t port, const std::optional<TlsIdentity>& identity)
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)), tls(identity.has_value()) {
    if (identity) {
      ssl.use_certificate_chain_file(identity->cert_file);
      ssl.use_private_key_file(identity->key_file, asio::ssl::context::pem);
    }
  }
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::ssl::context ssl{asio::ssl::context::tls_server};
  const bool tls;
  std::thread thread;
  mutable std::mutex mutex;
  std::map<std::string, HttpResponseSpec> routes;
  Handler handler;
  std::vector<HttpRequestSeen> seen;
  std::size_t in_flight = 0;  // requests read and not yet answered (touched on the io thread only)
  std::atomic<std::size_t> max_in_flight{0};

  HttpResponseSpec respond(const HttpRequestSeen& req) {
    std::lock_guard lock(mutex);
    seen.push_back(req);
    std::string path = req.target.substr(0, req.target.find('?'));
    if (auto it = routes.find(req.target); it != routes.end()) return it->second;
    if (auto it = routes.find(path); it != routes.end()) return it->second;
    if (handler) return handler(req);
    return HttpResponseSpec{404, "text/plain", "no such fixture route\n", {}, {}};
  }

  // Every connection is a coroutine on the one io thread: no shared state races, and a
  // delayed response (a timer) never blocks other connections.
  asio::awaitable<void> serve_tls(tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), ssl);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (!ec) co_await serve(stream);  // a client that refuses our certificate ends here
  }

  asio::awaitable<void> serve_plain(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  template <typename Stream>
  asio::awaitable<void> serve(Stream& stream) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [read_ec, read_n] = co_await http::async_read(stream, buffer, req, tuple);
      if (read_ec) break;
      HttpRequestSeen seen_req{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
      for (const auto& field : req) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        seen_req.headers[name] = std::string(field.value());
      }
      HttpResponseSpec spec = respond(seen_req);
      max_in_flight = std::max(max_in_flight.load(), ++in_flight);
      if (spec.delay.count() > 0) {
        asio::steady_timer timer(stream.get_executor(), spec.delay);
        co_await timer.async_wait(tuple);
      }
      --in_flight;
      http::response<http::string_body> res{static_cast<http::status>(spec.status), req.version()};
      res.set(http::field::content_type, spec.content_type);
      for (const auto& [k, v] : spec.headers) res.set(k, v);
      res.body() = spec.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      auto [write_ec, write_n] = co_await http::async_write(stream, res, tuple);
      if (write_ec || !res.keep_alive()) break;
    }
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      if (tls) asio::co_spawn(io, serve_tls(std::move(socket)), asio::detached);
      else asio::co_spawn(io, serve_plain(std::move(socket)), asio::detached);
      accept();
    });
  }
};

TestHttpServer::TestHttpServer(std::uint16_t port, std::optional<TlsIdentity> tls) : impl_(std::make_unique<Impl>(port, tls)) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->io.stop();  // ends the accept loop and every open connection
  impl_->thread.join();
}

std::uint16_t TestHttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string TestHttpServer::url(const std::string& path) const {
  return (impl_->tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port()) + path;
}

TestPki make_test_pki(const std::filesystem::path& dir) {
  auto openssl = [](const std::vector<std::string>& args) {
    Process p("/usr/bin/openssl", args);
    const auto code = p.wait(std::chrono::seconds(30));
    if (code != 0) throw std::runtime_error("openssl " + args.front() + " failed: " + p.err());
  };
  const auto at = [&](const char* name) { return (dir / name).string(); };
  const std::string ec_key = "ec_paramgen_curve:prime256v1";
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", ec_key, "-nodes", "-keyout", at("ca.key"), "-out", at("ca.pem"), "-days", "2",
           "-subj", "/CN=sigflow test CA"});
  openssl({"req", "-newkey", "ec", "-pkeyopt", ec_key, "-nodes", "-keyout", at("server.key"), "-out", at("server.csr"), "-subj",
           "/CN=127.0.0.1"});
  write_file(dir / "san.ext", "subjectAltName=IP:127.0.0.1\n");
  openssl({"x509", "-req", "-in", at("server.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-CAcreateserial", "-out",
           at("server.pem"), "-days", "2", "-extfile", at("san.ext")});
  return {at("ca.pem"), {at("server.pem"), at("server.key")}};
}

void TestHttpServer::route(const std::string& path, HttpResponseSpec response) {
  std::lock_guard lock(impl_->mutex);
  impl_->routes[path] = std::move(response);
}

void TestHttpServer::set_handler(Handler handler) {
  std::lock_guard lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

std::vector<HttpRequestSeen> TestHttpServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

std::size_t TestHttpServer::max_in_flight() const { return impl_->max_in_flight.load(); }

std::size_t TestHttpServer::request_count(const std::string& target) const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(std::count_if(impl_->seen.begin(), impl_->seen.end(),
                                                [&](const HttpRequestSeen& r) { return r.target == target; }));
}

SimpleResponse http_request(const std::string& method, const std::string& host, std::uint16_t port, const std::string& target,
                            const std::map<std::string, std::string>& headers, const std::string& body) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
  if (ec) return {};
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) return {};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(stream, buffer, parser, ec);
  if (ec) return {};
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  SimpleResponse out{parser.get().result_int(), parser.get().body(), {}};
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  return out;
}

SimpleResponse http_get(const std::string& host, std::uint16_t port, const std::string& target) {
  return http_request("GET", host, port, target);
}

}  // namespace sigflow::test
