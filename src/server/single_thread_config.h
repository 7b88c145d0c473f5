// The websocketpp server configuration of wsyaml's own servers (the reference servers and the
// web server of the live outputs): one connection lives on one thread, so no locks; loggers
// compiled out. It pulls in websocketpp: include it only where websocketpp is used.
#pragma once

#include <cstddef>

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/logger/stub.hpp>

namespace wsyaml::server::internal {

/// A websocketpp server config for one thread per connection. `ConnectionBase` is embedded
/// in every connection; `kReadBuffer` bytes are read at a time per connection;
/// `kCloseTimeoutMs` bounds how long a close handshake may hold a connection.
template <class ConnectionBase, size_t kReadBuffer, long kCloseTimeoutMs>  // NOLINT(runtime/int)
struct SingleThreadConfig : websocketpp::config::asio {
  typedef SingleThreadConfig type;
  typedef websocketpp::config::asio base;
  typedef websocketpp::concurrency::none concurrency_type;
  typedef base::request_type request_type;
  typedef base::response_type response_type;
  typedef base::message_type message_type;
  typedef base::con_msg_manager_type con_msg_manager_type;
  typedef base::endpoint_msg_manager_type endpoint_msg_manager_type;
  // The stock loggers print every frame.
  typedef websocketpp::log::stub elog_type;
  typedef websocketpp::log::stub alog_type;
  typedef base::rng_type rng_type;
  typedef ConnectionBase connection_base;
  static const bool enable_multithreading = false;
  static const size_t connection_read_buffer_size = kReadBuffer;
  static const long timeout_close_handshake = kCloseTimeoutMs;  // NOLINT(runtime/int)

  struct transport_config : public base::transport_config {
    typedef typename type::concurrency_type concurrency_type;
    typedef typename type::alog_type alog_type;
    typedef typename type::elog_type elog_type;
    typedef typename type::request_type request_type;
    typedef typename type::response_type response_type;
    typedef websocketpp::transport::asio::basic_socket::endpoint socket_type;
    static const bool enable_multithreading = false;
  };
  typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;
};

}  // namespace wsyaml::server::internal
