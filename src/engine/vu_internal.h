// The parts of a Vu shared by vu.cpp, vu_steps.cpp, vu_timers.cpp and vu_conn.cpp. Not for use
// outside the engine.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <vector>

#include "engine/handshake_queue.h"
#include "engine/vu.h"

namespace wsyaml::engine {

/// A running timer (after/every/sleep/reply timeout); list nodes give it a stable address.
struct Vu::ActiveTimer {
  std::string name;  ///< for cancel; empty = unnamed
  TimerId id = 0;
  int fired = 0;         ///< every: times run so far
  TimePoint deadline{};  ///< the intended time of the next run
};

/// A send's non-blocking expectation of a reply.
struct Vu::PendingReply {
  const graph::Reply* reply = nullptr;
  std::string sent;  ///< the sent message, for ${sent.*}
  bool sent_binary = false;
  TimePoint sent_at{};  ///< intended send time (timer deadline inside every), else the send
  TimerId timeout = 0;
  uint32_t tags = 0;
};

/// A message kept for a later `expect` (Conn::inbox). Its MessageView points into `text`, so
/// an entry never moves: it lives in a std::list node.
struct InboxMessage {
  InboxMessage(std::string_view payload, bool binary, TimePoint since, TimePoint arrived)
      : text(payload), since(since), arrived(arrived), view(text, binary) {}
  InboxMessage(const InboxMessage&) = delete;
  InboxMessage& operator=(const InboxMessage&) = delete;

  std::string text;
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

/// One direction's per-message counters (ws_msgs_sent + data_sent, or the received pair) under
/// one connection's tags: resolved on the first message, so a series still appears only with
/// its first sample, then added to without a map lookup.
struct MessageCounters {
  metrics::Series* msgs = nullptr;
  metrics::Series* bytes = nullptr;

  void Count(metrics::Shard& shard, metrics::MetricId msgs_id, metrics::MetricId bytes_id,
             uint32_t tags, size_t size) {
    if (!msgs) {
      msgs = shard.Resolve(msgs_id, tags);
      bytes = shard.Resolve(bytes_id, tags);
    }
    metrics::Shard::Add(msgs, 1);
    metrics::Shard::Add(bytes, static_cast<double>(size));
  }
};

/// One WebSocket of a VU, from connecting to closed.
struct Vu::Conn : ConnectionListener {
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
    vu->HandleMessage(*this, payload, binary);
  }
  void OnPong(std::string_view payload) override;
  void OnClose(int code, const std::string& reason, bool clean) override {
    vu->HandleClose(*this, code, reason, clean);
  }
  void OnFail(const Failure& failure) override { vu->HandleFail(*this, failure); }

  Vu* vu;
  const graph::Connect* spec;
  int index;  ///< ${conn}
  State state = State::kIdle;
  int reconnects = 0;
  std::unique_ptr<Connection> socket;
  std::string protocol;
  TimePoint connect_started{};  ///< when the handshake started (after any wait for a slot)
  HandshakeQueue::Ticket handshake;
  TimePoint opened_at{};
  TimePoint last_send{};  ///< for ws_reply_time of expect
  TimerId connect_timeout = 0;
  uint32_t tags = 0;
  MessageCounters sent_counters;      ///< under `tags`; cleared when OpenConn sets them
  MessageCounters received_counters;  ///< under `tags`; cleared when OpenConn sets them
  std::vector<Handler> handlers;
  std::list<ActiveTimer> timers;
  std::list<PendingReply> replies;
  /// Pings awaiting their pong: send time and the tags of the ws_ping sample.
  std::vector<std::pair<TimePoint, uint32_t>> pings;
  std::unique_ptr<Fiber> program;  ///< the connection's own steps (asynchronous connect)
  std::vector<Fiber*> waiters;     ///< fibers waiting on this connection
  /// Messages no expect has taken yet, oldest first, at most spec->inbox; kept only when
  /// spec->keeps_inbox (an expect may run on this connection), emptied on (re)connect.
  std::list<InboxMessage> inbox;
};

}  // namespace wsyaml::engine
