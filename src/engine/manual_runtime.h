// A Runtime for tests: the coordinator and every worker share one ManualScheduler and one
// Transport (a fake), so a whole run — load profile, graceful stop, close wait — executes
// on a clock that jumps from deadline to deadline, in milliseconds of real time, the same
// way every time. Threading: everything runs on the caller's thread.
#pragma once

#include <memory>

#include "engine/runtime.h"

namespace wsyaml::engine {

/// One manual clock for the coordinator and all workers.
class ManualRuntime : public Runtime {
 public:
  /// `scheduler` and `transport` must outlive the runtime and its worker loops.
  ManualRuntime(ManualScheduler& scheduler, Transport& transport)
      : scheduler_(scheduler), transport_(transport) {}

  Scheduler& scheduler() override { return scheduler_; }
  void Post(std::function<void()> fn) override;
  /// Runs timers in deadline order, moving the clock to each, until Quit. Returns early when
  /// no timer is left (nothing could ever happen again).
  void Loop() override;
  void Quit() override { quit_ = true; }
  std::unique_ptr<WorkerLoop> MakeWorkerLoop(int index) override;

 private:
  ManualScheduler& scheduler_;
  Transport& transport_;
  bool quit_ = false;
};

}  // namespace wsyaml::engine
