// wsbench_sink: measures timer lateness from outside the client. A WebSocket server on
// loopback that answers nothing and records when each message of each connection arrives.
// A client that sends every I (wsyaml's `every`, which keeps a fixed rate from its first
// deadline) should deliver message k of a connection at t0 + k*I; since no fire is early,
// t0 is estimated as the earliest of (arrival_k - k*I), and the lateness of message k is
// arrival_k - k*I - t0. This includes the loopback transit, so it is an upper bound.
// Prints "listening on ws://127.0.0.1:PORT", then on SIGINT/SIGTERM one JSON line.
// With --dump FILE, writes "arrival_us lateness_us" per message (arrival on the steady clock)
// to see when the late ones happen.
// --warmup-ms W leaves out the arrivals of the first W ms after the first message (the
// ramp-up, when a one-thread client is busy with handshakes).
// Usage: wsbench_sink --interval-ms 1000 [--port P] [--skip 1] [--warmup-ms W] [--dump FILE]
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <asio/signal_set.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "bench_common.h"

namespace {

struct SinkConfig : websocketpp::config::asio {
  using type = SinkConfig;
  using base = websocketpp::config::asio;
  using concurrency_type = websocketpp::concurrency::none;
  using request_type = base::request_type;
  using response_type = base::response_type;
  using message_type = base::message_type;
  using con_msg_manager_type = base::con_msg_manager_type;
  using endpoint_msg_manager_type = base::endpoint_msg_manager_type;
  using elog_type = websocketpp::log::stub;
  using alog_type = websocketpp::log::stub;
  using rng_type = base::rng_type;
  static const size_t connection_read_buffer_size = 1024;
  static const long timeout_close_handshake = 1000;

  /// The transport's types, rebound to this config's.
  struct transport_config : base::transport_config {
    using concurrency_type = type::concurrency_type;
    using alog_type = type::alog_type;
    using elog_type = type::elog_type;
    using request_type = type::request_type;
    using response_type = type::response_type;
    using socket_type = websocketpp::transport::asio::basic_socket::endpoint;
  };
  using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
};

using Server = websocketpp::server<SinkConfig>;
using Hdl = websocketpp::connection_hdl;
using Clock = std::chrono::steady_clock;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

/// Lateness of each arrival against the fixed-rate schedule that fits the connection best.
/// The first `skip` arrivals of a connection are left out (the first fire may be planned
/// differently from the rest).
void AddLateness(const std::vector<int64_t>& arrivals, int64_t interval_us, size_t skip,
                 int64_t from_us, std::vector<int64_t>* lateness, FILE* dump) {
  if (arrivals.size() < skip + 2) return;
  int64_t t0 = arrivals[skip];
  for (size_t k = skip; k < arrivals.size(); ++k) {
    t0 = std::min(t0, arrivals[k] - static_cast<int64_t>(k - skip) * interval_us);
  }
  for (size_t k = skip; k < arrivals.size(); ++k) {
    if (arrivals[k] < from_us) continue;
    lateness->push_back(arrivals[k] - static_cast<int64_t>(k - skip) * interval_us - t0);
    if (dump) {
      std::fprintf(dump, "%lld %lld\n", static_cast<long long>(arrivals[k]),
                   static_cast<long long>(lateness->back()));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  long interval_ms = std::stol(wsbench::Flag(argc, argv, "--interval-ms", "1000"));
  int port = std::stoi(wsbench::Flag(argc, argv, "--port", "0"));
  size_t skip = std::stoul(wsbench::Flag(argc, argv, "--skip", "1"));
  std::string dump_path = wsbench::Flag(argc, argv, "--dump", "");
  int64_t warmup_us = 1000 * std::stol(wsbench::Flag(argc, argv, "--warmup-ms", "0"));
  wsbench::RaiseFileLimit();

  asio::io_context io;
  Server server;
  server.init_asio(&io);
  server.set_reuse_addr(true);
  server.set_listen_backlog(4096);
  std::map<Hdl, std::vector<int64_t>, std::owner_less<Hdl>> arrivals;
  std::vector<std::vector<int64_t>> closed;
  uint64_t messages = 0;
  server.set_open_handler([&](Hdl hdl) { arrivals[hdl].reserve(64); });
  int64_t first_us = 0;
  server.set_message_handler([&](Hdl hdl, Server::message_ptr) {
    int64_t now = NowUs();
    if (messages++ == 0) first_us = now;
    arrivals[hdl].push_back(now);
  });
  server.set_close_handler([&](Hdl hdl) {
    auto it = arrivals.find(hdl);
    if (it == arrivals.end()) return;
    closed.push_back(std::move(it->second));
    arrivals.erase(it);
  });
  std::error_code ec;
  server.listen(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)),
      ec);
  if (ec) {
    std::fprintf(stderr, "wsbench_sink: listen: %s\n", ec.message().c_str());
    return 1;
  }
  server.start_accept();
  asio::ip::tcp::endpoint local = server.get_local_endpoint(ec);
  std::printf("listening on ws://127.0.0.1:%u\n", local.port());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code&, int) { io.stop(); });
  io.run();

  std::vector<int64_t> lateness;
  FILE* dump = dump_path.empty() ? nullptr : std::fopen(dump_path.c_str(), "w");
  size_t connections = closed.size() + arrivals.size();
  for (const auto& series : closed) {
    AddLateness(series, interval_ms * 1000, skip, first_us + warmup_us, &lateness, dump);
  }
  for (const auto& [hdl, series] : arrivals) {
    AddLateness(series, interval_ms * 1000, skip, first_us + warmup_us, &lateness, dump);
  }
  if (dump) std::fclose(dump);
  size_t samples = lateness.size();
  int64_t p50 = wsbench::Percentile(&lateness, 0.50);
  int64_t p99 = wsbench::Percentile(&lateness, 0.99);
  int64_t max = lateness.empty() ? 0 : lateness.back();
  std::printf(
      "{\"tool\":\"wsbench_sink\",\"connections\":%zu,\"messages\":%llu,\"samples\":%zu,"
      "\"lateness_p50_us\":%lld,\"lateness_p99_us\":%lld,\"lateness_max_us\":%lld}\n",
      connections, static_cast<unsigned long long>(messages), samples, static_cast<long long>(p50),
      static_cast<long long>(p99), static_cast<long long>(max));
  return 0;
}
