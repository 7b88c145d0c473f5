// Test support: a scripted HTTP peer on 127.0.0.1 for the HTTP client and the InfluxDB sink:
// it answers each request with the next scripted raw response (or stays silent), and keeps
// what it received. Every wait is bounded.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wsyaml::outputs::testing {

/// The peer, on a thread of its own from construction to destruction.
class LoopbackHttp {
 public:
  /// How the peer answers every request: `raw` (a whole HTTP response), or nothing at all
  /// when `silent` (it accepts connections and reads, never answers).
  struct Script {
    std::string raw = "HTTP/1.1 204 No Content\r\n\r\n";
    bool silent = false;
    bool close_after_response = false;  ///< closes the connection after each response
  };

  /// Listens on a free loopback port and starts answering.
  explicit LoopbackHttp(Script script);
  /// Stops the peer's thread (within 100 ms).
  ~LoopbackHttp();

  /// The port it listens on (0 when it could not listen).
  int port() const { return port_; }
  /// The requests received so far, whole (head and body).
  std::vector<std::string> Requests() const;
  /// Connections accepted so far.
  int connections() const { return connections_; }

 private:
  void Serve();
  /// Handles what arrived on `fd` into `pending`; false when the peer closed it.
  bool Handle(int fd, std::string* pending);

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace wsyaml::outputs::testing
