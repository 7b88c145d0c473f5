// A whole `wsyaml run`, from checked options to exit code: compile (a file or standard
// input), the built-in server, this process's slice or worker processes whose results merge
// exactly, SIGINT/SIGTERM, thresholds, the summary and the output files.
// Threading: Run blocks its caller, which must be the process's main thread (worker
// processes die with the thread that forked them) and must not have started other threads
// yet (SIGINT and SIGTERM are blocked in it, for good, so that they reach the watcher).
#pragma once

#include <iostream>
#include <optional>

#include "graph/graph.h"
#include "run/run_options.h"

namespace wsyaml::server {
class ReferenceServer;
}

namespace wsyaml::run {

struct SliceOptions;
struct SliceOutcome;

class Runner {
 public:
  /// `in` is read for `file: -`; the summary goes to `out`, diagnostics and errors to `err`.
  explicit Runner(RunOptions options, std::istream& in = std::cin, std::ostream& out = std::cout,
                  std::ostream& err = std::cerr);

  /// Runs the test; returns the process exit code (run/exit_codes.h).
  int Run();

 private:
  std::optional<graph::TestPlan> Compile();
  int Processes(const graph::TestPlan& plan, size_t open_files);
  bool RunWorkers(const graph::TestPlan& plan, const SliceOptions& slice, int procs,
                  SliceOutcome* merged);
  int Finish(const graph::TestPlan& plan, SliceOutcome& outcome, server::ReferenceServer* builtin);

  RunOptions options_;
  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace wsyaml::run
