#include "engine/vu_placement.h"

#include <algorithm>

#include "engine/load_profile.h"

namespace wsyaml::engine {

using namespace std::chrono_literals;

std::vector<VuPlacement> PlaceVus(const graph::TestPlan& plan) {
  const int slices = std::max(1, plan.slice.count);
  std::vector<VuPlacement> placed;
  int vu_base = 0;
  for (size_t s = 0; s < plan.scenarios.size(); ++s) {
    const graph::LoadProfile& load = plan.scenarios[s].load;
    const int max_vus = MaxVus(load);
    // VU starts are spread over a short window so the server does not see a thundering herd.
    graph::Micros spread =
        load.ramp_up.value_or(std::min<graph::Micros>(1s, ScenarioDuration(load) / 10));
    int iterations = load.kind == graph::LoadProfile::Kind::kPerVuIterations ? load.iterations : -1;
    for (int rank = 1; rank <= max_vus; ++rank) {
      if ((rank - 1) % slices != plan.slice.index) continue;
      graph::Micros delay = max_vus > 1 ? spread * (rank - 1) / max_vus : graph::Micros(0);
      placed.push_back({static_cast<int>(s), vu_base + rank, rank, iterations, delay});
    }
    vu_base += max_vus;
  }
  return placed;
}

int64_t ArrivalsOfSlice(int64_t total, const graph::Slice& slice) {
  const int64_t count = std::max(1, slice.count);
  return total > slice.index ? (total - slice.index - 1) / count + 1 : 0;
}

}  // namespace wsyaml::engine
