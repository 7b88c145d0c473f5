// A Transport for engine tests: connections open, deliver and close when the test says so,
// always asynchronously through the manual scheduler, as a real socket would.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/scheduler.h"

namespace wsyaml::engine::testing {

/// How the echo server treats one connection (see FakeTransport::StartEcho).
struct EchoPolicy {
  bool accept = true;             ///< false: the handshake never completes (the client times out)
  std::optional<ErrorKind> fail;  ///< set: the connect fails with Fail(i, *fail, fail_status)
  int fail_status = 0;            ///< HTTP status of a refused upgrade (with kHandshake)
  int close_after = -1;           ///< >= 0: after echoing this many messages the server closes...
  int close_code = 4001;          ///< ...with this code and reason
  std::string close_reason = "server done";
  bool clean = true;  ///< false: that close drops the socket without a close frame (1006)
};

/// What the echo server saw, like the built-in echo server's counts.
struct EchoCounts {
  int connections = 0;             ///< handshakes completed
  int frames_in = 0;               ///< messages the clients sent
  int64_t bytes_in = 0;            ///< their payload bytes
  int frames_out = 0;              ///< messages echoed back
  int closes = 0;                  ///< opened connections that ended
  int pings = 0;                   ///< pings received (each answered with a pong)
  std::map<int, int> close_codes;  ///< code of each closing handshake -> count
};

/// What one fake connection saw and can be made to do.
struct FakeSocket {
  ConnectRequest request;
  ConnectionListener* listener = nullptr;
  std::vector<std::string> sent;
  std::vector<int> close_codes;  ///< codes the client asked to close with
  int closes_at_end = 0;         ///< of those, closes at the run's end (CloseAtEnd)
  SendResult send_failure;       ///< when set, every Send fails with it (e.g. backpressure)
  bool destroyed = false;
  bool closed = false;
  // Echo mode only:
  std::vector<bool> sent_binary;           ///< per message of `sent`: was it binary
  std::vector<std::string> close_reasons;  ///< reasons the client closed with
  EchoPolicy policy;                       ///< how the echo server treats it
  int echoed = 0;                          ///< messages echoed back so far
  bool opened = false;                     ///< the handshake completed
  TimePoint connected_at{};                ///< when the client called Connect
  bool compression = false;                ///< the client offered permessage-deflate
};

class FakeTransport : public Transport {
 public:
  explicit FakeTransport(ManualScheduler* scheduler) : scheduler_(scheduler) {}

  /// When true, Connect opens the socket on the next tick; otherwise the test calls Open.
  bool auto_open = true;
  /// When true, Open accepts an offer of permessage-deflate (OnDeflate before OnOpen).
  bool accept_deflate = false;
  /// When true, a client Close is answered by the server's close (code echoed) a tick later.
  bool auto_close = true;

  std::unique_ptr<Connection> Connect(const ConnectRequest& request,
                                      ConnectionListener* listener) override;

  /// Every socket ever made, in order.
  std::vector<std::shared_ptr<FakeSocket>>& sockets() { return sockets_; }

  /// Server-side actions, delivered on the next tick.
  void Open(size_t i);
  void Deliver(size_t i, const std::string& message, bool binary = false);
  void ServerClose(size_t i, int code, bool clean = true);
  void Fail(size_t i, ErrorKind kind, int http_status = 0);

  /// Echo-server mode: every connection opens, each message the client sends comes back
  /// `delay` later, pings get pongs and a client close is answered, all `delay` later on the
  /// manual clock; echo_counts() says what the server saw. `policy` (optional) picks how
  /// each connection is treated. Call before the first Connect.
  void StartEcho(std::chrono::microseconds delay,
                 std::function<EchoPolicy(const ConnectRequest&)> policy = nullptr);
  /// What the echo server saw.
  const EchoCounts& echo_counts() const { return echo_counts_; }

  /// Whether echo mode is on; the Echo* calls below are the fake connections' use.
  bool echoing() const { return echo_; }
  /// Echo-mode reactions to what the client of connection `i` did, each `delay` later.
  void EchoOpen(size_t i);
  void EchoMessage(size_t i, const std::string& payload, bool binary);
  void EchoClose(size_t i, int code, const std::string& reason);
  void EchoPing(size_t i, const std::string& payload);

 private:
  /// The server ends connection `i` now with `code` (a closing handshake when `clean`).
  void EchoEnd(size_t i, int code, const std::string& reason, bool clean);

  ManualScheduler* scheduler_;
  std::vector<std::shared_ptr<FakeSocket>> sockets_;
  bool echo_ = false;
  std::chrono::microseconds echo_delay_{0};
  std::function<EchoPolicy(const ConnectRequest&)> echo_policy_;
  EchoCounts echo_counts_;
};

}  // namespace wsyaml::engine::testing
