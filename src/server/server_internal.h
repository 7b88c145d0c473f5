// Shared by the server implementations; not part of the public API.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "server/reference_server.h"

namespace wsyaml::server::internal {

/// One worker thread's counters: written by that thread only, read by any (relaxed atomics).
struct AtomicCounts {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> open{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> frames_in{0};
  std::atomic<uint64_t> frames_out{0};
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> closes{0};
  std::atomic<uint64_t> set_names{0};
  std::atomic<uint64_t> says{0};
  std::atomic<uint64_t> leaves{0};
  std::atomic<uint64_t> errors_sent{0};
  std::atomic<uint64_t> pings_sent{0};
  std::atomic<uint64_t> pongs_received{0};

  /// Adds this worker's counters to `out`.
  void AddTo(ServerCounts* out) const;
};

/// Adds one to a counter; only its owning thread writes it.
inline void Bump(std::atomic<uint64_t>& counter, uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

/// Checks that every address parses and is loopback; false and `*error` set otherwise.
bool CheckLoopback(const ServerOptions& options, std::string* error);

/// Starts the chat or echo server (websocketpp; reference_server.cpp).
std::unique_ptr<ReferenceServer> StartWebSocketServer(const ServerOptions& options,
                                                      std::string* error);
/// Starts the chaos server (raw Asio TCP; chaos_server.cpp).
std::unique_ptr<ReferenceServer> StartChaosServer(const ServerOptions& options, std::string* error);

}  // namespace wsyaml::server::internal
