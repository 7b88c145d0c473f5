#include "engine/ws_transport.h"

#include <cctype>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <unordered_map>

#include "engine/worker_context.h"
#include "engine/ws_client_config.h"

namespace wsyaml::engine {
namespace {

using ws_client::PlainClient;
using ws_client::t_local_address;
using ws_client::TlsClient;
using SslContext = asio::ssl::context;

// Bytes a connection may have queued for sending before further sends are refused.
constexpr size_t kMaxQueuedBytes = 8 << 20;
// A closing handshake at the run's end may take this long: more than the coordinator's close
// wait, which drops what is left (at most 30 s after the close frames are written).
constexpr long kCloseAtEndTimeoutMs = 60000;  // NOLINT(runtime/int): websocketpp's type

// What the websocketpp handlers reach; the engine's handle clears `listener` when it goes.
struct Link : ws_client::WireSink {
  void OnWire(size_t sent, size_t received) override {
    if (listener) listener->OnWireBytes(sent, received);
  }

  ConnectionListener* listener = nullptr;
  ws_client::DeflateExtension* deflate = nullptr;  ///< set at open when negotiated
  std::string deflate_error;  ///< why the server's permessage-deflate answer was refused
};

// Why an upgrade answer cannot be used (null when it can): the server chose none of the
// `offered` subprotocols, or accepted an extension that was not offered.
const char* RefusedAnswer(const std::string& protocol, const std::vector<std::string>& offered,
                          bool unoffered_deflate) {
  if (!offered.empty() && std::find(offered.begin(), offered.end(), protocol) == offered.end())
    return "the server accepted none of the offered subprotocols";
  if (unoffered_deflate)
    return "the server answered permessage-deflate, which was not offered (RFC 7692 section 5)";
  return nullptr;
}

std::string MaskCredentialHeaders(const std::string& raw) {
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

// Which part of a 101 response websocketpp found wanting (it says only "A required HTTP
// header is missing").
template <typename ConPtr>
std::string MissingHandshakeHeader(const ConPtr& con) {
  auto has = [](const std::string& value, const char* token) {
    std::string lower = value;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return lower.find(token) != std::string::npos;
  };
  const auto& response = con->get_response();
  if (!has(response.get_header("Upgrade"), "websocket"))
    return "the server's 101 response has no 'Upgrade: websocket' header";
  if (!has(response.get_header("Connection"), "upgrade"))
    return "the server's 101 response has no 'Connection: Upgrade' header";
  return "the server's Sec-WebSocket-Accept '" + response.get_header("Sec-WebSocket-Accept") +
         "' does not answer the key sent (RFC 6455 section 4.2.2)";
}

template <typename ConPtr>
Failure Classify(const ConPtr& con, const std::string& tls_detail) {
  std::error_code ec = con->get_ec();
  int status = static_cast<int>(con->get_response_code());
  Failure failure;
  failure.message = ec.message();
  if (status != 0 && status != 101) {
    failure.kind = ErrorKind::kHandshake;
    failure.http_status = status;
    failure.message = "server answered the upgrade with HTTP " + std::to_string(status) + " " +
                      con->get_response_msg();
  } else if (ec == asio::error::connection_refused) {
    failure.kind = ErrorKind::kRefused;
    failure.message =
        "connection refused by " + con->get_host() + ":" + std::to_string(con->get_port());
  } else if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again) {
    failure.kind = ErrorKind::kDns;
  } else if (ec == asio::error::timed_out || ec == websocketpp::error::open_handshake_timeout) {
    failure.kind = ErrorKind::kTimeout;
  } else if (ec == asio::error::no_descriptors) {
    failure.kind = ErrorKind::kFdLimit;
    failure.message = "out of file descriptors (the open-files limit, ulimit -n, is reached)";
  } else if (ec == asio::error::address_in_use || ec == std::errc::address_not_available) {
    failure.kind = ErrorKind::kPorts;
    failure.message = "out of local ports to this target: " + ec.message();
  } else if (ec.category() == asio::error::get_ssl_category() ||
             ec.category() == websocketpp::transport::asio::socket::get_socket_category() ||
             ec == websocketpp::transport::error::tls_error) {
    failure.kind = ErrorKind::kTls;
    failure.message = "TLS handshake failed: " + (tls_detail.empty() ? ec.message() : tls_detail);
  } else if (ec == websocketpp::processor::error::missing_required_header) {
    failure.kind = ErrorKind::kHandshake;
    failure.message = MissingHandshakeHeader(con);
  } else if (ec == websocketpp::error::general) {
    // websocketpp's HTTP parser threw (before or after the status line): the response is not
    // HTTP or its headers never end.
    failure.kind = ErrorKind::kHandshake;
    failure.message = "the server's upgrade response is not valid HTTP, or its headers exceed " +
                      std::to_string(websocketpp::http::max_header_size) + " bytes";
  } else if (ec.category() == websocketpp::processor::error::get_processor_category()) {
    failure.kind = ErrorKind::kProtocol;
  } else {
    failure.kind = ErrorKind::kConnect;
  }
  return failure;
}

// Tells `link`'s listener how an open connection closed.
template <typename ConPtr>
void ReportClose(const ConPtr& c, Link& link) {
  int code = c->get_remote_close_code();
  int local = c->get_local_close_code();
  // We closed because the server broke the protocol (bad frame, bad UTF-8, too big).
  if (local == websocketpp::close::status::protocol_error ||
      local == websocketpp::close::status::invalid_payload ||
      local == websocketpp::close::status::message_too_big) {
    namespace status = websocketpp::close::status;
    bool bad_code =
        local == status::protocol_error && (status::invalid(static_cast<status::value>(code)) ||
                                            status::reserved(static_cast<status::value>(code)));
    std::string message =
        bad_code ? "the server closed with code " + std::to_string(code) +
                       ", which may not be sent (RFC 6455 section 7.4); answered with 1002"
                 : "closed by wsyaml with " + std::to_string(local) + ": " +
                       c->get_local_close_reason() +
                       (c->get_ec() ? " (" + c->get_ec().message() + ")" : "");
    link.listener->OnFail({ErrorKind::kProtocol, message, 0});
    if (!link.listener) return;
    link.listener->OnClose(code == websocketpp::close::status::abnormal_close ? local : code,
                           c->get_remote_close_reason(), true);
    return;
  }
  link.listener->OnClose(code, c->get_remote_close_reason(),
                         code != websocketpp::close::status::abnormal_close);
}

template <typename ConPtr>
class WsConnection : public Connection {
 public:
  WsConnection(ConPtr con, std::shared_ptr<Link> link)
      : con_(std::move(con)), link_(std::move(link)) {}
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

