// Runs a compiled test on a Runtime: worker loops, each with its own transport, timers,
// metric shard and slice of VUs, and a timer-driven coordinator that follows the load
// profile and stops the run. With the threaded runtime this is a real run; with the manual
// runtime the same code runs on a manual clock against a fake transport.
// Threading: Run() blocks its caller (the coordinator runs there); Stop() may be called
// from any thread, but not from a signal handler.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/runtime.h"
#include "engine/worker_context.h"
#include "graph/graph.h"
#include "metrics/metrics.h"

namespace wsyaml::engine {

/// How to run.
struct EngineOptions {
  int threads = 1;  ///< worker loops (each a thread with an io_context in production)
  /// The target as ws://host:port base URLs (builtin targets already resolved); connections
  /// take them in turn, so several addresses get past the ephemeral-port limit of one.
  std::vector<std::string> base_urls;
  bool debug = false;                ///< print frames and handshakes
  std::vector<std::string> secrets;  ///< values masked in --debug and log output
  /// Called once a second on the coordinator's thread with the time since start and every
  /// sample so far (merged from the workers).
  std::function<void(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative)> on_tick;
};

/// What a run produced.
struct RunOutcome {
  metrics::Shard merged;                 ///< all workers' samples
  std::chrono::milliseconds duration{};  ///< time of the run on the runtime's clock
  bool interrupted = false;              ///< stopped by Stop() before its natural end
  int vus_max = 0;                       ///< VUs allocated by this run (its slice of the plan)
};

class Coordinator;

/// Executes a TestPlan (its plan.slice) on a runtime.
class Engine {
 public:
  /// `plan` and `runtime` must outlive the engine.
  Engine(const graph::TestPlan& plan, EngineOptions options, Runtime& runtime);
  ~Engine();

  /// Runs the test to its end (duration, iterations, or Stop). Call once.
  RunOutcome Run();
  /// Asks the run to end: the first call stops starting iterations and gives running ones
  /// `graceful-stop` (none with `now`), then sockets get a bounded time to close; a second
  /// call ends the run at once. Thread-safe; not async-signal-safe.
  void Stop(bool now);
  /// Live totals for progress display.
  const LiveCounters& live() const { return live_; }
  /// Tag sets used by the run's samples.
  metrics::TagRegistry& tags() { return tags_; }

 private:
  const graph::TestPlan& plan_;
  EngineOptions options_;
  Runtime& runtime_;
  LiveCounters live_;
  metrics::TagRegistry tags_;
  std::vector<std::atomic<uint64_t>> feeder_cursors_;
  std::atomic<int> stop_requests_{0};
  std::atomic<bool> stop_now_{false};
  Coordinator* coordinator_ = nullptr;  ///< during Run; read on the coordinator's thread only
};

}  // namespace wsyaml::engine
