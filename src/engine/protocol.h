// The protocol seam: a connection's `protocol` (socket.io, stomp, graphql-ws) turns frames into
// application messages and steps into frames. Matchers, expect, on-message, reply timing,
// captures and expressions work on the decoded messages unchanged. A raw connection has no
// ProtocolSession and pays nothing.
// A session is pure: it never touches sockets, timers or metrics itself, only its ProtocolLink,
// so each protocol is tested on byte vectors alone (tests/engine/protocols/).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/graph.h"

namespace wsyaml::engine {

/// What a protocol adds to a message beyond its payload text.
struct ProtocolMeta {
  /// socket.io: the event name; graphql-ws: the subscription's name; stomp: empty (a body's
  /// own `event` field stays reachable). `event:` / `subscription:` matchers and
  /// ${msg.event} read it when set.
  std::string event;
  /// stomp: the frame's headers in order (`headers:` matchers, ${msg.headers.NAME}).
  std::vector<std::pair<std::string, std::string>> headers;
  /// socket.io: every argument as one JSON array (${args[i]}); empty for other protocols.
  std::string args_json;
  /// What `ack`/`nack` steps need to acknowledge this message (stomp: its `ack` header).
  std::string ack_id;
  /// Binary attachments that came with the message (socket.io): ${msg.attachments}.
  int attachments = 0;
};

/// A decoded application message.
struct AppMessage {
  /// What text matchers, `json` and ${msg} see: socket.io the first argument (JSON), stomp
  /// the body, graphql-ws the `payload` of a `next`.
  std::string payload;
  bool binary = false;
  ProtocolMeta meta;
};

/// A step, rendered, for the session to encode. Only the fields of `kind` are set.
struct ProtocolCommand {
  enum class Kind { kSend, kEmit, kSubscribe, kUnsubscribe, kAck, kNack };
  Kind kind = Kind::kSend;
  std::string event;              ///< emit: the event name
  std::vector<std::string> args;  ///< emit: each argument as compact JSON (binary: raw bytes)
  std::vector<bool> args_binary;  ///< emit: parallel to args
  std::string body;               ///< send: the body text
  bool binary = false;            ///< send: a binary body
  bool json = false;              ///< send: the body came from `json:` (STOMP's content-type)
  std::string destination;        ///< stomp send/subscribe
  std::vector<std::pair<std::string, std::string>> headers;  ///< stomp: extra headers
  std::string id;  ///< subscribe/unsubscribe: stomp id or graphql-ws name
  graph::Subscribe::AckMode ack_mode = graph::Subscribe::AckMode::kAuto;
  std::string query;           ///< graphql-ws
  std::string variables;       ///< graphql-ws: JSON object text, empty = none
  std::string operation_name;  ///< graphql-ws
  std::string ack_id;          ///< ack/nack: ProtocolMeta::ack_id of the message acknowledged
  /// emit with `ack`, send with `receipt`, graphql-ws subscribe: a reply is awaited.
  bool wants_reply = false;
};

/// What a session may do to its connection; implemented by the engine.
class ProtocolLink {
 public:
  virtual ~ProtocolLink() = default;
  /// Puts a frame on the wire (handshakes, heart-beats, automatic replies, encoded steps).
  virtual void SendFrame(std::string_view frame, bool binary) = 0;
  /// The protocol's handshake is done: the connection is open for its steps.
  virtual void Ready() = 0;
  /// An application message arrived.
  virtual void Deliver(const AppMessage& message) = 0;
  /// The reply awaited under `key` (see ProtocolSession::Encode) arrived: an ack, a RECEIPT,
  /// a subscription's first `next`.
  virtual void Replied(std::string_view key) = 0;
  /// The reply under `key` will never come (a graphql-ws `error` for a subscription): the
  /// check fails with `why`.
  virtual void ReplyFailed(std::string_view key, std::string_view why) = 0;
  /// The server broke the protocol or reported an error (STOMP ERROR, connect_error, a
  /// malformed packet): counted as ws_errors{kind:protocol}. `close` = the connection is
  /// unusable and is closed.
  virtual void ProtocolError(std::string_view message, bool close) = 0;
  /// The engine's clock (the manual clock in tests): for protocol timings and heart-beats.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  /// graphql-ws: the time between two successive `next`s of subscription `name`
  /// (ws_next_interval{name}).
  virtual void RecordNextInterval(std::string_view name, std::chrono::nanoseconds interval) = 0;
};

/// One connection's protocol state. Lives on the connection's worker thread.
class ProtocolSession {
 public:
  virtual ~ProtocolSession() = default;
  /// The WebSocket opened: send what starts the protocol (CONNECT, connection_init...). The
  /// session calls link.Ready() when its handshake completes (at once, if it has none).
  virtual void Start(ProtocolLink& link) = 0;
  /// A frame arrived: decode it into zero or more Deliver calls, answer pings, and so on.
  virtual void OnFrame(std::string_view frame, bool binary, ProtocolLink& link) = 0;
  /// Encodes a step into frames sent through `link`. Returns the key under which the
  /// awaited reply will be reported (when command.wants_reply), or an error message (in
  /// `error`) when the step cannot be encoded (an unknown subscription, say).
  virtual std::string Encode(const ProtocolCommand& command, ProtocolLink& link,
                             std::string* error) = 0;
  /// How often OnHeartbeat must be called (0 = never): STOMP's negotiated heart-beat.
  virtual std::chrono::microseconds HeartbeatInterval() const { return {}; }
  /// Sends a heart-beat (and checks the server's, reporting a ProtocolError when it stopped).
  virtual void OnHeartbeat(std::chrono::nanoseconds since_last_frame, ProtocolLink& link) {
    (void)since_last_frame;
    (void)link;
  }
  /// The connection is closing by a step: the protocol's goodbye (DISCONNECT...) if any.
  virtual void Stop(ProtocolLink& link) { (void)link; }
  /// The server closed the connection with `code` and `reason` (not called when we closed
  /// first): protocols that report errors as close codes (graphql-ws's 4403 Forbidden...)
  /// report them here through link.ProtocolError(..., false).
  virtual void OnClose(int code, std::string_view reason, ProtocolLink& link) {
    (void)code;
    (void)reason;
    (void)link;
  }
};

/// What a session is made from: the connect's options, rendered for this connection.
struct ProtocolSetup {
  const graph::ProtocolOptions* options = nullptr;
  std::string url_host;      ///< the URL's host: STOMP's default `host` header
  std::string auth;          ///< socket.io: rendered `auth` JSON, empty = none
  std::string login;         ///< stomp
  std::string passcode;      ///< stomp
  std::string host;          ///< stomp: rendered `host`, empty = url_host
  std::string init_payload;  ///< graphql-ws: rendered payload JSON, empty = none
};

/// The session for `setup.options->kind`; null for kRaw (src/engine/protocols/).
std::unique_ptr<ProtocolSession> MakeProtocolSession(const ProtocolSetup& setup);

}  // namespace wsyaml::engine
