// The websocketpp client types of the engine's transport: one thread per connection (no
// locks, no logging), cheap masking keys, a small read buffer, and a connect that keeps a
// bind() to a chosen source address. Included only by ws_transport.cpp (the one file of the
// engine that includes websocketpp).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

#include "engine/deflate_extension.h"
#include "engine/fast_rng.h"

namespace wsyaml::engine::ws_client {

using engine::FastRng;

// The address the next connection binds to before connecting (tcpkali's --source-ip); set by
// WsTransport around client.connect(), which reaches async_connect synchronously.
inline thread_local const asio::ip::address* t_local_address = nullptr;

/// Where a connection reports the bytes it wrote to and read from its socket.
class WireSink {
 public:
  virtual ~WireSink() = default;
  /// `sent` bytes were written, `received` bytes read (one of them 0). On the connection's
  /// thread, before websocketpp acts on them (a read's messages, a close).
  virtual void OnWire(size_t sent, size_t received) = 0;
};

// websocketpp's Asio transport connection, counting the bytes written to and read from its
// socket (the stream under the WebSocket: TCP for ws://, the bytes before encryption for
// wss://): the upgrade, frame headers, control frames, compressed payloads. websocketpp
// reaches the socket only through these calls, one read and one write outstanding at a time.
// Each passes on a lambda holding `this` alone, which std::function stores without
// allocating, and parks the library's own handler in a member meanwhile.
template <typename TransportConfig>
class CountingConnection : public websocketpp::transport::asio::connection<TransportConfig> {
  using base = websocketpp::transport::asio::connection<TransportConfig>;
  using read_handler = websocketpp::transport::read_handler;
  using write_handler = websocketpp::transport::write_handler;
  static_assert(!TransportConfig::enable_multithreading, "one read and one write at a time");

 public:
  using base::base;

  /// Where the counts go from now on; null stops counting.
  void SetWireSink(std::shared_ptr<WireSink> sink) { sink_ = std::move(sink); }

 protected:
  void async_read_at_least(size_t num_bytes, char* buf, size_t len, read_handler handler) {
    read_handler_ = std::move(handler);
    base::async_read_at_least(num_bytes, buf, len, [this](const std::error_code& ec, size_t n) {
      // A failed read may still have read some bytes: they were on the wire.
      if (sink_ && n) sink_->OnWire(0, n);
      read_handler handler = std::exchange(read_handler_, nullptr);
      if (handler) handler(ec, n);
    });
  }
  void async_write(const char* buf, size_t len, write_handler handler) {
    write_bytes_ = len;
    write_handler_ = std::move(handler);
    base::async_write(buf, len, [this](const std::error_code& ec) { Wrote(ec); });
  }
  void async_write(const std::vector<websocketpp::transport::buffer>& bufs, write_handler handler) {
    write_bytes_ = 0;
    for (const auto& b : bufs) write_bytes_ += b.len;
    write_handler_ = std::move(handler);
    base::async_write(bufs, [this](const std::error_code& ec) { Wrote(ec); });
  }

 private:
  // asio::async_write completes when every byte is written; a failed write (the connection is
  // lost) reports no count, so its partial bytes are not counted.
  void Wrote(const std::error_code& ec) {
    if (!ec && sink_ && write_bytes_) sink_->OnWire(write_bytes_, 0);
    write_handler handler = std::exchange(write_handler_, nullptr);
    if (handler) handler(ec);
  }

  std::shared_ptr<WireSink> sink_;
  read_handler read_handler_;    ///< the library's handler of the read in progress
  write_handler write_handler_;  ///< the library's handler of the write in progress
  size_t write_bytes_ = 0;       ///< bytes of the write in progress
};

// websocketpp's connect resolves, then lets Asio try each address, closing and reopening the
// socket each time, so a bind() made earlier is lost. A literal IP host is connected directly
// instead (bound first when there is a local address): no resolver, whose getaddrinfo opens a
// netlink socket and, once the open-files limit is reached, could leave a connection waiting
// for its timeout instead of failing at once with fd-limit.
template <typename TransportConfig>
class BindingEndpoint : public websocketpp::transport::asio::endpoint<TransportConfig> {
  using base = websocketpp::transport::asio::endpoint<TransportConfig>;

 public:
  using transport_con_type = CountingConnection<TransportConfig>;
  using transport_con_ptr = typename base::transport_con_ptr;
  using timer_ptr = typename base::timer_ptr;

  void async_connect(transport_con_ptr tcon, websocketpp::uri_ptr uri,
                     websocketpp::transport::connect_handler callback) {
    std::error_code ec;
    asio::ip::address remote = asio::ip::make_address(uri->get_host(), ec);
    if (ec || !tcon->get_proxy().empty()) {
      base::async_connect(tcon, uri, callback);
      return;
    }
    tcon->set_uri(uri);
    auto& socket = tcon->get_raw_socket();
    socket.close(ec);
    socket.open(remote.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
    if (!ec && t_local_address) {
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

class DeflateExtension;
// The extension that negotiate() last enabled on this thread: websocketpp calls the open
// handler right after, on the same stack, which takes it (the processor that holds the
// extension is not reachable from the connection).
inline thread_local DeflateExtension* t_negotiated = nullptr;

// websocketpp's permessage-deflate interface (extensions/permessage_deflate/enabled.hpp) over
// PerMessageDeflate. Every connection's processor holds one: empty (a pointer) unless the
// server accepted our offer. The offer itself is a header that WsTransport adds only to
// connections with `compression: deflate`, so generate_offer says nothing.
class DeflateExtension {
 public:
  using err_str_pair = std::pair<std::error_code, std::string>;

  bool is_implemented() const { return true; }
  bool is_enabled() const { return state_ && state_->error.empty(); }
  std::string generate_offer() const { return {}; }

  err_str_pair negotiate(const websocketpp::http::attribute_list& params) {
    state_ = std::make_unique<State>();
    t_negotiated = this;
    for (const auto& [name, value] : params) {
      if (!state_->deflate.Accept(name, value, &state_->error)) break;
    }
    return {};
  }
  // An invalid answer fails the connection (RFC 7692 section 7.1); websocketpp only does so
  // when init() fails.
  std::error_code init(bool) {
    if (state_->error.empty()) return {};
    return websocketpp::error::make_error_code(websocketpp::error::extension_neg_failed);
  }
  std::error_code compress(const std::string& in, std::string& out) {
    if (!state_->deflate.Compress(in, &out))
      return websocketpp::extensions::error::make_error_code(
          websocketpp::extensions::error::general);
    return {};
  }
  std::error_code decompress(const uint8_t* buf, size_t len, std::string& out) {
    namespace error = websocketpp::processor::error;
    if (!state_->deflate.Inflate(buf, len, &out))
      return error::make_error_code(error::invalid_payload);
    // websocketpp limits the compressed size only; a small frame may inflate a thousandfold.
    if (out.size() > state_->max_size) return error::make_error_code(error::message_too_big);
    return {};
  }
  /// The largest message, inflated (`max-message-size`; 0 keeps the library's default).
  void SetMaxSize(size_t max_size) {
    if (max_size > 0) state_->max_size = max_size;
  }

  /// Why the server's answer was refused; empty when it was accepted.
  const std::string& error() const { return state_->error; }

 private:
  struct State {
    PerMessageDeflate deflate;
    std::string error;  ///< why the server's answer was refused
    size_t max_size = websocketpp::config::core_client::max_message_size;
  };
  std::unique_ptr<State> state_;  ///< null unless the server answered our offer
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
  using permessage_deflate_type = DeflateExtension;

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
