// One process's share of a run: the engine on its threads over plan.slice, the live line,
// the abort-on-fail watch and SIGINT/SIGTERM. Used in the single process of a run and in
// each worker process of `run --procs`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "metrics/result.h"
#include "outputs/sink_set.h"

namespace wsyaml::run {

/// How this process runs its slice.
struct SliceOptions {
  int threads = 1;                           ///< engine worker threads
  std::vector<std::string> base_urls;        ///< the resolved target
  std::vector<std::string> local_addresses;  ///< source addresses, expanded
  std::vector<std::string> secrets;          ///< values masked in debug and log output
  bool debug = false;                        ///< print frames and handshakes
  bool progress = true;                      ///< show the live status line
  bool abort_on_fail = true;                 ///< honour thresholds' abort-on-fail
  /// Given each second's merged snapshot (not the last one: the caller gives it with the
  /// whole result); null in worker processes.
  outputs::SinkSet* sinks = nullptr;
  /// Given each second's cumulative state, on the engine's coordinator (must return at
  /// once); in worker processes, to send it to the parent. May be empty.
  std::function<void(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& cumulative,
                     const metrics::TagRegistry& tags)>
      on_tick;
};

/// What a slice produced.
struct SliceOutcome {
  /// Samples, tags, timeline, start and duration; thresholds not evaluated, no file names.
  metrics::Result result;
  bool interrupted = false;  ///< stopped before its end (a signal or abort-on-fail)
  bool aborted = false;      ///< stopped by an abort-on-fail threshold
};

/// Runs plan.slice of `plan` here. SIGINT/SIGTERM must already be blocked
/// (BlockStopSignals): while it runs, the first asks the engine to stop gracefully and the
/// second to stop now. Blocks until the run ends.
SliceOutcome RunSlice(const graph::TestPlan& plan, const SliceOptions& options);

}  // namespace wsyaml::run
