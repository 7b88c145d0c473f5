// One worker of a run: its event loop (a thread in production, the manual clock in tests),
// its metric shard and its slice of VUs. Each VU slot follows its scenario's load model:
// loop until stopped (constant VUs), a fixed number of iterations, loop while within the
// ramping target, or wait for arrivals. Threading: AddVu before Start, on the coordinator's
// thread; the other commands may be called from any thread and run on the worker's loop.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "engine/vu.h"
#include "engine/worker_context.h"
#include "graph/graph.h"
#include "metrics/metrics.h"

namespace wsyaml::engine {

/// What every worker of a run shares; owned by the Engine, outlives the workers.
struct WorkerShared {
  const graph::TestPlan* plan = nullptr;
  LiveCounters* live = nullptr;
  metrics::TagRegistry* tags = nullptr;
  /// Shared row cursors of sequential feeders (one per feeder).
  std::vector<std::atomic<uint64_t>>* feeder_cursors = nullptr;
  std::vector<std::string> base_urls;  ///< ws:// or wss:// bases, taken in turn
  bool debug = false;                  ///< print frames and handshakes
  std::vector<std::string> secrets;    ///< values masked in printed output
};

/// A slice of the run's VUs on one event loop.
class Worker {
 public:
  /// `on_idle` runs on the worker's loop each time its last busy VU slot finishes for good.
  Worker(const WorkerShared& shared, std::unique_ptr<WorkerLoop> loop, int index,
         std::function<void()> on_idle);
  ~Worker();

  /// Adds a VU before Start(). `rank` is its 1-based place within its scenario (ramping VUs
  /// run while rank <= target); `iterations` < 0 = loop until stopped.
  void AddVu(int scenario, int id, int rank, int iterations, graph::Micros start_delay);
  /// Starts the loop; VUs start after their start delay.
  void Start();
  /// Ramping VUs: VUs of `scenario` with rank <= target may start iterations.
  void SetRampingTarget(int scenario, int target);
  /// Arrival rate: starts `count` iterations of `scenario`, spread evenly over `window`. An
  /// arrival that finds every VU busy is dropped and counted (dropped_iterations).
  void Arrive(int scenario, int count, graph::Micros window);
  /// No new iterations for `scenario`.
  void StopStarting(int scenario);
  /// Interrupts the running iterations of `scenario` (their sockets close with 1001); at the
  /// `run_end` the coordinator's close wait bounds their closing handshakes.
  void Interrupt(int scenario, bool run_end);
  /// Runs `fn` on the worker's loop once everything posted before it has run (e.g. once the
  /// close frames of an Interrupt are written).
  void Then(std::function<void()> fn);
  /// Drops everything and ends the loop.
  void Shutdown();
  /// Waits for the loop to end, then destroys the VUs.
  void Join();
  /// Hands a copy of the samples so far, taken on the worker's loop, to `deliver` (which
  /// runs on the worker's loop).
  void Snapshot(std::function<void(metrics::Shard)> deliver);
  /// VU slots not yet finished for good.
  int busy() const { return busy_.load(); }
  /// The samples; read only after Join.
  metrics::Shard& shard() { return shard_; }

 private:
  struct Slot {
    std::unique_ptr<Vu> vu;
    int scenario = 0;
    int rank = 0;
    int remaining = -1;
    int target = 0;
    graph::Micros start_delay{0};
    graph::LoadProfile::Kind kind{};
    bool parked = false;
    bool stopped = false;
    bool done = false;
  };

  void StartNext(size_t index);
  void StartArrival(int scenario);
  void MarkDone(Slot& slot);

  const graph::TestPlan& plan_;
  std::unique_ptr<WorkerLoop> loop_;
  std::function<void()> on_idle_;
  metrics::Shard shard_;
  WorkerContext ctx_;
  std::vector<Slot> slots_;
  std::atomic<int> busy_{0};
};

}  // namespace wsyaml::engine
