#include "engine/asio_scheduler.h"

#include <algorithm>
#include <utility>

namespace wsyaml::engine {

TimerId AsioScheduler::Schedule(TimePoint when, std::function<void()> fn) {
  bool earliest = false;
  TimerId id = queue_.Add(when, std::move(fn), &earliest);
  // While due timers run, their re-arming is settled once afterwards, not per callback.
  if (running_due_) return id;
  TimePoint wake = WakeTimeFor(when);
  if (wake < armed_) Arm(wake);
  return id;
}

void AsioScheduler::Clear() {
  queue_ = TimerQueue();
  timer_.cancel();
  armed_ = TimePoint::max();
}

TimePoint AsioScheduler::WakeTimeFor(TimePoint when) const {
  return when <= Now() ? when : std::max(when, last_wake_ + kBatchWindow);
}

void AsioScheduler::Arm(TimePoint when) {
  armed_ = when;
  timer_.expires_at(when);
  timer_.async_wait([this](const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    armed_ = TimePoint::max();
    last_wake_ = Now();
    running_due_ = true;
    queue_.RunDue(last_wake_);
    running_due_ = false;
    TimePoint next = queue_.NextDeadline();
    if (next != TimePoint::max()) Arm(WakeTimeFor(next));
  });
}

}  // namespace wsyaml::engine
