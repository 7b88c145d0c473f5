// Caps the WebSocket handshakes in flight on one worker thread. Opening thousands of
// connections at once overflows the server's accept backlog: SYNs are dropped, retried a
// second later and time out. Connections past the cap wait in order and start as earlier
// handshakes finish, which opens them faster than starting them all at once.
#pragma once

#include <cstddef>
#include <functional>
#include <list>

#include "engine/scheduler.h"

namespace wsyaml::engine {

/// Handshake slots of one worker thread. Not thread-safe.
class HandshakeQueue {
 public:
  /// Handshakes in flight per worker thread; enough to keep a loopback server busy.
  static constexpr size_t kDefaultLimit = 256;

  /// One connection's place: waiting for a slot, holding one, or neither.
  class Ticket {
   public:
    bool waiting() const { return state_ == State::kWaiting; }
    bool holding() const { return state_ == State::kHolding; }

   private:
    friend class HandshakeQueue;
    enum class State { kNone, kWaiting, kHolding };
    State state_ = State::kNone;
    std::list<std::pair<Ticket*, std::function<void()>>>::iterator place_;
  };

  explicit HandshakeQueue(size_t limit = kDefaultLimit) : limit_(limit) {}

  /// Runs `start` now when a slot is free, else when one frees up. `ticket` must outlive the
  /// wait and be left with Leave.
  void Enter(Ticket& ticket, std::function<void()> start);
  /// The handshake of `ticket` finished, failed or was given up (waiting or started). Starts
  /// waiting handshakes from a timer due now, so no listener runs inside the caller.
  void Leave(Ticket& ticket, Scheduler& scheduler);

  size_t in_flight() const { return in_flight_; }
  size_t waiting() const { return waiting_.size(); }

 private:
  void StartWaiting();

  size_t limit_;
  size_t in_flight_ = 0;
  std::list<std::pair<Ticket*, std::function<void()>>> waiting_;
  bool pump_scheduled_ = false;
};

}  // namespace wsyaml::engine
