#include "engine/load_profile.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace wsyaml::engine
