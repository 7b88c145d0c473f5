// Runs a compiled test: worker threads, each with its own io_context, transport, timers,
// metric shard and slice of VUs; a coordinator that follows the load profile and stops
// the run. Threading: Run() blocks its caller; Stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/worker_context.h"
#include "graph/graph.h"
#include "metrics/metrics.h"

namespace wsyaml::engine {

/// How to run.
struct EngineOptions {
  int threads = 1;  ///< worker threads (each an io_context)
  /// The target as ws://host:port base URLs (builtin targets already resolved); connections
  /// take them in turn, so several addresses get past the ephemeral-port limit of one.
  std::vector<std::string> base_urls;
  bool debug = false;                ///< print frames and handshakes
  std::vector<std::string> secrets;  ///< values masked in --debug and log output
  /// Source addresses connections bind to in turn (--local-address); empty = any.
  std::vector<std::string> local_addresses;
  /// Called about once a second from the coordinator thread with the time since start and
  /// every sample so far (merged from the workers).
  std::function<void(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative)> on_tick;
};

/// What a run produced.
struct RunOutcome {
  metrics::Shard merged;                 ///< all workers' samples
  std::chrono::milliseconds duration{};  ///< wall time of the run
  bool interrupted = false;              ///< stopped by Stop() before its natural end
  int vus_max = 0;                       ///< VUs allocated by this run (its slice of the plan)
};

/// Executes a TestPlan.
class Engine {
 public:
  Engine(const graph::TestPlan& plan, EngineOptions options);
  ~Engine();

  /// Runs the test to its end (duration, iterations, or Stop). Call once.
  RunOutcome Run();
  /// Asks the run to end: the first call stops starting iterations and gives running ones
  /// `graceful-stop`; with `now`, interrupts them at once. Thread-safe and lock-free.
  void Stop(bool now);
  /// Live totals for progress display.
  const LiveCounters& live() const { return live_; }
  /// Tag sets used by the run's samples.
  metrics::TagRegistry& tags() { return tags_; }

 private:
  class Worker;

  const graph::TestPlan& plan_;
  EngineOptions options_;
  LiveCounters live_;
  metrics::TagRegistry tags_;
  std::vector<std::atomic<uint64_t>> feeder_cursors_;
  std::atomic<int> stop_requests_{0};
  std::atomic<bool> stop_now_{false};
};

}  // namespace wsyaml::engine
