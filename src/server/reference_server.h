// The reference servers that `wsyaml serve` runs and that `builtin:chat` / `builtin:echo`
// targets start in-process: a crocochat room server, an echo server and a chaos server that
// misbehaves on purpose. They listen on loopback only. See docs/chat-protocol.md and
// docs/chaos-server.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wsyaml::server {

/// Which server to run.
enum class Kind {
  kChat,   ///< crocochat rooms at /ws/crocochat/<room>/ (docs/chat-protocol.md)
  kEcho,   ///< returns every message as it came, text or binary, on any path
  kChaos,  ///< misbehaves by path (docs/chaos-server.md)
};

/// Parses "chat", "echo" or "chaos"; false for anything else.
bool ParseKind(const std::string& name, Kind* kind);

/// What a server saw: a snapshot, summed over its worker threads. Frames are WebSocket
/// messages as delivered after reassembly (a fragmented message counts once); bytes are
/// payload bytes, without framing.
struct ServerCounts {
  uint64_t connections = 0;  ///< WebSocket connections opened (handshake completed)
  uint64_t open = 0;         ///< connections open at the time of the snapshot
  uint64_t rejected = 0;     ///< upgrade requests answered with an HTTP error status
  uint64_t frames_in = 0;    ///< messages received from clients
  uint64_t frames_out = 0;   ///< messages sent to clients
  uint64_t bytes_in = 0;     ///< payload bytes received
  uint64_t bytes_out = 0;    ///< payload bytes sent
  uint64_t closes = 0;       ///< connections that ended after being open (any cause)
  // chat only:
  uint64_t set_names = 0;    ///< valid SET_NAME events
  uint64_t says = 0;         ///< valid SAY events (each broadcast once to its room)
  uint64_t leaves = 0;       ///< LEAVE events
  uint64_t errors_sent = 0;  ///< ERROR events sent for bad input
  // chaos only:
  uint64_t pings_sent = 0;      ///< pings sent by /ping
  uint64_t pongs_received = 0;  ///< pongs received from clients

  /// Adds every field of `other` (used to merge worker processes).
  ServerCounts& operator+=(const ServerCounts& other);
};

/// The counts as one line of JSON, e.g. {"connections":4,"open":0,...,"says":12,...}.
std::string FormatCounts(const ServerCounts& counts);

/// Expands address ranges for ServerOptions::addresses: "127.0.0.1-127.0.0.8" or
/// "127.0.0.1-8" (IPv4, last octet only) become each address; others are copied. False and
/// `*error` set for a malformed range.
bool ExpandAddressRanges(const std::vector<std::string>& in, std::vector<std::string>* out,
                         std::string* error);

/// How to start a server.
struct ServerOptions {
  Kind kind = Kind::kEcho;
  /// Loopback addresses to listen on, all on the same port (several let a client get past
  /// the ~28k ephemeral ports per destination address). Non-loopback addresses are refused.
  std::vector<std::string> addresses = {"127.0.0.1"};
  uint16_t port = 0;  ///< 0 = ephemeral, chosen by the kernel
  int threads = 1;    ///< I/O threads, each with its own io_context and listening socket(s)
  /// Set SO_REUSEPORT so that several processes can listen on the same port (`--procs`).
  /// Always set when threads > 1, since each thread has its own listening socket.
  bool reuse_port = false;
};

/// A running server. All methods may be called from any thread.
class ReferenceServer {
 public:
  virtual ~ReferenceServer() = default;

  /// Starts listening and serving on `options.threads` new threads; nullptr and `*error`
  /// set (e.g. "listen 127.0.0.1:80: Permission denied") on failure.
  static std::unique_ptr<ReferenceServer> Start(const ServerOptions& options, std::string* error);
  /// Shorthand: listens on 127.0.0.1:port (0 = ephemeral) with `threads` I/O threads.
  static std::unique_ptr<ReferenceServer> Start(Kind kind, uint16_t port, int threads,
                                                std::string* error);

  /// The port actually listened on (the chosen one when 0 was asked for).
  virtual uint16_t port() const = 0;
  /// What the server saw so far.
  virtual ServerCounts Counts() const = 0;
  /// Stops accepting, closes every connection with 1001 and joins the threads (at most a
  /// few seconds even if clients do not answer). Idempotent; also run by the destructor.
  virtual void Stop() = 0;
};

/// A loopback TCP port that refuses connections (the chaos server's "refuse TCP"): a socket
/// bound to 127.0.0.1:<port> but not listening, so a connect gets ECONNREFUSED and no other
/// program can take the port while this object lives.
class ClosedPort {
 public:
  /// Binds an ephemeral port; nullptr and `*error` set on failure.
  static std::unique_ptr<ClosedPort> Open(std::string* error);
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;

  uint16_t port() const { return port_; }

 private:
  ClosedPort(int fd, uint16_t port) : fd_(fd), port_(port) {}
  int fd_;
  uint16_t port_;
};

}  // namespace wsyaml::server
