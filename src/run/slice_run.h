// One process's share of a run: the engine on its threads over plan.slice, the live line,
// the abort-on-fail watch and SIGINT/SIGTERM. Used in the single process of a run and in
// each worker process of `run --procs`.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "metrics/result.h"

namespace wsyaml::run {

/// How this process runs its slice.
struct SliceOptions {
  int threads = 1;                           ///< engine worker threads
  std::vector<std::string> base_urls;        ///< the resolved target
  std::vector<std::string> local_addresses;  ///< source addresses, expanded
  std::vector<std::string> secrets;          ///< values masked in debug and log output
  bool debug = false;                        ///< print frames and handshakes
  bool progress = true;                      ///< show the live status line
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
