// `protocol: stomp`: STOMP 1.2 over WebSocket (subprotocol v12.stomp). CONNECT/CONNECTED
// with negotiated heart-beats, MESSAGE frames delivered as messages (body = payload, headers
// = meta.headers, `ack` = meta.ack_id), RECEIPTs settling receipts, ERROR as a protocol error.
// A session lives on its connection's worker thread, like every ProtocolSession.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/protocol.h"
#include "engine/protocols/stomp_frame.h"

namespace wsyaml::engine {

/// One STOMP connection's state.
class StompSession final : public ProtocolSession {
 public:
  /// Uses setup.login, passcode, host (else url_host) and options' heart-beat and
  /// handshake settings.
  explicit StompSession(const ProtocolSetup& setup);

  /// Sends CONNECT; link.Ready() follows CONNECTED.
  void Start(ProtocolLink& link) override;
  /// Reads every frame in `frame` (and in what earlier frames left incomplete).
  void OnFrame(std::string_view frame, bool binary, ProtocolLink& link) override;
  /// SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK; the key returned is the `receipt` asked for.
  std::string Encode(const ProtocolCommand& command, ProtocolLink& link,
                     std::string* error) override;
  /// The shorter of the negotiated send and receive heart-beat periods (0: none negotiated).
  std::chrono::microseconds HeartbeatInterval() const override;
  /// Sends an EOL when waiting one more period would leave the server without a frame for
  /// longer than the send period; a protocol error (and the close) when the server was silent
  /// for more than twice its period.
  void OnHeartbeat(std::chrono::nanoseconds since_last_frame, ProtocolLink& link) override;
  /// DISCONNECT with a receipt (the engine closes the socket right after it).
  void Stop(ProtocolLink& link) override;

  /// Largest incomplete frame kept while waiting for its end (bytes); beyond: an error.
  static constexpr size_t kMaxPendingBytes = 64u << 20;

 private:
  // Handles one whole frame; false when the connection cannot go on.
  bool HandleFrame(const stomp::FrameView& frame, bool binary, ProtocolLink& link);
  void HandleConnected(const stomp::FrameView& frame, ProtocolLink& link);
  void HandleError(const stomp::FrameView& frame, ProtocolLink& link);
  // Reads the frames of `data`; returns the bytes consumed, or npos after a fatal error.
  size_t ReadFrames(std::string_view data, bool binary, ProtocolLink& link);
  std::string EncodeSend(const ProtocolCommand& command, std::string* error);
  std::string EncodeSubscribe(const ProtocolCommand& command, std::string* error);
  // Adds a `receipt` header with a fresh id to out_ and returns that id.
  std::string AddReceipt();
  void Send(ProtocolLink& link, bool binary);

  std::string login_;
  std::string passcode_;
  std::string host_;
  std::chrono::milliseconds want_send_;         ///< our heart-beat cx
  std::chrono::milliseconds want_receive_;      ///< our heart-beat cy
  std::chrono::milliseconds send_every_{0};     ///< negotiated: we send at least this often
  std::chrono::milliseconds receive_every_{0};  ///< negotiated: the server does
  std::chrono::steady_clock::time_point last_sent_{};
  bool connected_ = false;
  bool failed_ = false;                     ///< a fatal error was reported: ignore the rest
  uint64_t receipts_ = 0;                   ///< receipt ids handed out
  std::vector<std::string> subscriptions_;  ///< ids of the SUBSCRIBEs not yet unsubscribed
  std::string pending_;                     ///< the start of a frame whose end has not arrived
  std::string out_;                         ///< the frame being written (reused)
  stomp::Headers headers_;  ///< the headers of the frame being read (reused, never shrinks)
  AppMessage message_;      ///< the MESSAGE being delivered (reused)
  std::string error_;
};

}  // namespace wsyaml::engine
