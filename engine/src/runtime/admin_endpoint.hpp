#pragma once
// The admin endpoint every long-running mode serves: /metrics, /healthz and /readyz on an
// HttpServer bound to admin.listen (loopback by default).
#include <atomic>
#include <memory>

#include "config/app_config.hpp"
#include "metrics/metrics.hpp"
#include "sigflow/http_server.hpp"

namespace sigflow {

// Starts listening and logs the address; nullptr when admin is disabled. `stopping` turns
// /readyz to 503. `outbox` (optional) serves /outbox and its POST actions. With admin.token,
// /outbox needs `Authorization: Bearer <token>`; without one, its POST actions are accepted
// only on a loopback address and without an Origin header. Error code admin.bind with what to
// do about it.
Result<std::unique_ptr<HttpServer>> start_admin_endpoint(const AdminConfig& admin, Metrics& metrics, const std::atomic<bool>& stopping,
                                                         HttpServerHandler outbox = {});

}  // namespace sigflow
