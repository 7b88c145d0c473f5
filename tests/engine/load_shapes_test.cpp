// Load shapes from YAML on the manual clock: ramping VUs follow their stages, arrival rates
// hold their rate, ramp-up spreads VU starts, a scenario that ends early leaves the others
// alone. The e2e versions had to allow a second or 5% of slack; here the counts are exact.
// (engine_test.cpp has the same behaviours on graph structs built by hand.)
#include <gtest/gtest.h>

#include "engine/load_profile.h"
#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

TEST(LoadShapes, RampingVusFollowTheirStages) {
  ManualRun run = RunManual(R"(name: ramp
target: builtin:echo
load:
  stages:
    - {duration: 4s, target: 8}
    - {duration: 2s, target: 8}
    - {duration: 3s, target: 0}
  graceful-stop: 1s
steps:
  - sleep: 50ms
)");
  graph::LoadProfile load;
  load.kind = graph::LoadProfile::Kind::kRampingVus;
  load.vus = 0;
  load.stages = {{4s, 8}, {2s, 8}, {3s, 0}};
  ASSERT_GE(run.ticks.size(), 8u);
  for (const Tick& tick : run.ticks) {
    int want = RampingTarget(load, std::chrono::duration_cast<graph::Micros>(tick.elapsed));
    EXPECT_EQ(tick.vus, want) << "at " << tick.elapsed.count() << " ms";
  }
  EXPECT_EQ(run.vus_max, 8);
}

TEST(LoadShapes, ArrivalRateStartsExactlyItsRateEverySecond) {
  ManualRun run = RunManual(R"(name: rate
target: builtin:echo
load: {rate: 50/s, duration: 4s, vus: 5, max-vus: 50}
steps:
  - connect: /
  - sleep: 20ms
  - close
)");
  // Each iteration starts with its connect: exactly 50 in every second, 20 ms apart.
  std::vector<int> starts(5);
  for (size_t i = 0; i < run.sockets.size(); ++i) {
    int64_t at = run.ConnectedAt(i).count();
    if (i > 0) {
      EXPECT_EQ(at - run.ConnectedAt(i - 1).count(), 20) << "connection " << i;
    }
    ++starts.at(static_cast<size_t>(at / 1000));
  }
  EXPECT_EQ(starts, (std::vector<int>{50, 50, 50, 50, 0}));
  EXPECT_EQ(run.Counter(MetricId::kIterations), 200);
  EXPECT_EQ(run.Counter(MetricId::kDroppedIterations), 0);
}

TEST(LoadShapes, ArrivalsThatFindNoFreeVuAreDropped) {
  ManualRun run = RunManual(R"(name: drop
target: builtin:echo
load: {rate: 20/s, duration: 2s, vus: 2, max-vus: 2}
steps:
  - sleep: 1s
)");
  double started =
      run.Counter(MetricId::kIterations) + run.Counter(MetricId::kInterruptedIterations);
  double dropped = run.Counter(MetricId::kDroppedIterations);
  // Arrivals every 50 ms; each VU is busy 1 s: the two VUs take the arrivals at 0 and 50 ms,
  // then those at 1 s and 1.05 s, when they are free again.
  EXPECT_EQ(started, 4);
  EXPECT_EQ(started + dropped, 40);
}

/// When each of 8 VUs started (its connect), with `ramp_up` appended to the load.
std::vector<int64_t> VuStartsMs(const std::string& ramp_up) {
  ManualRun run = RunManual("name: ramp\ntarget: builtin:echo\nload: {vus: 8, iterations: 1" +
                            ramp_up + "}\nsteps:\n  - connect: /\n  - close\n");
  std::vector<int64_t> starts;
  for (size_t i = 0; i < run.sockets.size(); ++i) starts.push_back(run.ConnectedAt(i).count());
  return starts;
}

TEST(LoadShapes, RampUpSpreadsVuStartsOrStartsThemAllAtOnce) {
  EXPECT_EQ(VuStartsMs(", ramp-up: 0s"), std::vector<int64_t>(8, 0)) << "0s: all at once";
  EXPECT_EQ(VuStartsMs(", ramp-up: 2s"),
            (std::vector<int64_t>{0, 250, 500, 750, 1000, 1250, 1500, 1750}))
      << "8 VUs over 2 s";
  EXPECT_EQ(VuStartsMs(""), (std::vector<int64_t>{0, 125, 250, 375, 500, 625, 750, 875}))
      << "by default over 1 s";
}

TEST(LoadShapes, AScenarioThatEndsEarlyDoesNotCutTheOthersShort) {
  ManualRun run = RunManual(R"(name: two
target: builtin:echo
scenarios:
  short:
    load: {vus: 1, duration: 1s, graceful-stop: 0s}
    steps:
      - connect: /
      - sleep: 20s
  long:
    load: {vus: 1, duration: 6s}
    steps:
      - connect: /
      - sleep: 500ms
      - close
)");
  EXPECT_EQ(run.Counter(MetricId::kInterruptedIterations), 1);
  EXPECT_EQ(run.Counter(MetricId::kInterruptedIterations, {{"scenario", "short"}}), 1);
  // `long` runs iterations of 502 ms (open, sleep, close) for its 6 s: the 12th starts at
  // 5.522 s and ends the run at 6.024 s.
  EXPECT_EQ(run.Counter(MetricId::kIterations, {{"scenario", "long"}}), 12);
  EXPECT_EQ(run.duration, 6024ms);
  ASSERT_FALSE(run.sockets.empty());
  EXPECT_EQ(run.sockets[0]->close_codes, std::vector<int>{1001}) << "short's socket at 1 s";
}

}  // namespace
}  // namespace wsyaml::engine::testing
