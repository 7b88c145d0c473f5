// What the websocketpp benchmark programs share: a websocketpp client config like the
// engine's (src/engine/ws_transport.cpp: no locking, no logging, a cheap masking RNG, a 1 KiB
// read buffer unless WSBENCH_READ_BUFFER says otherwise), and bench_util.h's measurements and
// helpers. Header-only; every program is single-threaded.
#pragma once

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

#include "bench_util.h"

namespace wsbench {

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

}  // namespace wsbench
