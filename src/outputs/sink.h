// Where results go: every output of a run (the summary, the result file, JUnit, the HTML
// report, the k6-format stream, CSV, Prometheus, InfluxDB, the dashboard) is a Sink. A run
// opens its sinks before it starts, hands them one merged snapshot per second while it runs,
// and the whole result at its end.
// Threading: Open and Finish on the run's main thread; OnSnapshot on the engine's coordinator
// thread, between them. A sink never blocks that thread on I/O: a sink that talks to the
// network or a slow file hands the work to a thread of its own, through a bounded buffer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "metrics/metrics.h"
#include "metrics/result.h"
#include "metrics/summary.h"
#include "metrics/thresholds.h"

namespace wsyaml::outputs {

/// What is known about a run before it starts: for headers, labels and the report.
struct RunInfo {
  const graph::TestPlan* plan = nullptr;  ///< the compiled scenario
  std::string scenario_file;              ///< as given on the command line, "<stdin>" for -
  std::vector<std::string> base_urls;     ///< the resolved target
};

/// One second of a run, merged across the engine's workers.
struct Snapshot {
  double elapsed_s = 0;   ///< since the start, at the end of this interval
  double interval_s = 0;  ///< length of the interval (the last one may be shorter)
  int64_t unix_ms = 0;    ///< wall-clock time at the end of the interval
  /// What happened in the interval, per metric and tag set: counters, rates and trends hold
  /// only the interval's samples (series without samples are left out); gauges hold their
  /// value now; checks and errors the interval's counts.
  const metrics::Shard* interval = nullptr;
  const metrics::Shard* cumulative = nullptr;  ///< everything since the start
  const metrics::TagRegistry* tags = nullptr;  ///< resolves both shards' tag ids
  /// The scenario's thresholds judged on `cumulative` now (abort-on-fail's view).
  const std::vector<metrics::ThresholdResult>* thresholds = nullptr;
  /// True for the last snapshot, at the end of the run: the interval since the last tick,
  /// so that the intervals of a run add up exactly to its result.
  bool final = false;
};

/// The end of a run.
struct Final {
  const metrics::Result* result = nullptr;  ///< thresholds evaluated, timeline complete
  /// What the summary shows (trend stats, colour), for the summary and its JSON export.
  const metrics::SummaryInput* summary = nullptr;
  /// The run as Open saw it; null when there was no run (e.g. `merge`).
  const RunInfo* info = nullptr;
};

/// One output of a run.
class Sink {
 public:
  virtual ~Sink() = default;
  /// Before the run starts (after any worker process is forked): binds ports, starts its
  /// threads. False with a one-line *error stops the run before it begins.
  virtual bool Open(const RunInfo& info, std::string* error) {
    (void)info;
    (void)error;
    return true;
  }
  /// True when it wants OnSnapshot (a stream or a live view). Without such a sink the run
  /// works out no snapshots at all.
  virtual bool live() const { return false; }
  /// Once per second while the run goes, and once more at its end (`final`). Must return
  /// quickly; the snapshot's pointers are valid only during the call.
  virtual void OnSnapshot(const Snapshot& snapshot) { (void)snapshot; }
  /// After the run: writes what it writes (atomically for files), stops its threads. False
  /// with a one-line *error; the run's other outputs are still written.
  virtual bool Finish(const Final& final, std::string* error) = 0;
};

}  // namespace wsyaml::outputs
