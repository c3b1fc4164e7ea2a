#include "support/http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <thread>

namespace sigflow::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct TestHttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;
  mutable std::mutex mutex;
  std::map<std::string, HttpResponseSpec> routes;
  Handler handler;
  std::vector<HttpRequestSeen> seen;

  HttpResponseSpec respond(const HttpRequestSeen& req) {
    std::lock_guard lock(mutex);
    seen.push_back(req);
    std::string path = req.target.substr(0, req.target.find('?'));
    if (auto it = routes.find(req.target); it != routes.end()) return it->second;
    if (auto it = routes.find(path); it != routes.end()) return it->second;
    if (handler) return handler(req);
    return HttpResponseSpec{404, "text/plain", "no such fixture route\n", {}, {}};
  }

  // One thread per connection: simple, and a slow response never blocks other tests' requests.
  void serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) break;
      HttpRequestSeen seen_req{std::string(req.method_string()), std::string(req.target()), {}, req.body()};
      for (const auto& field : req) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        seen_req.headers[name] = std::string(field.value());
      }
      HttpResponseSpec spec = respond(seen_req);
      if (spec.delay.count() > 0) std::this_thread::sleep_for(spec.delay);
      http::response<http::string_body> res{static_cast<http::status>(spec.status), req.version()};
      res.set(http::field::content_type, spec.content_type);
      for (const auto& [k, v] : spec.headers) res.set(k, v);
      res.body() = spec.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !res.keep_alive()) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      std::thread([this, s = std::move(socket)]() mutable { serve(std::move(s)); }).detach();
      accept();
    });
  }
};

TestHttpServer::TestHttpServer() : impl_(std::make_unique<Impl>()) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->thread.join();
  // Connection threads are detached and end when their client disconnects; give in-flight
  // ones (which reference impl_) a moment to finish their current response.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::uint16_t TestHttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string TestHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
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

std::size_t TestHttpServer::request_count(const std::string& target) const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(std::count_if(impl_->seen.begin(), impl_->seen.end(),
                                                [&](const HttpRequestSeen& r) { return r.target == target; }));
}

SimpleResponse http_get(const std::string& host, std::uint16_t port, const std::string& target) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(std::chrono::seconds(5));
  stream.connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
  if (ec) return {};
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, host);
  http::write(stream, req, ec);
  if (ec) return {};
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res, ec);
  if (ec) return {};
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {res.result_int(), res.body()};
}

}  // namespace sigflow::test
