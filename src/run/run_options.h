// Everything `wsyaml run` needs, typed and already checked by whoever filled it in (the CLI
// parses and validates flags into this before anything starts).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "metrics/summary.h"
#include "outputs/outputs.h"
#include "scenario/compiler.h"

namespace wsyaml::run {

/// The tool's version, written into result files.
inline constexpr const char* kVersion = WSYAML_VERSION;

/// How to run one scenario.
struct RunOptions {
  std::string file;  ///< the scenario file; "-" reads it from standard input
  /// ${env.NAME} values: the process environment overlaid with -e NAME=VALUE.
  std::map<std::string, std::string> env;
  /// --vus, --iterations, --duration, --graceful-stop, --target; checked by the compiler.
  scenario::Overrides overrides;
  std::vector<std::string> secret_env;  ///< env names whose values are masked in output
  int threads = 0;                      ///< worker threads per process; 0 = cores / processes
  int procs = 0;                        ///< worker processes; 0 = as the open-files limit needs
  /// Source addresses for connections (--local-address), ranges already expanded.
  std::vector<std::string> local_addresses;
  graph::Slice slice;  ///< --segment i/n: the share of the test this run executes
  /// --start-at: when the test begins, ms since the Unix epoch (0: at once). A run that gets
  /// there late begins at once and records by how much (Result::start_late_ms).
  int64_t start_at_unix_ms = 0;
  bool debug = false;       ///< print frames and handshakes
  bool quiet = false;       ///< no progress line
  bool no_summary = false;  ///< --no-summary: no end-of-test summary on stdout
  /// --no-thresholds: thresholds are not judged in this run — no abort-on-fail, no verdicts
  /// in the summary or the exit code; the result file keeps them for `merge` (a segment).
  bool no_thresholds = false;
  std::vector<outputs::OutputSpec> outputs;  ///< checked: known kinds, writable, distinct paths
  /// --summary-trend-stats: the stats of every trend line; empty = the defaults.
  std::vector<metrics::TrendStat> trend_stats;
  bool color = false;  ///< colour the summary (stdout is a terminal, NO_COLOR empty)
};

}  // namespace wsyaml::run
