// The narrow seam between the engine and the network: one WebSocket, its events, and a
// factory. ws_transport.cpp implements it with websocketpp; tests use a fake.
// Threading: a Transport and its Connections live on one worker thread; every listener
// callback runs on that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace wsyaml::engine {

/// What went wrong on a connection: the `kind` of ws_errors. ErrorKindName gives the name
/// users see in the summary, result files and the `kind` tag.
enum class ErrorKind : uint8_t {
  kConnect,           ///< "connect": could not start connecting (bad URL, other socket errors)
  kRefused,           ///< "refused": TCP connection refused
  kDns,               ///< "dns": the host name did not resolve
  kTls,               ///< "tls": TLS setup or handshake failed (certificate, CA file, ...)
  kHandshake,         ///< "handshake": upgrade refused (status in http_status) or no subprotocol
  kTimeout,           ///< "timeout": no handshake within the connect timeout
  kProtocol,          ///< "protocol": the server broke RFC 6455 (bad frame, UTF-8, too big)
  kFdLimit,           ///< "fd-limit": out of file descriptors
  kPorts,             ///< "ports": out of local ports to the target
  kClosedAbnormally,  ///< "closed-abnormally": closed without a close frame (1006)
  kSend,              ///< "send": a send on a connection that cannot send
  kBackpressure,      ///< "backpressure": a send refused because the server is not reading
  kExpression,        ///< "expression": a ${...} failed at run time (a field of the wrong type)
  kInboxOverflow,     ///< "inbox-overflow": a connection's inbox for expect was full
};

/// The user-visible name of `kind` ("closed-abnormally").
constexpr const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kRefused:
      return "refused";
    case ErrorKind::kDns:
      return "dns";
    case ErrorKind::kTls:
      return "tls";
    case ErrorKind::kHandshake:
      return "handshake";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kProtocol:
      return "protocol";
    case ErrorKind::kFdLimit:
      return "fd-limit";
    case ErrorKind::kPorts:
      return "ports";
    case ErrorKind::kClosedAbnormally:
      return "closed-abnormally";
    case ErrorKind::kSend:
      return "send";
    case ErrorKind::kBackpressure:
      return "backpressure";
    case ErrorKind::kExpression:
      return "expression";
    case ErrorKind::kInboxOverflow:
      return "inbox-overflow";
  }
  return "unknown";
}

/// Why a connection could not be opened, failed after opening, or could not send.
struct Failure {
  ErrorKind kind = ErrorKind::kConnect;
  std::string message;  ///< human-readable detail
  int http_status = 0;  ///< kHandshake: status of a refused upgrade, else 0
};

/// The outcome of Connection::Send: empty when the message was queued, else why not
/// (kind kBackpressure or kSend).
using SendResult = std::optional<Failure>;

/// Events of one connection. Called on the connection's worker thread.
class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  /// The handshake completed; `subprotocol` is the negotiated one (may be empty).
  virtual void OnOpen(const std::string& subprotocol) = 0;
  /// The TLS handshake of a wss:// connection took `duration` (before OnOpen).
  virtual void OnTlsHandshake(std::chrono::nanoseconds duration) { (void)duration; }
  /// A whole message arrived (fragments are already reassembled).
  virtual void OnMessage(std::string_view payload, bool binary) = 0;
  /// permessage-deflate was negotiated (before OnOpen).
  virtual void OnDeflate() {}
  /// Bytes were written to (`sent`) or read from (`received`) the connection's socket: the
  /// upgrade, frame headers, control frames, compressed payloads; a read before the events it
  /// carries (OnOpen, OnMessage, OnClose), a write once it completed.
  virtual void OnWireBytes(size_t sent, size_t received) {
    (void)sent;
    (void)received;
  }
  /// A pong arrived for a ping we sent.
  virtual void OnPong(std::string_view payload) = 0;
  /// The connection closed after it was open. `clean` = a close frame was received.
  virtual void OnClose(int code, const std::string& reason, bool clean) = 0;
  /// The connection could not be opened, or failed with a protocol error (then OnClose follows
  /// only if it had opened). Not called after OnClose.
  virtual void OnFail(const Failure& failure) = 0;
};

/// What to connect to.
struct ConnectRequest {
  std::string url;  ///< absolute ws:// or wss:// URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> subprotocols;
  std::chrono::microseconds timeout{std::chrono::seconds(10)};
  const graph::TlsOptions* tls = nullptr;  ///< may be null
  size_t max_message_size = 0;             ///< 0 = the library default
  bool compression = false;                ///< offer permessage-deflate (RFC 7692)
  std::string debug_prefix;                ///< non-empty = print handshake details with this prefix
  const std::vector<std::string>* secrets = nullptr;  ///< values masked in those details
};

/// One open (or opening) WebSocket. Destroying it detaches the listener and drops the socket.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Sends one message; returns the failure when the connection cannot send.
  virtual SendResult Send(std::string_view payload, bool binary) = 0;
  /// Starts the closing handshake.
  virtual void Close(int code, const std::string& reason) = 0;
  /// Starts the closing handshake at the run's end, where the engine's close wait bounds how
  /// long it may take (rather than the transport's own close timeout).
  virtual void CloseAtEnd(int code, const std::string& reason) { Close(code, reason); }
  /// Sends a ping.
  virtual void Ping(std::string_view payload) = 0;
};

/// Makes connections on one worker thread.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Starts connecting; events go to `listener`, which must outlive the returned Connection.
  virtual std::unique_ptr<Connection> Connect(const ConnectRequest& request,
                                              ConnectionListener* listener) = 0;
};

}  // namespace wsyaml::engine
