#pragma once
// The admin endpoint every long-running mode serves: /metrics, /healthz and /readyz on an
// HttpServer bound to admin.listen (loopback by default).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config/app_config.hpp"
#include "metrics/metrics.hpp"
#include "sigflow/http_server.hpp"

namespace sigflow {

// A guarded part of the admin API: requests to `path` and below it (`/outbox/retry`).
struct AdminRoute {
  std::string path;
  HttpServerHandler handler;
};

// Starts listening and logs the address; nullptr when admin is disabled. `stopping` turns
// /readyz to 503. `routes` (/outbox, /-/reload, /rules) are guarded: with admin.token, they
// need `Authorization: Bearer <token>`; without one, their POST actions are accepted only on a
// loopback address and without an Origin header. Error code admin.bind with what to do.
Result<std::unique_ptr<HttpServer>> start_admin_endpoint(const AdminConfig& admin, Metrics& metrics, const std::atomic<bool>& stopping,
                                                         std::vector<AdminRoute> routes = {});

}  // namespace sigflow