  SendResult Send(std::string_view payload, bool binary) override {
    if (!con_) return Failure{ErrorKind::kSend, "the connection never started", 0};
    // A server that stops reading must not make the client queue without bound.
    if (con_->get_buffered_amount() > kMaxQueuedBytes) {
      return Failure{ErrorKind::kBackpressure,
                     "backpressure: " + std::to_string(con_->get_buffered_amount()) +
                         " bytes already queued, the server is not reading; message dropped",
                     0};
    }
    auto op = binary ? websocketpp::frame::opcode::binary : websocketpp::frame::opcode::text;
    // Only the std::string overload marks a message for compression.
    std::error_code ec = link_->deflate ? con_->send(std::string(payload), op)
                                        : con_->send(payload.data(), payload.size(), op);
    if (ec) return Failure{ErrorKind::kSend, ec.message(), 0};
    return std::nullopt;
  }

  void Close(int code, const std::string& reason) override {
    if (!con_) return;
    std::error_code ec;
    con_->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
  }

  void CloseAtEnd(int code, const std::string& reason) override {
    if (!con_) return;
    // websocketpp's 5 s per socket would turn slow but healthy closes into 1006: a busy
    // server answering 100k closes at once takes longer. The coordinator's wait decides.
    con_->set_close_handshake_timeout(kCloseAtEndTimeoutMs);
    Close(code, reason);
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

// Per-connection TLS facts that websocketpp's endpoint-wide handlers look up.
struct TlsSession {
  std::shared_ptr<SslContext> context;
  std::string verify_host;  ///< the name the certificate must carry; empty = no check
  std::string detail;       ///< why verification failed, for the error message
};

class WsTransport : public Transport {
 public:
  WsTransport(asio::io_context& io, const std::vector<std::string>& local_addresses) : io_(io) {
    for (const std::string& text : local_addresses) {
      std::error_code ec;
      asio::ip::address address = asio::ip::make_address(text, ec);
      if (!ec) local_addresses_.push_back(address);
    }
    std::error_code ec;
    plain_.init_asio(&io, ec);
    tls_.init_asio(&io, ec);
    tls_.set_tls_init_handler([this](websocketpp::connection_hdl hdl) {
      std::shared_ptr<TlsSession> session = Session(hdl);
      return session ? session->context : std::make_shared<SslContext>(SslContext::tls_client);
    });
    plain_.set_socket_init_handler(
        [this](websocketpp::connection_hdl, asio::ip::tcp::socket& socket) { OpenEarly(socket); });
    tls_.set_socket_init_handler(
        [this](websocketpp::connection_hdl hdl, asio::ssl::stream<asio::ip::tcp::socket>& stream) {
          OpenEarly(stream.next_layer());
          std::shared_ptr<TlsSession> session = Session(hdl);
          if (!session || session->verify_host.empty()) return;
          asio::ssl::host_name_verification verify_name(session->verify_host);
          std::error_code ec;
          stream.set_verify_callback(
              [session, verify_name](bool preverified, asio::ssl::verify_context& ctx) mutable {
                bool ok = verify_name(preverified, ctx);
                if (!ok && session->detail.empty()) {
                  int err = X509_STORE_CTX_get_error(ctx.native_handle());
                  session->detail = err != X509_V_OK
                                        ? X509_verify_cert_error_string(err)
                                        : "certificate does not match " + session->verify_host;
                }
                return ok;
              },
              ec);
        });
  }

  std::unique_ptr<Connection> Connect(const ConnectRequest& request,
                                      ConnectionListener* listener) override {
    if (request.url.rfind("wss://", 0) == 0) return ConnectWith(tls_, request, listener);
    return ConnectWith(plain_, request, listener);
  }

 private:
  template <typename Client>
  std::unique_ptr<Connection> ConnectWith(Client& client, const ConnectRequest& request,
                                          ConnectionListener* listener) {
    using ConPtr = typename Client::connection_ptr;
    auto link = std::make_shared<Link>();
    link->listener = listener;
    std::shared_ptr<TlsSession> session;
    if constexpr (std::is_same_v<Client, TlsClient>) {
      std::string error;
      session = SessionFor(request, &error);
      if (!session) return FailSoon<ConPtr>(link, {ErrorKind::kTls, error, 0});
    }
    // websocketpp calls the TLS handlers from inside get_connection, before `con` exists.
    pending_session_ = session;
    std::error_code ec;
    ConPtr con = client.get_connection(request.url, ec);
    pending_session_ = nullptr;
    if (!ec && socket_error_)
      return FailSoon<ConPtr>(link, {ErrorKind::kFdLimit, TakeSocketError(), 0});
    if (ec) {
      std::string message = "cannot connect to '" + request.url + "': " + ec.message();
      return FailSoon<ConPtr>(link, {ErrorKind::kConnect, message, 0});
    }
    if (session) sessions_[con.get()] = session;
    con->SetWireSink(link);
    for (const auto& [name, value] : request.headers) con->append_header(name, value);
    for (const auto& protocol : request.subprotocols) con->add_subprotocol(protocol, ec);
    if (request.compression)
      con->append_header("Sec-WebSocket-Extensions", PerMessageDeflate::kOffer);
    if (request.max_message_size > 0) con->set_max_message_size(request.max_message_size);
    SetOpenHandler(client, con, link, request);
    SetEventHandlers(client, con, link);
    if constexpr (std::is_same_v<Client, TlsClient>) {
      // TCP is up at pre-init; the TLS handshake is done at post-init.
      auto tcp_up = std::make_shared<std::chrono::steady_clock::time_point>();
      con->set_tcp_pre_init_handler(
          [tcp_up](websocketpp::connection_hdl) { *tcp_up = std::chrono::steady_clock::now(); });
      con->set_tcp_post_init_handler([tcp_up, link](websocketpp::connection_hdl) {
        if (link->listener && *tcp_up != std::chrono::steady_clock::time_point{})
          link->listener->OnTlsHandshake(std::chrono::steady_clock::now() - *tcp_up);
      });
    }
    asio::ip::address local;
    if (!local_addresses_.empty()) {
      local = local_addresses_[next_local_++ % local_addresses_.size()];
      t_local_address = &local;
    }
    client.connect(con);
    t_local_address = nullptr;
    return std::make_unique<WsConnection<ConPtr>>(con, link);
  }

  // Reports `failure` from the event loop (never from inside Connect) and returns a connection
  // that does nothing.
  template <typename ConPtr>
  std::unique_ptr<Connection> FailSoon(const std::shared_ptr<Link>& link, Failure failure) {
    asio::post(io_, [link, failure = std::move(failure)] {
      if (link->listener) link->listener->OnFail(failure);
    });
    return std::make_unique<WsConnection<ConPtr>>(nullptr, link);
  }

  // The TLS facts of a new wss:// connection, or null (with `error`) when its options fail.
  std::shared_ptr<TlsSession> SessionFor(const ConnectRequest& request, std::string* error) {
    auto session = std::make_shared<TlsSession>();
    session->context = ContextFor(request.tls, error);
    if (!session->context) return nullptr;
    bool insecure = request.tls && request.tls->insecure;
    if (!insecure) {
      session->verify_host = request.tls && !request.tls->server_name.empty()
                                 ? request.tls->server_name
                                 : websocketpp::uri(request.url).get_host();
    }
    return session;
  }

  // Out of descriptors, Asio would later report the failed socket() as a cancel that
  // websocketpp drops silently; the early open found out now, so say which limit it is.
  std::string TakeSocketError() {
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    std::string message = socket_error_.value() == EMFILE || socket_error_.value() == ENFILE
                              ? "out of file descriptors: the open-files limit (ulimit -n) is " +
                                    std::to_string(limit.rlim_cur) +
                                    "; raise it, or spread the load with --procs"
                              : "cannot open a socket: " + socket_error_.message();
    socket_error_.clear();
    return message;
  }

  template <typename Client>
  void SetOpenHandler(Client& client, const typename Client::connection_ptr& con,
                      const std::shared_ptr<Link>& link, const ConnectRequest& request) {
    std::vector<std::string> secrets =
        request.secrets ? *request.secrets : std::vector<std::string>{};
    con->set_open_handler([this, &client, link, prefix = request.debug_prefix, secrets,
                           offered = request.subprotocols, compression = request.compression,
                           max_size = request.max_message_size](websocketpp::connection_hdl hdl) {
      ws_client::DeflateExtension* deflate = std::exchange(ws_client::t_negotiated, nullptr);
      std::error_code ec;
      typename Client::connection_ptr c = client.get_con_from_hdl(hdl, ec);
      if (ec) return;
      sessions_.erase(c.get());
      if (!link->listener) return;
      // websocketpp opens even when negotiation failed, after or before calling the fail
      // handler (which may have taken the extension).
      if (!link->deflate_error.empty()) return;
      if (deflate && !deflate->error().empty()) {
        link->deflate_error = deflate->error();
        return;
      }
      if (!prefix.empty()) {
        Logger::Line(Logger::Level::kDebug, 0, -1,
                     prefix + " handshake request:" +
                         MaskSecrets(MaskCredentialHeaders(c->get_request().raw()), secrets));
        Logger::Line(Logger::Level::kDebug, 0, -1,
                     prefix + " handshake response:" +
                         MaskSecrets(MaskCredentialHeaders(c->get_response().raw()), secrets));
      }
      // websocketpp fills get_subprotocol() only on servers: read the response instead.
      std::string protocol = c->get_response_header("Sec-WebSocket-Protocol");
      if (const char* refused = RefusedAnswer(protocol, offered, deflate && !compression)) {
        link->listener->OnFail({ErrorKind::kHandshake, refused, 0});
        std::error_code close_ec;
        c->close(websocketpp::close::status::protocol_error, "handshake refused", close_ec);
        return;
      }
      link->deflate = deflate;
      if (deflate) {
        deflate->SetMaxSize(max_size);
        link->listener->OnDeflate();
      }
      link->listener->OnOpen(protocol);
    });
  }

  // Messages, pongs, close and failure after the connection started.
  template <typename Client>
  void SetEventHandlers(Client& client, const typename Client::connection_ptr& con,
                        const std::shared_ptr<Link>& link) {
    using ConPtr = typename Client::connection_ptr;
    con->set_message_handler([link](websocketpp::connection_hdl, typename Client::message_ptr msg) {
      if (!link->listener) return;
      link->listener->OnMessage(msg->get_payload(),
                                msg->get_opcode() == websocketpp::frame::opcode::binary);
    });
    con->set_pong_handler([link](websocketpp::connection_hdl, std::string payload) {
      if (link->listener) link->listener->OnPong(payload);
    });
    con->set_close_handler([&client, link](websocketpp::connection_hdl hdl) {
      std::error_code ec;
      ConPtr c = client.get_con_from_hdl(hdl, ec);
      if (!ec && link->listener) ReportClose(c, *link);
    });
    con->set_fail_handler([this, &client, link](websocketpp::connection_hdl hdl) {
      // A failed negotiation's terminate() may call this before the open handler.
      ws_client::DeflateExtension* deflate = std::exchange(ws_client::t_negotiated, nullptr);
      if (deflate && !deflate->error().empty()) link->deflate_error = deflate->error();
      std::error_code ec;
      ConPtr c = client.get_con_from_hdl(hdl, ec);
      if (ec) return;
      std::string detail;
      auto it = sessions_.find(c.get());
      if (it != sessions_.end()) {
        detail = it->second->detail;
        sessions_.erase(it);
      }
      if (!link->listener) return;
      if (!link->deflate_error.empty()) {
        link->listener->OnFail(
            {ErrorKind::kHandshake, "permessage-deflate: " + link->deflate_error, 0});
        return;
      }
      link->listener->OnFail(Classify(c, detail));
    });
  }

  // Takes the connection's descriptor now (Asio's connect closes and reopens it, keeping the
  // count), so running out of descriptors shows at Connect instead of vanishing later.
  void OpenEarly(asio::ip::tcp::socket& socket) {
    std::error_code ec;
    socket.open(asio::ip::tcp::v4(), ec);
    if (ec) socket_error_ = ec;
  }

  std::shared_ptr<TlsSession> Session(websocketpp::connection_hdl hdl) {
    if (pending_session_) return pending_session_;
    std::error_code ec;
    auto con = tls_.get_con_from_hdl(hdl, ec);
    if (ec) return nullptr;
    auto it = sessions_.find(con.get());
    return it == sessions_.end() ? nullptr : it->second;
  }

  // Contexts are shared by every connection with the same options (loading CAs is costly).
  std::shared_ptr<SslContext> ContextFor(const graph::TlsOptions* options, std::string* error) {
    auto it = contexts_.find(options);
    if (it != contexts_.end()) return it->second;
    auto context = std::make_shared<SslContext>(SslContext::tls_client);
    std::error_code ec;
    context->set_default_verify_paths(ec);
    bool insecure = options && options->insecure;
    context->set_verify_mode(insecure ? asio::ssl::verify_none : asio::ssl::verify_peer, ec);
    if (options && !options->ca_file.empty() && context->load_verify_file(options->ca_file, ec)) {
      *error = "cannot load CA file '" + options->ca_file + "': " + ec.message();
      return nullptr;
    }
    if (options && !options->cert_file.empty()) {
      if (context->use_certificate_chain_file(options->cert_file, ec)) {
        *error = "cannot load certificate '" + options->cert_file + "': " + ec.message();
        return nullptr;
      }
      const std::string& key = options->key_file.empty() ? options->cert_file : options->key_file;
      if (context->use_private_key_file(key, SslContext::pem, ec)) {
        *error = "cannot load private key '" + key + "': " + ec.message();
        return nullptr;
      }
    }
    contexts_.emplace(options, context);
    return context;
  }

  asio::io_context& io_;
  PlainClient plain_;
  TlsClient tls_;
  std::unordered_map<const void*, std::shared_ptr<TlsSession>> sessions_;
  std::shared_ptr<TlsSession> pending_session_;
  std::error_code socket_error_;                    ///< set by OpenEarly during get_connection
  std::vector<asio::ip::address> local_addresses_;  ///< source addresses, taken in turn
  size_t next_local_ = 0;
  std::unordered_map<const graph::TlsOptions*, std::shared_ptr<SslContext>> contexts_;
};

}  // namespace

std::unique_ptr<Transport> MakeWebSocketTransport(asio::io_context& io,
                                                  const std::vector<std::string>& local_addresses) {
  return std::make_unique<WsTransport>(io, local_addresses);
}

}  // namespace wsyaml::engine
