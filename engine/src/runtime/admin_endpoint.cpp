#include "runtime/admin_endpoint.hpp"

#include <fmt/format.h>

#include "sigflow/hash.hpp"
#include "sigflow/log.hpp"
#include "sigflow/secrets.hpp"

namespace sigflow {

namespace {

// Whether a request to a guarded route may proceed; the refusal otherwise. With a token, every
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

// Whether `target` is `path` or below it.
bool under(const std::string& target, const std::string& path) {
  return target.starts_with(path) && (target.size() == path.size() || target[path.size()] == '/' || target[path.size()] == '?');
}

}  // namespace

Result<std::unique_ptr<HttpServer>> start_admin_endpoint(const AdminConfig& admin, Metrics& metrics, const std::atomic<bool>& stopping,
                                                         std::vector<AdminRoute> routes) {
  if (!admin.enabled) return std::unique_ptr<HttpServer>();
  std::string paths = "/metrics, /healthz, /readyz";
  for (const auto& r : routes) paths += ", " + r.path;
  auto handler = [&admin, &metrics, &stopping, routes, paths](const HttpServerRequest& req) -> HttpServerReply {
    for (const AdminRoute& route : routes) {
      if (!under(req.target, route.path)) continue;
      if (auto refused = refuse_unauthorized(admin, req)) return *refused;
      return route.handler(req);
    }
    if (req.method != "GET") return {405, "text/plain; charset=utf-8", "only GET is supported here\n"};
    if (req.target == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.serialize()};
    if (req.target == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
    if (req.target == "/readyz") {
      if (stopping.load()) return {503, "text/plain; charset=utf-8", "shutting down\n"};
      return {200, "text/plain; charset=utf-8", "ready\n"};
    }
    return {404, "text/plain; charset=utf-8", fmt::format("not found: try {}\n", paths)};
  };
  // Two threads: a scrape is answered while a POST /-/reload compiles.
  auto server = std::make_unique<HttpServer>(std::move(handler), HttpServerOptions{.threads = 2});
  auto port = server->listen(admin.host, admin.port);
  if (!port) return make_error("admin.bind", port.error().message + " (set admin.listen or SIGFLOW_ADMIN_LISTEN to a free address)");
  logger("runtime")->info("admin endpoint listening on {} ({})", http_url_of(admin.host, *port), paths);
  return server;
}

}  // namespace sigflow
