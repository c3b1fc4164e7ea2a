#pragma once
// AdminServer: the admin HTTP endpoint (/metrics, /healthz, /readyz) on Boost.Beast.
//
// Runs on the io_context it is given (the runtime's control thread); the handler is called on
// that thread and must not block. Requests are limited to 8 KiB of headers and 64 KiB of body,
// and an idle connection is closed after 10 s. Beast stays out of this header.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sigflow/result.hpp"

namespace boost::asio {
class io_context;
}

namespace sigflow {

struct AdminReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using AdminHandler = std::function<AdminReply(std::string_view method, std::string_view target)>;

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, AdminHandler handler);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and starts accepting; returns the bound port (useful with port 0).
  Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  // Stops accepting; call on the io_context's thread or before it runs.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigflow
