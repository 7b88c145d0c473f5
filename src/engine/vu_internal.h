// The parts of a Vu shared by vu.cpp, vu_steps.cpp, vu_timers.cpp and vu_conn.cpp. Not for use
// outside the engine.
#pragma once

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "engine/handshake_queue.h"
#include "engine/protocol.h"
#include "engine/vu.h"

namespace wsyaml::engine {

/// A running timer (after/every/sleep/reply timeout); list nodes give it a stable address.
struct Vu::ActiveTimer {
  std::string name;  ///< for cancel; empty = unnamed
  TimerId id = 0;
  int fired = 0;         ///< every: times run so far
  TimePoint deadline{};  ///< the intended time of the next run
};

/// Records one reply: ws_reply_time from `from_intended` (inside every/after, the tick the send
/// was due at) and ws_reply_wire_time from `from_sent` (the send itself), under the same tags.
inline void RecordReplyTimes(metrics::Shard& shard, uint32_t tags,
                             std::chrono::nanoseconds from_intended,
                             std::chrono::nanoseconds from_sent) {
  shard.Record(metrics::MetricId::kWsReplyTime, from_intended, tags);
  shard.Record(metrics::MetricId::kWsReplyWireTime, from_sent, tags);
}

/// A send's non-blocking expectation of a reply.
struct Vu::PendingReply {
  const graph::Reply* reply = nullptr;
  /// A protocol reply (an ack, a RECEIPT, a subscription's first `next`): settled by
  /// ProtocolLink::Replied with this key, not by the matcher. Empty for raw replies.
  std::string key;
  std::string sent;  ///< the sent message, for ${sent.*}
  bool sent_binary = false;
  TimePoint sent_at{};    ///< intended send time (timer deadline inside every), else the send
  TimePoint sent_wire{};  ///< when the message actually went out
  TimerId timeout = 0;
  uint32_t tags = 0;

  /// The reply arrived at `arrived`: records both of its reply times.
  void Record(metrics::Shard& shard, TimePoint arrived) const {
    RecordReplyTimes(shard, tags, arrived - sent_at, arrived - sent_wire);
  }
};

/// A message kept for a later `expect` (Conn::inbox). Its MessageView points into `text`, so
/// an entry never moves: it lives in a std::list node.
struct InboxMessage {
  InboxMessage(std::string_view payload, bool binary, const ProtocolMeta* protocol_meta,
               TimePoint since, TimePoint arrived)
      : text(payload),
        meta(protocol_meta ? std::make_unique<ProtocolMeta>(*protocol_meta) : nullptr),
        since(since),
        arrived(arrived),
        view(text, binary, meta.get()) {}
  InboxMessage(const InboxMessage&) = delete;
  InboxMessage& operator=(const InboxMessage&) = delete;

  std::string text;
  std::unique_ptr<ProtocolMeta> meta;  ///< null for raw frames
  TimePoint since;    ///< the latest send before it arrived (else the open): ws_reply_time's start
  TimePoint arrived;  ///< when it arrived
  MessageView view;   ///< over `text`; its parsed JSON is kept across expects
};

/// A step list being executed, which may wait (main steps, a connection's program).
struct Vu::Fiber {
  struct Frame {
    const graph::StepList* steps = nullptr;
    size_t pc = 0;
    const graph::Repeat* repeat = nullptr;  ///< set when this frame is a repeat body
    int remaining = 0;                      ///< repeat: runs left after this one
    TimePoint until{};                      ///< repeat for: stop when passed
  };
  enum class Wait { kNone, kConnect, kSleep, kExpect, kWaitClose };

  Conn* conn = nullptr;  ///< the current connection of the steps
  std::vector<Frame> stack;
  Wait wait = Wait::kNone;
  TimerId wait_timer = 0;
  int pending_connects = 0;
  const graph::Expect* expect = nullptr;
  TimePoint expect_since{};
  bool wait_all = false;
  bool can_wait = true;  ///< false for handler bodies: they run to completion
  const MessageView* msg = nullptr;
  TimePoint intended{};  ///< the deadline of the timer running this body, if any

  bool done() const { return stack.empty() && wait == Wait::kNone; }
};

/// One direction's counters (ws_msgs_sent, ws_payload_sent and data_sent, or the received
/// ones) under one connection's tags: resolved on the first sample, so a series still appears
/// only with its first sample, then added to without a map lookup. ws_payload_* count only with
/// `deflate` (their ratio to data_* means nothing on uncompressed connections).
struct MessageCounters {
  metrics::Series* msgs = nullptr;
  metrics::Series* payload = nullptr;
  metrics::Series* wire = nullptr;

