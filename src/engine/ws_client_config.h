// The websocketpp client types of the engine's transport: one thread per connection (no
// locks, no logging), cheap masking keys, a small read buffer, and a connect that keeps a
// bind() to a chosen source address. Included only by ws_transport.cpp (the one file of the
// engine that includes websocketpp).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <random>
#include <system_error>

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

#include "engine/fast_rng.h"

namespace wsyaml::engine::ws_client {

using engine::FastRng;

// The address the next connection binds to before connecting (tcpkali's --source-ip); set by
// WsTransport around client.connect(), which reaches async_connect synchronously.
inline thread_local const asio::ip::address* t_local_address = nullptr;

// websocketpp's connect resolves, then lets Asio try each address, closing and reopening the
// socket each time, so a bind() made earlier is lost. With a local address and a literal IP
// host, connect the already-bound socket to that one address instead.
template <typename TransportConfig>
class BindingEndpoint : public websocketpp::transport::asio::endpoint<TransportConfig> {
  using base = websocketpp::transport::asio::endpoint<TransportConfig>;

 public:
  using transport_con_ptr = typename base::transport_con_ptr;
  using timer_ptr = typename base::timer_ptr;

  void async_connect(transport_con_ptr tcon, websocketpp::uri_ptr uri,
                     websocketpp::transport::connect_handler callback) {
    std::error_code ec;
    asio::ip::address remote = asio::ip::make_address(uri->get_host(), ec);
    if (!t_local_address || ec || !tcon->get_proxy().empty()) {
      base::async_connect(tcon, uri, callback);
      return;
    }
    tcon->set_uri(uri);
    auto& socket = tcon->get_raw_socket();
    socket.close(ec);
    socket.open(remote.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
    if (!ec) {
      // Let the kernel pick the port at connect time, per (source, destination) pair.
      int one = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      socket.bind(asio::ip::tcp::endpoint(*t_local_address, 0), ec);
    }
    if (ec) {
      callback(ec);
      return;
    }
    // handle_connect wants the connect timer; ours is the engine's own timeout.
    timer_ptr timer = tcon->set_timer(TransportConfig::timeout_connect, [](std::error_code) {});
    socket.async_connect(asio::ip::tcp::endpoint(remote, uri->get_port()),
                         [this, tcon, timer, callback](const std::error_code& connect_ec) {
                           this->handle_connect(tcon, timer, callback, connect_ec);
                         });
  }
};

// A connection lives on one thread: no locks, no logging, a small read buffer, and our own
// timeouts (the engine enforces `timeout`, so websocketpp's are only a backstop).
template <typename Base, typename Socket>
struct ClientConfig : Base {
  using type = ClientConfig;
  using base = Base;
  using concurrency_type = websocketpp::concurrency::none;
  using alog_type = websocketpp::log::stub;
  using elog_type = websocketpp::log::stub;
  using rng_type = FastRng;
  using request_type = typename base::request_type;
  using response_type = typename base::response_type;
  using message_type = typename base::message_type;
  using con_msg_manager_type = typename base::con_msg_manager_type;
  using endpoint_msg_manager_type = typename base::endpoint_msg_manager_type;

  struct transport_config : base::transport_config {
    using concurrency_type = typename type::concurrency_type;
    using alog_type = typename type::alog_type;
    using elog_type = typename type::elog_type;
    using request_type = typename type::request_type;
    using response_type = typename type::response_type;
    using socket_type = Socket;
    // Each connection lives on one worker thread: no strands, no locks per handler.
    static const bool enable_multithreading = false;
    static const long timeout_socket_pre_init = 600000;
    static const long timeout_proxy = 600000;
    static const long timeout_socket_post_init = 600000;
    static const long timeout_dns_resolve = 600000;
    static const long timeout_connect = 600000;
    static const long timeout_socket_shutdown = 5000;
  };
  using transport_type = BindingEndpoint<transport_config>;
  static const bool enable_multithreading = false;

  static const long timeout_open_handshake = 600000;
  static const long timeout_close_handshake = 5000;
  // Each connection keeps this buffer for its life: 1 KiB keeps an idle connection under
  // 10 KB (docs/performance.md); bigger messages take more reads.
  static const size_t connection_read_buffer_size = 1024;
};

using PlainClient =
    websocketpp::client<ClientConfig<websocketpp::config::asio_client,
                                     websocketpp::transport::asio::basic_socket::endpoint>>;
using TlsClient =
    websocketpp::client<ClientConfig<websocketpp::config::asio_tls_client,
                                     websocketpp::transport::asio::tls_socket::endpoint>>;
}  // namespace wsyaml::engine::ws_client
