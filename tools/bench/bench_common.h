// What the benchmark programs share: a websocketpp client config like the engine's
// (src/engine/ws_transport.cpp: no locking, no logging, a cheap masking RNG, a 1 KiB read
// buffer unless WSBENCH_READ_BUFFER says otherwise), process measurements (CPU seconds, resident
// memory) and tiny helpers. Header-only; every program is single-threaded.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

namespace wsbench {

/// Masking keys need not be cryptographic; the engine uses the same xorshift.
class FastRng {
 public:
  FastRng() : state_(std::random_device{}() | 1ULL) {}
  /// The next 32 random bits.
  uint32_t operator()() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<uint32_t>(state_ >> 16);
  }

 private:
  uint64_t state_;
};

#ifndef WSBENCH_READ_BUFFER
/// Bytes of each connection's read buffer: the engine's (websocketpp's default is 16 KiB).
#define WSBENCH_READ_BUFFER 1024
#endif

/// The engine's client config, copied: one thread, no locks, no logs, 1 KiB read buffer.
struct ClientConfig : websocketpp::config::asio_client {
  using type = ClientConfig;
  using base = websocketpp::config::asio_client;
  using concurrency_type = websocketpp::concurrency::none;
  using alog_type = websocketpp::log::stub;
  using elog_type = websocketpp::log::stub;
  using rng_type = FastRng;
  using request_type = base::request_type;
  using response_type = base::response_type;
  using message_type = base::message_type;
  using con_msg_manager_type = base::con_msg_manager_type;
  using endpoint_msg_manager_type = base::endpoint_msg_manager_type;

  /// The transport's types, rebound to this config's.
  struct transport_config : base::transport_config {
    using concurrency_type = type::concurrency_type;
    using alog_type = type::alog_type;
    using elog_type = type::elog_type;
    using request_type = type::request_type;
    using response_type = type::response_type;
    using socket_type = websocketpp::transport::asio::basic_socket::endpoint;
    static const long timeout_socket_pre_init = 600000;
    static const long timeout_proxy = 600000;
    static const long timeout_socket_post_init = 600000;
    static const long timeout_dns_resolve = 600000;
    static const long timeout_connect = 600000;
    static const long timeout_socket_shutdown = 5000;
  };
  using transport_type = websocketpp::transport::asio::endpoint<transport_config>;

  static const long timeout_open_handshake = 600000;
  static const long timeout_close_handshake = 5000;
  static const size_t connection_read_buffer_size = WSBENCH_READ_BUFFER;
};

/// User plus system CPU seconds of this process so far.
inline double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// A field of /proc/self/status in KiB: "VmRSS:" (all resident pages) or "RssAnon:" (private
/// memory, without the binary's code pages). 0 when /proc is unreadable.
inline long RssKib(const std::string& field = "VmRSS:") {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + field.size());
  }
  return 0;
}

/// Raises the open-files soft limit to the hard limit; returns the soft limit now in force.
inline long RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<long>(limit.rlim_cur);
}

/// The value at quantile `q` (0..1) of `values`, which it sorts; 0 when empty.
inline int64_t Percentile(std::vector<int64_t>* values, double q) {
  if (values->empty()) return 0;
  std::sort(values->begin(), values->end());
  size_t index = static_cast<size_t>(q * static_cast<double>(values->size() - 1) + 0.5);
  return (*values)[std::min(index, values->size() - 1)];
}

/// The value after `--name` in argv, or `fallback`.
inline std::string Flag(int argc, char** argv, const char* name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

/// Whether `--name` appears in argv.
inline bool HasFlag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

}  // namespace wsbench
