// The header printed before a run, so that a terminal or a CI log says what is about to run:
// the scenario, the target, the load of each scenario, the workers and the outputs.
// Threading: a pure function; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "run/run_options.h"

namespace wsyaml::run {

/// What the header describes, beyond the compiled plan and the options.
struct HeaderFacts {
  std::vector<std::string> base_urls;  ///< the resolved target (a builtin's loopback URL)
  int procs = 1;                       ///< worker processes
  int threads = 1;                     ///< worker threads per process
  std::vector<std::string> secrets;    ///< values shown as *** (--secret)
};

/// The header, one fact a line, ending with a blank line, e.g.
///   wsyaml 0.1.0
///     scenario: chat.yaml (chat)
///     target:   builtin:chat at ws://127.0.0.1:40123
///     load:     default: 10 VUs for 30s, graceful stop 30s
///     workers:  1 process x 2 threads
///     outputs:  --out result=r.json, --junit junit.xml
std::string FormatRunHeader(const graph::TestPlan& plan, const RunOptions& options,
                            const HeaderFacts& facts);

}  // namespace wsyaml::run
