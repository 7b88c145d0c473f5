// Each connection is a file descriptor: the open-files limit decides how many one process may
// hold, and so how many worker processes a run needs.
#pragma once

#include <cstddef>
#include <string>

#include "graph/graph.h"

namespace wsyaml::run {

/// Raises the open-files soft limit to the hard limit and returns the limit now in force.
/// Sets *warning (else leaves it) when raising failed or the limit stays below 4096.
size_t RaiseOpenFilesLimit(std::string* warning);

/// Worker processes needed so that each holds its share of the plan's connections under
/// `open_files` (1 when one process is enough, or when the limit is too small for more to
/// help); at most 64.
int AutomaticProcs(const graph::TestPlan& plan, size_t open_files);

/// Connections the plan's slice (--segment) opens at most at once: its VUs times connect
/// counts, summed over scenarios.
int64_t MaxConnections(const graph::TestPlan& plan);

}  // namespace wsyaml::run
