#include "admin/admin_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

namespace sigflow {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve(tcp::socket socket, std::shared_ptr<AdminHandler> handler) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(std::chrono::seconds(10));
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(64 * 1024);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (read_ec) break;
    const auto& req = parser.get();
    AdminReply reply = (*handler)(req.method_string(), req.target());
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::server, "sigflow");
    res.set(http::field::content_type, reply.content_type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(reply.body);
    res.prepare_payload();
    auto [write_ec, write_n] = co_await http::async_write(stream, res, kTuple);
    if (write_ec || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::shared_ptr<AdminHandler> handler) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), handler), asio::detached);
  }
}

}  // namespace

struct AdminServer::Impl {
  Impl(asio::io_context& io, AdminHandler h) : io(io), acceptor(io), handler(std::make_shared<AdminHandler>(std::move(h))) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  std::shared_ptr<AdminHandler> handler;
};

AdminServer::AdminServer(asio::io_context& io, AdminHandler handler) : impl_(std::make_unique<Impl>(io, std::move(handler))) {}

AdminServer::~AdminServer() { stop(); }

Result<std::uint16_t> AdminServer::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return make_error("admin.address", fmt::format("admin listen address '{}' is not an IP address", host));
  const tcp::endpoint endpoint(address, port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error("admin.bind", fmt::format("cannot listen on {}:{}: {} (set admin.listen or SIGFLOW_ADMIN_LISTEN to a free address)",
                                                host, port, ec.message()));
  }
  const std::uint16_t bound = a.local_endpoint().port();
  asio::co_spawn(impl_->io, accept_loop(a, impl_->handler), asio::detached);
  return bound;
}

void AdminServer::stop() {
  beast::error_code ignored;
  if (impl_ && impl_->acceptor.is_open()) impl_->acceptor.close(ignored);
}

}  // namespace sigflow
