#include "engine/handshake_queue.h"

#include <utility>

namespace wsyaml::engine {

void HandshakeQueue::Enter(Ticket& ticket, std::function<void()> start) {
  if (in_flight_ < limit_ && waiting_.empty()) {
    ticket.state_ = Ticket::State::kHolding;
    ++in_flight_;
    start();
    return;
  }
  ticket.state_ = Ticket::State::kWaiting;
  ticket.place_ = waiting_.insert(waiting_.end(), {&ticket, std::move(start)});
}

void HandshakeQueue::Leave(Ticket& ticket, Scheduler& scheduler) {
  if (ticket.state_ == Ticket::State::kWaiting) {
    waiting_.erase(ticket.place_);
  } else if (ticket.state_ == Ticket::State::kHolding) {
    --in_flight_;
    if (!waiting_.empty() && !pump_scheduled_) {
      pump_scheduled_ = true;
      scheduler.Schedule(scheduler.Now(), [this] {
        pump_scheduled_ = false;
        StartWaiting();
      });
    }
  }
  ticket.state_ = Ticket::State::kNone;
}

void HandshakeQueue::StartWaiting() {
  while (in_flight_ < limit_ && !waiting_.empty()) {
    auto [ticket, start] = std::move(waiting_.front());
    waiting_.pop_front();
    ticket->state_ = Ticket::State::kHolding;
    ++in_flight_;
    start();
  }
}

}  // namespace wsyaml::engine
