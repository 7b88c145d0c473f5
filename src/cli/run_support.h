// The parts of `wsyaml run` around the engine: options, overrides, built-in targets, the
// progress line, abort-on-fail thresholds and output files.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/worker_context.h"
#include "graph/graph.h"
#include "metrics/metrics.h"
#include "metrics/result.h"
#include "server/reference_server.h"

namespace wsyaml::cli {

/// The tool's version, written into result files.
inline constexpr const char* kVersion = WSYAML_VERSION;

/// Flags of `wsyaml run`.
struct RunOptions {
  std::string file;
  int vus = 0;                          ///< 0 = as in the file
  std::string duration;                 ///< empty = as in the file
  std::string graceful_stop;            ///< empty = as in the file
  int iterations = 0;                   ///< 0 = as in the file
  std::string target;                   ///< empty = as in the file
  std::vector<std::string> env_pairs;   ///< NAME=VALUE as given
  std::vector<std::string> secret_env;  ///< env names whose values are masked in output
  std::map<std::string, std::string> env;
  int threads = 0;                           ///< 0 = one per core
  int procs = 0;                             ///< worker processes; 0 = automatic
  std::vector<std::string> local_addresses;  ///< --local-address, ranges allowed
  int worker_index = -1;                     ///< >= 0 in a worker process started by --procs
  std::string worker_result;                 ///< where a worker process writes its result
  bool debug = false;
  bool quiet = false;
  std::vector<std::string> outs;  ///< json=FILE, ndjson=FILE
  std::string junit;
  std::string report;
};

/// Splits -e NAME=VALUE pairs into options->env; false with *error on a malformed pair.
bool ParseEnvPairs(RunOptions* options, std::string* error);

/// Applies --vus, --duration, --iterations and --target to every scenario of `plan`.
bool ApplyOverrides(const RunOptions& options, graph::TestPlan* plan, std::string* error);

/// Raises the open-files soft limit to the hard limit; warns when it stays low. Returns it.
size_t RaiseOpenFilesLimit(bool quiet);

/// Worker processes needed so that each holds its share of the connections under
/// `open_files` (1 when one process is enough).
int AutomaticProcs(const graph::TestPlan& plan, size_t open_files, bool quiet);

/// The command line that starts worker process `index` of `procs`.
std::vector<std::string> WorkerArguments(const RunOptions& options, const std::string& targets,
                                         int index, int procs, const std::string& result_file);

/// Turns the plan's target into a ws:// base URL, starting a built-in server for
/// `builtin:chat`, `builtin:echo` or `builtin:chaos` on an ephemeral loopback port.
/// Other targets: a ws:// or wss:// URL, ws://127.0.0.1-8:PORT for a range of addresses, or
/// several URLs separated by commas; each becomes one base URL.
bool ResolveTarget(const std::string& target, std::unique_ptr<server::ReferenceServer>* builtin,
                   std::vector<std::string>* base_urls, std::string* error);

/// The live status line: refreshed every second on a terminal, every 10 s otherwise.
class Progress {
 public:
  Progress(const graph::TestPlan& plan, const engine::LiveCounters& live, bool quiet);
  /// Called once a second by the engine's coordinator.
  void Tick(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative);
  /// Ends the line.
  void Done();

 private:
  const engine::LiveCounters& live_;
  bool quiet_;
  bool tty_;
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
  explicit AbortWatch(const graph::TestPlan& plan);
  /// True once an abort-on-fail threshold fails after its delay.
  bool ShouldAbort(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative,
                   const metrics::TagRegistry& tags);
  /// True when ShouldAbort has returned true.
  bool aborted() const { return aborted_; }

 private:
  std::vector<graph::Threshold> watched_;
  bool aborted_ = false;
};

/// Writes --out json=, --out ndjson=, --junit and --report files (each atomically).
bool WriteOutputs(const RunOptions& options, const metrics::Result& result, std::string* error);

}  // namespace wsyaml::cli
