#include "runtime/admin_endpoint.hpp"

#include "sigflow/log.hpp"

namespace sigflow {

Result<std::unique_ptr<HttpServer>> start_admin_endpoint(const AdminConfig& admin, Metrics& metrics, const std::atomic<bool>& stopping) {
  if (!admin.enabled) return std::unique_ptr<HttpServer>();
  auto server = std::make_unique<HttpServer>([&metrics, &stopping](const HttpServerRequest& req) -> HttpServerReply {
    if (req.method != "GET") return {405, "text/plain; charset=utf-8", "only GET is supported\n"};
    if (req.target == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.serialize()};
    if (req.target == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    if (req.target == "/readyz") {
      if (stopping.load()) return {503, "text/plain; charset=utf-8", "shutting down\n"};
      return {200, "text/plain; charset=utf-8", "ready\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /metrics, /healthz or /readyz\n"};
  });
  auto port = server->listen(admin.host, admin.port);
  if (!port) return make_error("admin.bind", port.error().message + " (set admin.listen or SIGFLOW_ADMIN_LISTEN to a free address)");
  logger("runtime")->info("admin endpoint listening on http://{}:{} (/metrics, /healthz, /readyz)",
                          admin.host.find(':') == std::string::npos ? admin.host : "[" + admin.host + "]", *port);
  return server;
}

}  // namespace sigflow
