#pragma once
// The bundled demo (config/sigflow.yaml over config/samples) and what it must alert:
// tests/fixtures/demo_expected.json. Shared by the standalone and Kafka end-to-end tests.
#include <string>
#include <vector>

#include "sigflow/alert.hpp"

namespace sigflow::test {

inline constexpr const char* kDemoSourceIds[] = {"cloud-news", "intl-ai", "hk-finance"};

// Alerts from JSON lines; a line that is not an alert fails the test.
std::vector<Alert> parse_alert_lines(const std::string& text);
// Every demo item alerted with exactly its expected signals (repeats of one alert allowed).
void expect_demo_alerts(const std::vector<Alert>& alerts);

}  // namespace sigflow::test