  /// One raw message of `size` payload bytes.
  void Count(metrics::Shard& shard, metrics::MetricId msgs_id, metrics::MetricId payload_id,
             uint32_t tags, size_t size, bool deflate) {
    CountMessage(shard, msgs_id, tags);
    CountPayload(shard, payload_id, tags, size, deflate);
  }
  /// One application message of a protocol (its frames count their payloads apart).
  void CountMessage(metrics::Shard& shard, metrics::MetricId msgs_id, uint32_t tags) {
    if (!msgs) msgs = shard.Resolve(msgs_id, tags);
    metrics::Shard::Add(msgs, 1);
  }
  /// The uncompressed payload of one frame (of a protocol: heart-beats and handshakes too).
  void CountPayload(metrics::Shard& shard, metrics::MetricId payload_id, uint32_t tags, size_t size,
                    bool deflate) {
    if (!deflate) return;
    if (!payload) payload = shard.Resolve(payload_id, tags);
    metrics::Shard::Add(payload, static_cast<double>(size));
  }
  /// `bytes` went over the wire (data_sent or data_received).
  void CountWire(metrics::Shard& shard, metrics::MetricId wire_id, uint32_t tags, size_t bytes) {
    if (!wire) wire = shard.Resolve(wire_id, tags);
    metrics::Shard::Add(wire, static_cast<double>(bytes));
  }
};

/// One WebSocket of a VU, from connecting to closed. As the ProtocolLink of its session, it
/// carries a protocol's frames and messages to the VU (vu_protocol.cpp).
struct Vu::Conn : ConnectionListener, ProtocolLink {
  enum class State { kIdle, kConnecting, kOpen, kClosing, kClosed };
  struct Handler {
    const graph::OnMessage* on_message = nullptr;
    const graph::OnEvent* on_event = nullptr;
    bool active = true;
  };

  Conn(Vu* vu, const graph::Connect* spec, int index) : vu(vu), spec(spec), index(index) {}
  ~Conn() override { vu->ctx_.handshakes.Leave(handshake, *vu->ctx_.scheduler); }
  void OnOpen(const std::string& subprotocol) override {
    protocol = subprotocol;
    vu->HandleOpen(*this);
  }
  void OnTlsHandshake(std::chrono::nanoseconds duration) override {
    vu->ctx_.shard->Record(metrics::MetricId::kWsTlsHandshaking, duration, tags);
  }
  void OnMessage(std::string_view payload, bool binary) override {
    vu->HandleFrame(*this, payload, binary);
  }
  void OnDeflate() override { deflate = true; }
  void OnWireBytes(size_t sent, size_t received) override {
    if (sent) sent_counters.CountWire(*vu->ctx_.shard, metrics::MetricId::kDataSent, tags, sent);
    if (received) {
      received_counters.CountWire(*vu->ctx_.shard, metrics::MetricId::kDataReceived, tags,
                                  received);
    }
  }
  void OnPong(std::string_view payload) override;
  void OnClose(int code, const std::string& reason, bool clean) override {
    vu->HandleClose(*this, code, reason, clean);
  }
  void OnFail(const Failure& failure) override { vu->HandleFail(*this, failure); }

  void SendFrame(std::string_view frame, bool binary) override;
  void Ready() override { vu->ConnReady(*this); }
  void Deliver(const AppMessage& message) override {
    vu->HandleMessage(*this, message.payload, message.binary, &message.meta);
  }
  void Replied(std::string_view key) override;
  void ReplyFailed(std::string_view key, std::string_view why) override;
  void ProtocolError(std::string_view message, bool close) override;
  std::chrono::steady_clock::time_point Now() const override { return vu->ctx_.scheduler->Now(); }
  void RecordNextInterval(std::string_view name, std::chrono::nanoseconds interval) override;

  Vu* vu;
  const graph::Connect* spec;
  int index;  ///< ${conn}
  State state = State::kIdle;
  int reconnects = 0;
  std::unique_ptr<Connection> socket;
  std::string url;       ///< the URL connected to (rendered, joined with the target)
  std::string protocol;  ///< the negotiated subprotocol
  /// The connect's `protocol`, once the WebSocket opened; null for raw connections.
  std::unique_ptr<ProtocolSession> session;
  bool ready = false;  ///< open for steps: at the open, or when the protocol's handshake is done
  /// The session reported a protocol error and closed: the transport's report of that close
  /// (we closed with 1002) is the same error, not a second one.
  bool protocol_failed = false;
  TimePoint last_frame_at{};  ///< protocol connections: for heart-beat checks
  /// Subscriptions started on this connection: name -> tags of their samples.
  std::vector<std::pair<std::string, uint32_t>> subscription_tags;
  bool deflate = false;         ///< permessage-deflate negotiated on the current socket
  TimePoint connect_started{};  ///< when the handshake started (after any wait for a slot)
  HandshakeQueue::Ticket handshake;
  TimePoint opened_at{};
  TimePoint last_send{};  ///< for the reply times of expect
  TimerId connect_timeout = 0;
  uint32_t tags = 0;
  MessageCounters sent_counters;      ///< under `tags`; cleared when OpenConn sets them
  MessageCounters received_counters;  ///< under `tags`; cleared when OpenConn sets them
  std::vector<Handler> handlers;
  std::list<ActiveTimer> timers;
  std::list<PendingReply> replies;
  /// Pings awaiting their pong: send time and the tags of the ws_ping sample.
  std::vector<std::pair<TimePoint, uint32_t>> pings;
  /// Connect vars (parallel to spec->vars): this connection's values while not bound, the
  /// values they shadow while bound (Vu::Bind swaps them with the VU's slots; mutable because
  /// binding is part of building a context, which takes the connection as const).
  mutable std::vector<nlohmann::json> vars;
  std::unique_ptr<Fiber> program;  ///< the connection's own steps (asynchronous connect)
  std::vector<Fiber*> waiters;     ///< fibers waiting on this connection
  /// Messages no expect has taken yet, oldest first, at most spec->inbox; kept only when
  /// spec->keeps_inbox (an expect may run on this connection), emptied on (re)connect.
  std::list<InboxMessage> inbox;
};

}  // namespace wsyaml::engine
