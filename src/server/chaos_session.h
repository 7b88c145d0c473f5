// One connection of the chaos server: just enough of RFC 6455 (handshake, framing) on raw
// Asio to misbehave exactly as the request path asks. Internal to src/server.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/server_internal.h"

namespace wsyaml::server::internal {

/// What the chaos server does with a connection, chosen by its request path.
struct Behaviour {
  enum Mode {
    kEcho,          ///< /echo: a well-behaved echo server (for the VUs that must carry on)
    kStatus,        ///< /status/<code>: answer the upgrade with that HTTP status
    kSlowAccept,    ///< /slow-accept/<ms>: answer the handshake after ms, then echo
    kSilent,        ///< /silent: read the request, never answer, never close
    kClose,         ///< /close[/<code>]: close at once with the code (none: empty close frame)
    kDropAfter,     ///< /drop-after/<n>: echo n messages, then close TCP, no close frame
    kResetAfter,    ///< /reset-after/<n>: echo n messages, then reset TCP (RST)
    kInvalidFrame,  ///< /invalid-frame: send a frame with a reserved opcode
    kInvalidUtf8,   ///< /invalid-utf8: send a text frame that is not UTF-8
    kFlood,         ///< /flood[/<count>[/<bytes>]]: send count messages at once, then echo
    kNoRead,        ///< /no-read: never read after the handshake (backpressure)
    kPing,          ///< /ping[/<ms>]: ping every ms, count pongs, echo messages
    kNotFound,      ///< any other path: HTTP 404 listing the paths
  };
  Mode mode = kNotFound;
  uint64_t number = 0;      ///< the code, ms or n of the path
  uint64_t size = 0;        ///< /flood: bytes per message
  bool has_number = false;  ///< /close: a code was given
};

/// Parses a request target (query ignored) into a behaviour; unknown paths give kNotFound.
Behaviour ParseChaosPath(const std::string& target);

/// The session's view of its server: counters and the registry of live sessions. Touched
/// only on the worker thread that owns the session.
struct ChaosWorkerState {
  AtomicCounts* counts = nullptr;
  /// Called once when a session ends, to drop the server's reference to it.
  std::function<void(class ChaosSession*)> on_end;
};

/// A connection; lives on one worker thread. Kept alive by the worker's registry and by
/// its own pending operations.
class ChaosSession : public std::enable_shared_from_this<ChaosSession> {
 public:
  ChaosSession(asio::ip::tcp::socket socket, ChaosWorkerState* worker);

  /// Reads the upgrade request and takes it from there.
  void Start();
  /// Ends the session at once (server stopping): closes the socket.
  void Abort();

 private:
  void OnRequest(const asio::error_code& ec, size_t bytes);
  void Upgrade();
  void AfterUpgrade();
  void AnswerStatus(int status);
  void Discard();
  void ReadFrameHeader();
  void OnFrameHeader();
  void OnFrame(uint8_t first_byte, std::string payload);
  void OnClose(const std::string& payload);
  void OnMessageDone();
  void SendFrame(uint8_t first_byte, const std::string& payload, bool counts_as_message = false);
  void SendRaw(std::string bytes, std::function<void()> then = nullptr);
  void WriteNext();
  void FloodNext();
  void PingNext();
  void DropTcp(bool reset);
  void CloseAfter(int milliseconds);
  void End();

  asio::ip::tcp::socket socket_;
  ChaosWorkerState* worker_;
  asio::steady_timer timer_;
  asio::streambuf request_;
  Behaviour behaviour_;
  std::string key_;          // Sec-WebSocket-Key of the request
  bool open_ = false;        // handshake answered with 101
  bool close_sent_ = false;  // our close frame is queued
  bool ended_ = false;
  bool draining_ = false;     // sent FIN without a close frame; ignoring input until EOF
  uint64_t messages_in_ = 0;  // complete data messages received
  uint64_t flood_left_ = 0;
  uint64_t ping_number_ = 0;
  std::vector<uint8_t> header_;  // the frame being read: header bytes, then its payload
  std::string payload_;
  std::deque<std::pair<std::string, std::function<void()>>> writes_;
  bool writing_ = false;
};

}  // namespace wsyaml::server::internal
