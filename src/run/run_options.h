// Everything `wsyaml run` needs, typed and already checked by whoever filled it in (the CLI
// parses and validates flags into this before anything starts).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "scenario/compiler.h"

namespace wsyaml::run {

/// The tool's version, written into result files.
inline constexpr const char* kVersion = WSYAML_VERSION;

/// One file written at the end of a run.
struct OutputSpec {
  enum class Kind {
    kJson,    ///< --out json=FILE: the whole result (metrics::FormatResultJson)
    kNdjson,  ///< --out ndjson=FILE: one line per second of the timeline
    kJUnit,   ///< --junit FILE
    kReport,  ///< --report FILE: the self-contained HTML report
  };
  Kind kind = Kind::kJson;
  std::string path;  ///< never empty
};

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
  graph::Slice slice;               ///< --segment i/n: the share of the test this run executes
  bool debug = false;               ///< print frames and handshakes
  bool quiet = false;               ///< no progress line
  std::vector<OutputSpec> outputs;  ///< checked: known kinds, writable, distinct paths
};

}  // namespace wsyaml::run
