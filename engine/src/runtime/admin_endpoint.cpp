#include "runtime/admin_endpoint.hpp"

#include "sigflow/hash.hpp"
#include "sigflow/log.hpp"
#include "sigflow/secrets.hpp"

namespace sigflow {

namespace {

// Whether a request to /outbox may proceed; the refusal otherwise. With a token, every
// request needs it. Without one, POST is accepted on loopback only, and never from a browser
// page (browsers send Origin with a cross-site form POST; sigflow's CLI does not).
std::optional<HttpServerReply> refuse_unauthorized(const AdminConfig& admin, const HttpServerRequest& req) {
  if (admin.token.empty()) {
    if (req.method != "POST") return std::nullopt;
    if (req.headers.contains("origin")) return HttpServerReply{403, "text/plain; charset=utf-8", "POST from a web page is refused\n"};
    if (is_loopback_address(admin.host)) return std::nullopt;
    return HttpServerReply{403, "text/plain; charset=utf-8", "set admin.token to use POST endpoints on a non-loopback address\n"};
  }
  auto token = resolve_secrets(admin.token);
  if (!token) return HttpServerReply{503, "text/plain; charset=utf-8", "the admin token cannot be read: " + token.error().message + "\n"};
  auto it = req.headers.find("authorization");
  if (it != req.headers.end() && constant_time_equal(it->second, "Bearer " + *token)) return std::nullopt;
  return HttpServerReply{401, "text/plain; charset=utf-8", "missing or wrong Authorization: Bearer <admin.token>\n", {{"WWW-Authenticate", "Bearer"}}};
}

}  // namespace

Result<std::unique_ptr<HttpServer>> start_admin_endpoint(const AdminConfig& admin, Metrics& metrics, const std::atomic<bool>& stopping,
                                                         HttpServerHandler outbox) {
  if (!admin.enabled) return std::unique_ptr<HttpServer>();
  auto server = std::make_unique<HttpServer>([&admin, &metrics, &stopping, outbox](const HttpServerRequest& req) -> HttpServerReply {
    if (outbox && req.target.starts_with("/outbox")) {
      if (auto refused = refuse_unauthorized(admin, req)) return *refused;
      return outbox(req);
    }
    if (req.method != "GET") return {405, "text/plain; charset=utf-8", "only GET is supported here\n"};
    if (req.target == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.serialize()};
    if (req.target == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    if (req.target == "/readyz") {
      if (stopping.load()) return {503, "text/plain; charset=utf-8", "shutting down\n"};
      return {200, "text/plain; charset=utf-8", "ready\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /metrics, /healthz, /readyz or /outbox\n"};
  });
  auto port = server->listen(admin.host, admin.port);
  if (!port) return make_error("admin.bind", port.error().message + " (set admin.listen or SIGFLOW_ADMIN_LISTEN to a free address)");
  logger("runtime")->info("admin endpoint listening on {} (/metrics, /healthz, /readyz{})", http_url_of(admin.host, *port),
                          outbox ? ", /outbox" : "");
  return server;
}

}  // namespace sigflow
