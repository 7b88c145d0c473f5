// Follows a plan's load profile over time, driven by timers on the runtime's coordinator
// loop (no polling): places VUs on workers, starts and stops iterations per scenario, ramps
// VUs, paces arrivals, gives running iterations their graceful stop, then waits for sockets
// to close while they keep closing, within a bound. Threading: every method runs on the
// coordinator's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "engine/engine.h"
#include "engine/runtime.h"
#include "engine/worker.h"

namespace wsyaml::engine {

/// One run of a plan on a runtime.
class Coordinator {
 public:
  Coordinator(const graph::TestPlan& plan, const EngineOptions& options, Runtime& runtime,
              const WorkerShared& shared);
  ~Coordinator();

  /// Runs to the end and returns what the workers measured.
  RunOutcome Run();
  /// A stop was requested: the first ends every scenario now (running iterations get their
  /// graceful stop, or none with `now`); a second one ends the run at once. May come before
  /// the run has begun.
  void OnStop(int requests, bool now);

 private:
  struct ScenarioClock {
    graph::Micros end{0};       ///< when it stops starting iterations (since start)
    graph::Micros graceful{0};  ///< how long running iterations get after `end`
    bool stopping = false;
    bool interrupted = false;
    int ramp_target = -1;
    int64_t arrivals_started = 0;  ///< this slice's arrivals handed to workers
    int next_worker = 0;
    TimerId end_timer = 0;
    TimerId follow_timer = 0;
    TimerId interrupt_timer = 0;
  };

  void Begin();
  void FollowRamp(size_t s);
  void FollowArrivals(size_t s);
  void EndScenario(size_t s);
  void InterruptScenario(size_t s);
  void StartCloseWait();
  void CheckCloseWait();
  void Tick();
  void CheckIdle();
  void Finish();
  graph::Micros Elapsed() const;
  TimerId At(graph::Micros since_start, std::function<void()> fn);
  void CancelTimer(TimerId* id);

  const graph::TestPlan& plan_;
  const EngineOptions& options_;
  Runtime& runtime_;
  const WorkerShared& shared_;
  Scheduler& clock_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<ScenarioClock> scenarios_;
  TimePoint start_{};
  int vus_ = 0;
  bool begun_ = false;
  int early_stop_requests_ = 0;  ///< stop requests that came before Begin
  bool early_stop_now_ = false;
  bool stop_seen_ = false;
  bool stop_now_ = false;
  bool finished_ = false;
  TimerId tick_timer_ = 0;
  int64_t tick_ = 0;
  int writers_pending_ = 0;  ///< workers still writing their close frames
  TimerId close_timer_ = 0;
  TimePoint close_limit_ = TimePoint::max();
  int64_t idle_checks_ = 0;  ///< close-wait checks in a row that saw no socket close
  int64_t open_at_last_check_ = 0;
};

}  // namespace wsyaml::engine
