// The narrow seam between the engine and the network: one WebSocket, its events, and a
// factory. ws_transport.cpp implements it with websocketpp; tests use a fake.
// Threading: a Transport and its Connections live on one worker thread; every listener
// callback runs on that thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace wsyaml::engine {

/// Why a connection could not be opened, or failed after opening.
struct Failure {
  std::string kind;     ///< "refused", "dns", "tls", "handshake 404", "timeout", "protocol", ...
  std::string message;  ///< human-readable detail
  int http_status = 0;  ///< status of a refused upgrade, else 0
};

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
  bool deflate = false;
  size_t max_message_size = 0;  ///< 0 = the library default
  std::string debug_prefix;     ///< non-empty = print handshake details with this prefix
  const std::vector<std::string>* secrets = nullptr;  ///< values masked in those details
};

/// One open (or opening) WebSocket. Destroying it detaches the listener and drops the socket.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Sends one message; returns false (with `error`) when the connection cannot send.
  virtual bool Send(std::string_view payload, bool binary, std::string* error) = 0;
  /// Starts the closing handshake.
  virtual void Close(int code, const std::string& reason) = 0;
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
