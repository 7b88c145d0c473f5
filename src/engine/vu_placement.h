// Which VUs and arrivals of a plan this process runs (its graph::Slice), with their ids and
// start delays: pure functions, tested without threads or sockets.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace wsyaml::engine {

/// One VU this process runs.
struct VuPlacement {
  int scenario = 0;    ///< index into plan.scenarios
  int id = 0;          ///< ${vu}: unique across scenarios and slices, 1-based
  int rank = 0;        ///< 1-based place within its scenario (ramping: runs while <= target)
  int iterations = 0;  ///< per-VU iterations, or -1 = loop until stopped
  graph::Micros start_delay{0};  ///< spread of VU starts (ramp-up)
};

/// The VUs of `plan.slice`, in scenario and rank order.
std::vector<VuPlacement> PlaceVus(const graph::TestPlan& plan);

/// How many of the arrivals 0..total-1 belong to `slice` (k % count == index).
int64_t ArrivalsOfSlice(int64_t total, const graph::Slice& slice);

}  // namespace wsyaml::engine
