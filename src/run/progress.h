// What a run shows and watches while it goes: the live status line and the thresholds
// marked abort-on-fail. Both are fed from the engine's once-a-second tick.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <vector>

#include "engine/worker_context.h"
#include "graph/graph.h"
#include "metrics/metrics.h"

namespace wsyaml::run {

/// Where the status line goes: rewritten in place on a terminal, one line per 10 s in a log.
struct ProgressOutput {
  std::ostream* stream;
  bool terminal;
};

/// Standard error, a terminal when isatty says so.
ProgressOutput StderrProgressOutput();

/// The live status line: refreshed every second on a terminal, every 10 s otherwise.
class Progress {
 public:
  Progress(const graph::TestPlan& plan, const engine::LiveCounters& live, bool quiet,
           ProgressOutput output = StderrProgressOutput());
  /// Called once a second by the engine's coordinator; `elapsed` is the run's clock, so the
  /// cadence follows it and not the wall clock.
  void Tick(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative);
  /// Ends the line.
  void Done();

 private:
  const engine::LiveCounters& live_;
  bool quiet_;
  ProgressOutput output_;
  double total_s_;
  int64_t last_sent_ = 0;
  int64_t last_received_ = 0;
  double last_elapsed_s_ = 0;
  double last_printed_s_ = 0;
  bool printed_ = false;
};

/// Watches thresholds marked abort-on-fail during the run.
class AbortWatch {
 public:
  /// Says on `report` which threshold aborts the run.
  AbortWatch(const graph::TestPlan& plan, std::ostream& report);
  /// Whether the plan has any abort-on-fail threshold to watch.
  bool watching() const { return !watched_.empty(); }
  /// True once an abort-on-fail threshold fails after its delay (once: false afterwards).
  bool ShouldAbort(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative,
                   const metrics::TagRegistry& tags);
  /// True when ShouldAbort has returned true.
  bool aborted() const { return aborted_; }

 private:
  std::vector<graph::Threshold> watched_;
  std::ostream& report_;
  bool aborted_ = false;
};

}  // namespace wsyaml::run
