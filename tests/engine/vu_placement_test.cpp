// Slices of a plan: every VU and every arrival belongs to exactly one slice, for any number
// of slices, and a slice's VUs are spread evenly over ranks (10 VUs over 3 = 4 + 3 + 3).
#include "engine/vu_placement.h"

#include <gtest/gtest.h>

#include <set>

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;
using Kind = graph::LoadProfile::Kind;

graph::TestPlan PlanWith(std::vector<graph::LoadProfile> loads) {
  graph::TestPlan plan;
  for (auto& load : loads) {
    graph::Scenario scenario;
    scenario.load = load;
    plan.scenarios.push_back(scenario);
  }
  return plan;
}

graph::LoadProfile Vus(int vus, Kind kind = Kind::kConstantVus) {
  graph::LoadProfile load;
  load.kind = kind;
  load.vus = vus;
  load.duration = 10s;
  load.iterations = 2;
  return load;
}

TEST(VuPlacement, TenVusOverThreeSlicesAreFourThreeThree) {
  graph::TestPlan plan = PlanWith({Vus(10)});
  std::vector<size_t> sizes;
  for (int i = 0; i < 3; ++i) {
    plan.slice = {i, 3};
    sizes.push_back(PlaceVus(plan).size());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 3, 3}));
}

TEST(VuPlacement, SlicesAddUpToTheWholeForEveryLoadKind) {
  graph::LoadProfile ramping = Vus(0, Kind::kRampingVus);
  ramping.stages = {{5s, 7}, {5s, 13}, {5s, 0}};
  graph::LoadProfile arrivals = Vus(2, Kind::kArrivalRate);
  arrivals.max_vus = 11;
  graph::TestPlan plan = PlanWith({Vus(10), Vus(5, Kind::kPerVuIterations), ramping, arrivals});
  std::vector<VuPlacement> whole = PlaceVus(plan);
  ASSERT_EQ(whole.size(), 10u + 5 + 13 + 11);
  for (int n = 1; n <= 7; ++n) {
    std::set<int> ids;
    size_t total = 0;
    for (int i = 0; i < n; ++i) {
      plan.slice = {i, n};
      for (const VuPlacement& vu : PlaceVus(plan)) {
        EXPECT_TRUE(ids.insert(vu.id).second) << "VU " << vu.id << " in two slices";
        ++total;
      }
    }
    EXPECT_EQ(total, whole.size()) << n << " slices";
    EXPECT_EQ(*ids.begin(), 1);
    EXPECT_EQ(*ids.rbegin(), static_cast<int>(whole.size()));
  }
}

TEST(VuPlacement, AVuKeepsItsIdRankAndStartInEverySlicing) {
  graph::TestPlan plan = PlanWith({Vus(4), Vus(3, Kind::kPerVuIterations)});
  std::vector<VuPlacement> whole = PlaceVus(plan);
  plan.slice = {1, 2};
  for (const VuPlacement& vu : PlaceVus(plan)) {
    const VuPlacement& same = whole[vu.id - 1];
    EXPECT_EQ(vu.scenario, same.scenario);
    EXPECT_EQ(vu.rank, same.rank);
    EXPECT_EQ(vu.start_delay, same.start_delay);
    EXPECT_EQ(vu.iterations, same.iterations);
  }
  EXPECT_EQ(whole.back().iterations, 2);
  EXPECT_EQ(whole.front().iterations, -1);
}

TEST(VuPlacement, ArrivalsOfSlicesAddUpExactly) {
  for (int n = 1; n <= 7; ++n) {
    for (int64_t total : {0, 1, 2, 6, 7, 50, 101}) {
      int64_t sum = 0;
      for (int i = 0; i < n; ++i) {
        int64_t share = ArrivalsOfSlice(total, {i, n});
        EXPECT_LE(share, total / n + 1);
        EXPECT_GE(share, total / n);
        sum += share;
      }
      EXPECT_EQ(sum, total) << total << " arrivals over " << n << " slices";
    }
  }
}

}  // namespace
}  // namespace wsyaml::engine
