// SIGINT and SIGTERM without signal handlers or globals: the signals are blocked in every
// thread and a dedicated thread takes them with sigwait and calls back in ordinary context,
// where thread-safe calls such as Engine::Stop are allowed.
#pragma once

#include <cstdint>

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace wsyaml::run {

/// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts later.
/// Call before starting any thread. They stay blocked; returns the set.
sigset_t BlockStopSignals();

/// Waits until the wall clock reaches `unix_ms` (ms since the Unix epoch), or a SIGINT/SIGTERM
/// (blocked with BlockStopSignals first) comes: false then, with the signal consumed.
bool SleepUntilUnlessStopped(int64_t unix_ms);

/// A thread that waits for SIGINT/SIGTERM (blocked with BlockStopSignals first) and calls
/// `on_signal(signal, count)` for each, count = 1 for the first. Threading: on_signal runs on
/// the watcher's own thread; construct and destroy from one thread.
class StopSignalWatcher {
 public:
  using OnSignal = std::function<void(int signal, int count)>;
  explicit StopSignalWatcher(OnSignal on_signal);
  /// Stops the thread; a signal that arrives later stays pending (blocked).
  ~StopSignalWatcher();
  StopSignalWatcher(const StopSignalWatcher&) = delete;
  StopSignalWatcher& operator=(const StopSignalWatcher&) = delete;

  /// Signals received so far.
  int count() const { return count_.load(); }

 private:
  void Loop();

  OnSignal on_signal_;
  std::atomic<int> count_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace wsyaml::run
