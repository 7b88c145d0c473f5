#include "engine/load_profile.h"

#include <gtest/gtest.h>

#include <vector>

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;
using Kind = graph::LoadProfile::Kind;

graph::LoadProfile Ramping() {
  graph::LoadProfile load;
  load.kind = Kind::kRampingVus;
  load.vus = 0;
  load.stages = {{10s, 10}, {10s, 10}, {5s, 0}};
  return load;
}

TEST(LoadProfile, RampingTargetInterpolatesStages) {
  graph::LoadProfile load = Ramping();
  EXPECT_EQ(RampingTarget(load, 0s), 0);
  EXPECT_EQ(RampingTarget(load, 5s), 5);
  EXPECT_EQ(RampingTarget(load, 10s), 10);
  EXPECT_EQ(RampingTarget(load, 15s), 10);
  EXPECT_EQ(RampingTarget(load, 22500ms), 5);
  EXPECT_EQ(RampingTarget(load, 30s), 0);
  EXPECT_EQ(ScenarioDuration(load), 25s);
  EXPECT_EQ(MaxVus(load), 10);
}

TEST(LoadProfile, ConstantArrivalRateIsLinear) {
  graph::LoadProfile load;
  load.kind = Kind::kArrivalRate;
  load.rate = 20;
  load.rate_per = 1s;
  load.duration = 10s;
  load.max_vus = 50;
  EXPECT_DOUBLE_EQ(ArrivalsUntil(load, 0s), 0);
  EXPECT_DOUBLE_EQ(ArrivalsUntil(load, 2500ms), 50);
  load.rate = 30;
  load.rate_per = 1min;
  EXPECT_DOUBLE_EQ(ArrivalsUntil(load, 10s), 5);
  EXPECT_EQ(MaxVus(load), 50);
}

TEST(LoadProfile, RampingArrivalRateIntegratesStages) {
  graph::LoadProfile load;
  load.kind = Kind::kArrivalRate;
  load.rate = 0;
  load.rate_per = 1s;
  load.rate_stages = {{10s, 10}, {10s, 10}};
  // Ramp 0 -> 10/s over 10 s = 50 arrivals, then 10/s for 10 s = 100 more.
  EXPECT_DOUBLE_EQ(ArrivalsUntil(load, 10s), 50);
  EXPECT_DOUBLE_EQ(ArrivalsUntil(load, 5s), 12.5);
  EXPECT_DOUBLE_EQ(ArrivalsUntil(load, 20s), 150);
  EXPECT_EQ(ScenarioDuration(load), 20s);
}

TEST(LoadProfile, NextRampingChangeFindsEveryChangeAndNoMore) {
  graph::LoadProfile load = Ramping();
  // Walking from change to change visits every value the target takes, in order.
  std::vector<int> seen{RampingTarget(load, 0s)};
  graph::Micros t{0};
  int wakeups = 0;
  for (t = NextRampingChange(load, t); t != graph::Micros::max(); t = NextRampingChange(load, t)) {
    ++wakeups;
    int target = RampingTarget(load, t);
    if (target != seen.back()) seen.push_back(target);
    // Nothing changes between two wake-ups.
    EXPECT_EQ(RampingTarget(load, t + (NextRampingChange(load, t) - t) / 2), target) << t.count();
  }
  EXPECT_EQ(seen,
            (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  // One wake-up per change plus stage boundaries and half-way ties, not one per millisecond.
  EXPECT_LT(wakeups, 50);
  EXPECT_EQ(NextRampingChange(load, 25s), graph::Micros::max());
}

}  // namespace
}  // namespace wsyaml::engine
