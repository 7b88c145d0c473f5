// A whole `wsyaml run`, from checked options to exit code: compile (a file or standard
// input), the built-in server, this process's slice or worker processes whose results merge
// exactly, SIGINT/SIGTERM, thresholds, the summary and the output files.
// Threading: Run blocks its caller, which must be the process's main thread (worker
// processes die with the thread that forked them) and must not have started other threads
// yet (SIGINT and SIGTERM are blocked in it, for good, so that they reach the watcher).
#pragma once

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "graph/graph.h"
#include "outputs/sink_set.h"
#include "run/run_options.h"

namespace wsyaml::server {
class ReferenceServer;
}

namespace wsyaml::run {

struct SliceOptions;
struct SliceOutcome;
class ProcessPool;
class WorkerTicks;

class Runner {
 public:
  /// `in` is read for `file: -`; the summary goes to `out`, diagnostics and errors to `err`.
  explicit Runner(RunOptions options, std::istream& in = std::cin, std::ostream& out = std::cout,
                  std::ostream& err = std::cerr);

  /// Adds a sink beside those of options.outputs (before Run): for embedding and tests.
  void AddSink(std::unique_ptr<outputs::Sink> sink) { extra_sinks_.push_back(std::move(sink)); }
  /// Runs the test; returns the process exit code (run/exit_codes.h).
  int Run();

 private:
  std::optional<graph::TestPlan> Compile();
  int Processes(const graph::TestPlan& plan, size_t open_files);
  bool RunWorkers(const graph::TestPlan& plan, const SliceOptions& slice, int procs,
                  outputs::SinkSet& sinks, SliceOutcome* merged,
                  const std::function<bool()>& open_sinks);
  /// Given the workers' merged state: elapsed s since the start (ms since the epoch).
  using OnSnapshot =
      std::function<void(double, int64_t, const metrics::Shard&, const metrics::TagRegistry&)>;
  /// Reads the workers' ticks and results until every one has ended; calls `on_snapshot`
  /// once per round of ticks.
  void ReadWorkers(ProcessPool& pool, WorkerTicks* ticks, const OnSnapshot& on_snapshot);
  int Finish(const graph::TestPlan& plan, SliceOutcome& outcome, outputs::SinkSet& sinks,
             server::ReferenceServer* builtin);
  std::string SourceName() const;
  /// Waits for --start-at (false when stopped while waiting); *late_ms = how late it was.
  bool WaitForStart(int64_t* late_ms);

  RunOptions options_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  std::vector<std::unique_ptr<outputs::Sink>> extra_sinks_;  ///< from AddSink
};

}  // namespace wsyaml::run
