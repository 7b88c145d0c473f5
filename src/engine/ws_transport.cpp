#include "engine/ws_transport.h"

#include <cstdint>
#include <random>
#include <string>

#include <websocketpp/client.hpp>
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

#include "engine/worker_context.h"

namespace wsyaml::engine {
namespace {

// Masking keys need not be cryptographic (RFC 6455 asks only that they be unpredictable to
// intermediaries); std::random_device per frame is a syscall on the hot path.
class FastRng {
 public:
  FastRng() : state_(std::random_device{}() | 1ULL) {}
  uint32_t operator()() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<uint32_t>(state_ >> 16);
  }

 private:
  uint64_t state_;
};

// A connection lives on one thread: no locks, no logging, a small read buffer, and our own
// timeouts (the engine enforces `timeout`, so websocketpp's are only a backstop).
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
  static const size_t connection_read_buffer_size = 4096;
};

using Client = websocketpp::client<ClientConfig>;
using ConPtr = Client::connection_ptr;

// What the websocketpp handlers reach; the engine's handle clears `listener` when it goes.
struct Link {
  ConnectionListener* listener;
};

std::string MaskSecrets(const std::string& raw) {
  std::string out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find("\r\n", start);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(start, end - start);
    std::string lower = line;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind("authorization:", 0) == 0 || lower.rfind("cookie:", 0) == 0 ||
        lower.rfind("set-cookie:", 0) == 0) {
      line = line.substr(0, line.find(':') + 1) + " ***";
    }
    if (!line.empty()) out += "\n    " + line;
    start = end + 2;
  }
  return out;
}

Failure Classify(const ConPtr& con) {
  std::error_code ec = con->get_ec();
  int status = static_cast<int>(con->get_response_code());
  Failure failure;
  failure.message = ec.message();
  if (status != 0 && status != 101) {
    failure.kind = "handshake " + std::to_string(status);
    failure.http_status = status;
    failure.message = "server answered the upgrade with HTTP " + std::to_string(status) + " " +
                      con->get_response_msg();
  } else if (ec == asio::error::connection_refused) {
    failure.kind = "refused";
    failure.message = "connection refused by " + con->get_host() + ":" +
                      std::to_string(con->get_port());
  } else if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
    failure.kind = "dns";
  } else if (ec == asio::error::timed_out || ec == websocketpp::error::open_handshake_timeout) {
    failure.kind = "timeout";
  } else if (ec == asio::error::no_descriptors) {
    failure.kind = "fd-limit";
    failure.message = "out of file descriptors (the open-files limit, ulimit -n, is reached)";
  } else if (ec == asio::error::address_in_use || ec == std::errc::address_not_available) {
    failure.kind = "ports";
    failure.message = "out of local ports to this target: " + ec.message();
  } else if (ec.category() == websocketpp::processor::error::get_processor_category()) {
    failure.kind = "protocol";
  } else {
    failure.kind = "connect";
  }
  return failure;
}

class WsConnection : public Connection {
 public:
  WsConnection(ConPtr con, std::shared_ptr<Link> link) : con_(std::move(con)), link_(std::move(link)) {}
  ~WsConnection() override {
    link_->listener = nullptr;
    if (!con_) return;
    std::error_code ec;
    auto state = con_->get_state();
    if (state == websocketpp::session::state::open) {
      con_->close(websocketpp::close::status::going_away, "", ec);
    } else if (state == websocketpp::session::state::connecting) {
      con_->terminate(websocketpp::error::make_error_code(websocketpp::error::general));
    }
  }

  bool Send(std::string_view payload, bool binary, std::string* error) override {
    if (!con_) return false;
    std::error_code ec = con_->send(payload.data(), payload.size(),
                                    binary ? websocketpp::frame::opcode::binary
                                           : websocketpp::frame::opcode::text);
    if (ec && error) *error = ec.message();
    return !ec;
  }

  void Close(int code, const std::string& reason) override {
    if (!con_) return;
    std::error_code ec;
    con_->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
  }

  void Ping(std::string_view payload) override {
    if (!con_) return;
    std::error_code ec;
    con_->ping(std::string(payload), ec);
  }

 private:
  ConPtr con_;
  std::shared_ptr<Link> link_;
};

class WsTransport : public Transport {
 public:
  explicit WsTransport(asio::io_context& io) : io_(io) {
    std::error_code ec;
    client_.init_asio(&io, ec);
  }

  std::unique_ptr<Connection> Connect(const ConnectRequest& request,
                                      ConnectionListener* listener) override {
    auto link = std::make_shared<Link>(Link{listener});
    std::error_code ec;
    ConPtr con = client_.get_connection(request.url, ec);
    if (ec) {
      std::string message = "cannot connect to '" + request.url + "': " + ec.message();
      asio::post(io_, [link, message] {
        if (link->listener) link->listener->OnFail({"connect", message, 0});
      });
      return std::make_unique<WsConnection>(nullptr, link);
    }
    for (const auto& [name, value] : request.headers) con->append_header(name, value);
    for (const auto& protocol : request.subprotocols) con->add_subprotocol(protocol, ec);
    std::string prefix = request.debug_prefix;
    con->set_open_handler([this, link, prefix](websocketpp::connection_hdl hdl) {
      std::error_code ec;
      ConPtr c = client_.get_con_from_hdl(hdl, ec);
      if (ec || !link->listener) return;
      if (!prefix.empty()) {
        Logger::Line(Logger::Level::kDebug, 0, -1,
                     prefix + " handshake request:" + MaskSecrets(c->get_request().raw()));
        Logger::Line(Logger::Level::kDebug, 0, -1,
                     prefix + " handshake response:" + MaskSecrets(c->get_response().raw()));
      }
      link->listener->OnOpen(c->get_subprotocol());
    });
    con->set_message_handler([link](websocketpp::connection_hdl, Client::message_ptr msg) {
      if (!link->listener) return;
      link->listener->OnMessage(msg->get_payload(),
                                msg->get_opcode() == websocketpp::frame::opcode::binary);
    });
    con->set_pong_handler([link](websocketpp::connection_hdl, std::string payload) {
      if (link->listener) link->listener->OnPong(payload);
      return;
    });
    con->set_close_handler([this, link](websocketpp::connection_hdl hdl) {
      std::error_code ec;
      ConPtr c = client_.get_con_from_hdl(hdl, ec);
      if (ec || !link->listener) return;
      int code = c->get_remote_close_code();
      link->listener->OnClose(code, c->get_remote_close_reason(),
                              code != websocketpp::close::status::abnormal_close);
    });
    con->set_fail_handler([this, link](websocketpp::connection_hdl hdl) {
      std::error_code ec;
      ConPtr c = client_.get_con_from_hdl(hdl, ec);
      if (ec || !link->listener) return;
      link->listener->OnFail(Classify(c));
    });
    client_.connect(con);
    return std::make_unique<WsConnection>(con, link);
  }

 private:
  asio::io_context& io_;
  Client client_;
};

}  // namespace

std::unique_ptr<Transport> MakeWebSocketTransport(asio::io_context& io) {
  return std::make_unique<WsTransport>(io);
}

}  // namespace wsyaml::engine
