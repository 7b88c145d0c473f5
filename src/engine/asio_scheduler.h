// The production Scheduler: many engine timers share one Asio timer on a worker's
// io_context; only the earliest deadline is armed. Threading: used only on the thread that
// runs the io_context.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>

#include "engine/scheduler.h"

namespace wsyaml::engine {

/// Timers on an io_context, batched so that a wake-up runs every deadline near it.
class AsioScheduler : public Scheduler {
 public:
  explicit AsioScheduler(asio::io_context& io) : timer_(io) {}
  TimePoint Now() const override { return SteadyClock::now(); }
  TimerId Schedule(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override { queue_.Cancel(id); }
  /// Drops every timer (shutdown).
  void Clear();

  /// A wake-up costs about as much as twenty timer callbacks, so deadlines that fall within
  /// kBatchWindow of the last wake-up share the next one: with 10k VUs on `every: 1s` a
  /// wake-up runs a few timers instead of one, each at most kBatchWindow late. Sparse timers
  /// and timers due now (posted work) are not delayed.
  static constexpr std::chrono::microseconds kBatchWindow{250};

 private:
  TimePoint WakeTimeFor(TimePoint when) const;
  void Arm(TimePoint when);

  asio::steady_timer timer_;
  TimerQueue queue_;
  TimePoint armed_ = TimePoint::max();
  TimePoint last_wake_{};
  bool running_due_ = false;
};

}  // namespace wsyaml::engine
