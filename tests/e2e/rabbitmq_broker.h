// Test support: one RabbitMQ node with Web-STOMP and its Prometheus endpoint on loopback,
// private to a test binary (its own node name, epmd port, mnesia and logs in a temporary
// directory), for the STOMP end-to-end tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "process_util.h"

namespace wsyaml::testing {

/// The broker's own message counters: `rabbitmq_global_messages_NAME_total` of
/// rabbitmq_prometheus, summed over their labels (protocol, queue type), keyed by NAME
/// (`received`, `routed`, `delivered`, `acknowledged`, `redelivered`, ...). The broker
/// updates them as it handles each frame; they are not sampled.
using BrokerCounts = std::map<std::string, double>;

/// A RabbitMQ node with rabbitmq_web_stomp and rabbitmq_prometheus.
class RabbitBroker {
 public:
  /// The directory of rabbitmq-server and rabbitmqctl.
  static const std::string kBin;

  /// Starts the node and waits (up to 120 s) for it; false with `why` when it did not start.
  bool Start(std::string* why);
  /// Stops the node (rabbitmqctl stop, then SIGKILL to its process group) and its epmd.
  void Stop();
  /// rabbitmqctl against this node.
  ProcessResult Ctl(const std::vector<std::string>& args) const;
  /// Queue name -> {messages ready, messages unacknowledged}, for names starting with prefix.
  std::map<std::string, std::pair<int, int>> Queues(const std::string& prefix) const;
  /// The counters now; empty when the endpoint did not answer.
  BrokerCounts Counts() const;
  /// What the counters grew by since `before` (non-zero changes only), read once every counter
  /// of `expected` has grown at least that much (or after 20 s), then once more 200 ms later
  /// so that a late surplus shows too.
  BrokerCounts GrowthSince(const BrokerCounts& before, const BrokerCounts& expected) const;
  /// ws://127.0.0.1:PORT of Web-STOMP.
  std::string Url() const { return "ws://127.0.0.1:" + std::to_string(stomp_port_); }

 private:
  std::string dir_;
  std::vector<std::string> env_;
  pid_t pid_ = -1;
  int stomp_port_ = 0;
  int prometheus_port_ = 0;
};

}  // namespace wsyaml::testing
