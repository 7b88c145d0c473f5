// Test support: Debian's real `prometheus` started by a test, scraping one wsyaml endpoint every
// second, and its query API (tests/e2e/prometheus_e2e_test.cpp,
// tests/e2e/grafana_dashboard_e2e_test.cpp).
#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

namespace wsyaml::testing {

/// Where the tests expect Debian's prometheus (tools/setup.sh --tests installs it).
inline constexpr const char* kPrometheusBinary = "/usr/bin/prometheus";

/// `text` with every byte but [A-Za-z0-9_.-] percent-encoded, for a query string.
std::string UrlEncode(const std::string& text);

/// Prometheus as a child, with its config, data and output (prometheus.log) in `dir`, scraping
/// 127.0.0.1:`target_port` every second; stopped (SIGTERM, then SIGKILL) by PID.
class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& dir, int port, int target_port);
  ~PrometheusProcess() { Stop(); }
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  /// The `data.result` array of an instant query, null when the query failed.
  nlohmann::json Query(const std::string& promql) const;
  /// Stops it and waits for it (at most 5 s before SIGKILL).
  void Stop();

 private:
  pid_t pid_ = -1;
  int port_;
};

/// The value of the only sample of an instant query's result; -1 when there is not one.
double SingleValue(const nlohmann::json& result);

}  // namespace wsyaml::testing
