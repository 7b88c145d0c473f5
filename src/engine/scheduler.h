// Timers for one worker thread: a min-heap of deadlines behind a tiny interface, so the
// engine runs on Asio in production and on a manual clock in tests. Many timers share one
// Asio wakeup (coalesced), which is cheaper than one asio::steady_timer per VU.
// Threading: not thread-safe; used only on its worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <queue>
#include <unordered_map>
#include <vector>

namespace wsyaml::engine {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
/// Identifies a scheduled timer; 0 is never used.
using TimerId = uint64_t;

/// Schedules callbacks at points in time.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// The current time on this scheduler's clock.
  virtual TimePoint Now() const = 0;
  /// Runs `fn` at `when` (or soon after). Returns an id for Cancel.
  virtual TimerId Schedule(TimePoint when, std::function<void()> fn) = 0;
  /// Cancels a timer; a no-op when it already ran or was cancelled.
  virtual void Cancel(TimerId id) = 0;
};

/// The heap shared by both schedulers.
class TimerQueue {
 public:
  /// Adds a timer; returns its id and whether it is now the earliest.
  TimerId Add(TimePoint when, std::function<void()> fn, bool* earliest);
  /// Forgets a timer.
  void Cancel(TimerId id) { callbacks_.erase(id); }
  /// Runs every timer due at or before `now`, in deadline order (ties: scheduling order).
  /// Timers added by callbacks run in the same call when they are due. Returns how many ran.
  size_t RunDue(TimePoint now);
  /// Runs the earliest timer if it is due at `now`; false when none is.
  bool RunOne(TimePoint now);
  /// The earliest live deadline, or TimePoint::max() when there is none.
  TimePoint NextDeadline();
  /// Number of live (scheduled, not cancelled, not run) timers.
  size_t size() const { return callbacks_.size(); }

 private:
  struct Entry {
    TimePoint when;
    TimerId id;
    bool operator>(const Entry& other) const {
      return when != other.when ? when > other.when : id > other.id;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::unordered_map<TimerId, std::function<void()>> callbacks_;
  TimerId next_id_ = 1;
};

/// A scheduler whose clock only moves when the test says so.
class ManualScheduler : public Scheduler {
 public:
  TimePoint Now() const override { return now_; }
  TimerId Schedule(TimePoint when, std::function<void()> fn) override;
  void Cancel(TimerId id) override { queue_.Cancel(id); }
  /// Moves the clock forward by `d`, running timers as their deadlines pass, in order.
  void Advance(std::chrono::microseconds d);
  /// Moves the clock to the earliest deadline (if later) and runs that one timer; false when
  /// no timer is left.
  bool RunNext();
  /// Runs timers until none is left or `limit` has passed; returns the time advanced.
  std::chrono::microseconds RunUntilIdle(std::chrono::microseconds limit);
  /// Number of live timers.
  size_t pending() const { return queue_.size(); }

 private:
  TimerQueue queue_;
  TimePoint now_{std::chrono::seconds(1000)};
};

}  // namespace wsyaml::engine
