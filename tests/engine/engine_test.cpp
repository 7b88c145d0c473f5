// Whole runs on the manual clock: the coordinator follows each load profile, gives running
// iterations their graceful stop, waits a bounded time for sockets to close and stops on
// request — each asserted on exact counts and virtual times, in milliseconds of real time.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "engine/manual_runtime.h"
#include "fake_transport.h"
#include "metrics/thresholds.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using Kind = graph::LoadProfile::Kind;
using metrics::MetricId;

template <typename Action>
graph::Step S(Action action) {
  return graph::Step{graph::Step::Action(std::move(action)), {}};
}

graph::Step Sleep(graph::Micros d) { return S(graph::Sleep{{d, d}}); }

graph::Step Connect() {
  graph::Connect connect;
  graph::Segment path;
  path.text = "/ws";
  connect.url.segments.push_back(path);
  return S(connect);
}

graph::LoadProfile ConstantVus(int vus, graph::Micros duration) {
  graph::LoadProfile load;
  load.kind = Kind::kConstantVus;
  load.vus = vus;
  load.duration = duration;
  return load;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : transport_(&scheduler_), runtime_(scheduler_, transport_) {
    options_.base_urls = {"ws://127.0.0.1:9"};
  }

  /// One scenario with `load` running `steps`.
  void Plan(graph::LoadProfile load, graph::StepList steps) {
    graph::Scenario scenario;
    scenario.load = std::move(load);
    scenario.steps = std::move(steps);
    plan_.scenarios.push_back(std::move(scenario));
  }

  RunOutcome Run() {
    engine_ = std::make_unique<Engine>(plan_, options_, runtime_);
    TimePoint start = scheduler_.Now();
    RunOutcome outcome = engine_->Run();
    EXPECT_EQ(outcome.duration,
              std::chrono::duration_cast<std::chrono::milliseconds>(scheduler_.Now() - start));
    return outcome;
  }

  double Count(const RunOutcome& outcome, MetricId id) {
    return metrics::CollectSeries(outcome.merged, engine_->tags(), id, {}).sum;
  }

  double Closes(const RunOutcome& outcome, const std::string& code) {
    return metrics::CollectSeries(outcome.merged, engine_->tags(), MetricId::kWsCloseCodes,
                                  {{"code", code}})
        .sum;
  }

  /// `vus` VUs each hold one socket from 0 s to the end of the 1 s run; the server answers
  /// the close of socket i at `answer_at(i)` (since the start), never when it is empty.
  RunOutcome RunWithCloseAnswers(int vus,
                                 std::function<std::optional<graph::Micros>(int)> answer_at) {
    transport_.auto_close = false;
    graph::LoadProfile load = ConstantVus(vus, 1s);
    load.graceful_stop = 0s;
    load.ramp_up = 0s;
    Plan(load, {Connect(), Sleep(1min)});
    for (int i = 0; i < vus; ++i) {
      std::optional<graph::Micros> at = answer_at(i);
      if (!at) continue;
      scheduler_.Schedule(scheduler_.Now() + *at,
                          [this, i] { transport_.ServerClose(static_cast<size_t>(i), 1001); });
    }
    return Run();
  }

  ManualScheduler scheduler_;
  FakeTransport transport_;
  ManualRuntime runtime_;
  EngineOptions options_;
  graph::TestPlan plan_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, ConstantVusLoopForTheDurationThenFinishTheirIteration) {
  // Starts spread over 1 s: VU r starts at (r - 1) / 3 s; iterations of 1 s start until
  // 10.5 s: 11 + 11 + 10; the last one (VU 2, from 10.33 s) ends at 11.33 s.
  Plan(ConstantVus(3, 10500ms), {Sleep(1s)});
  RunOutcome outcome = Run();
  EXPECT_EQ(Count(outcome, MetricId::kIterations), 32);
  EXPECT_EQ(Count(outcome, MetricId::kInterruptedIterations), 0);
  EXPECT_EQ(outcome.duration, 11333ms);
  EXPECT_FALSE(outcome.interrupted);
  EXPECT_EQ(outcome.vus_max, 3);
  EXPECT_EQ(scheduler_.pending(), 0u);
}

TEST_F(EngineTest, PerVuIterationsEndTheRunWhenDone) {
  graph::LoadProfile load = ConstantVus(4, 0s);
  load.kind = Kind::kPerVuIterations;
  load.iterations = 3;
  load.ramp_up = 0s;
  Plan(load, {Connect(), Sleep(2s), S(graph::Close{})});
  RunOutcome outcome = Run();
  EXPECT_EQ(Count(outcome, MetricId::kIterations), 12);
  EXPECT_EQ(Count(outcome, MetricId::kWsSessions), 12);
  EXPECT_EQ(transport_.sockets().size(), 12u);
  EXPECT_EQ(outcome.duration, 6s);  // not the 10 minutes a per-VU-iterations run may take
}

TEST_F(EngineTest, GracefulStopInterruptsIterationsThenSocketsClose) {
  graph::LoadProfile load = ConstantVus(2, 2s);
  load.graceful_stop = 1s;
  load.ramp_up = 0s;
  Plan(load, {Connect(), Sleep(1min)});
  RunOutcome outcome = Run();
  EXPECT_EQ(Count(outcome, MetricId::kIterations), 0);
  EXPECT_EQ(Count(outcome, MetricId::kInterruptedIterations), 2);
  ASSERT_EQ(transport_.sockets().size(), 2u);
  for (auto& socket : transport_.sockets()) {
    EXPECT_EQ(socket->close_codes, std::vector<int>{1001});
    EXPECT_EQ(socket->closes_at_end, 1);  // the engine's close wait bounds it, not websocketpp's
  }
  EXPECT_EQ(outcome.duration, 3s);  // end 2 s + graceful 1 s; the fake closes at once
}

TEST_F(EngineTest, SocketsThatNeverCloseGetThreeSeconds) {
  transport_.auto_close = false;
  graph::LoadProfile load = ConstantVus(1, 1s);
  load.graceful_stop = 0s;
  Plan(load, {Connect(), Sleep(1min)});
  RunOutcome outcome = Run();
  EXPECT_EQ(outcome.duration, 4s);
  EXPECT_EQ(Count(outcome, MetricId::kInterruptedIterations), 1);
}

TEST_F(EngineTest, ClosesThatCompleteSlowlyButSteadilyAreWaitedFor) {
  // One close every 2 s from 3 s to 21 s, as a busy server answers 100k closes: gaps longer
  // than a second (the old rule ended the wait at 4.25 s and counted 9 sockets as 1006).
  RunOutcome outcome = RunWithCloseAnswers(10, [](int i) { return 3s + 2s * i; });
  EXPECT_EQ(Closes(outcome, "1001"), 10);
  EXPECT_EQ(Closes(outcome, "1006"), 0);
  EXPECT_EQ(outcome.duration, 21s);  // the last close ends the run at once
}

TEST_F(EngineTest, AServerThatStopsAnsweringClosesIsDroppedThreeSecondsAfterItsLast) {
  // Four closes are answered (2.1 s .. 5.1 s), six never: the check of 5.25 s saw the last
  // close, the twelve after it none.
  RunOutcome outcome = RunWithCloseAnswers(10, [](int i) -> std::optional<graph::Micros> {
    if (i >= 4) return std::nullopt;
    return 2100ms + 1s * i;
  });
  EXPECT_EQ(Closes(outcome, "1001"), 4);
  EXPECT_EQ(Closes(outcome, "1006"), 6);
  EXPECT_EQ(outcome.duration, 8250ms);
  EXPECT_EQ(Count(outcome, MetricId::kInterruptedIterations), 10);
}

TEST_F(EngineTest, ManyOpenSocketsWaitLongerForTheFirstClose) {
  // 2,000 sockets: 3 s + 1 s per 2,000 still open. A server busy with other segments'
  // closes answers them all at 4.5 s: waited for; 3 s alone would have ended at 4 s.
  RunOutcome outcome = RunWithCloseAnswers(2000, [](int) { return 4500ms; });
  EXPECT_EQ(Closes(outcome, "1001"), 2000);
  EXPECT_EQ(outcome.duration, 4500ms);
}

TEST_F(EngineTest, ManySocketsOfASilentServerAreDroppedAfterTheLongerWindow) {
  RunOutcome outcome = RunWithCloseAnswers(2000, [](int) { return std::nullopt; });
  EXPECT_EQ(Closes(outcome, "1006"), 2000);
  EXPECT_EQ(outcome.duration, 5s);  // 1 s + 3 s + 1 s for the 2,000 open
}

TEST_F(EngineTest, ClosesThatNeverEndAreCutAtThirtySeconds) {
  // One close a second for 100 sockets would take 100 s; the wait stops 30 s after it began.
  RunOutcome outcome = RunWithCloseAnswers(100, [](int i) { return 1100ms + 1s * i; });
  EXPECT_EQ(Closes(outcome, "1001"), 30);  // 1.1 s .. 30.1 s
  EXPECT_EQ(Closes(outcome, "1006"), 70);
  EXPECT_EQ(outcome.duration, 31s);
}

TEST_F(EngineTest, OnlyTheRunsEndLeavesClosesToTheCloseWait) {
  // A scenario that ends while another runs on keeps the transport's close timeout (nothing
  // else would bound its closes); the last one's closes are the close wait's.
  Plan(ConstantVus(1, 1s), {Connect(), Sleep(1min)});
  Plan(ConstantVus(1, 5s), {Connect(), Sleep(1min)});
  for (auto& scenario : plan_.scenarios) scenario.load.graceful_stop = 0s;
  RunOutcome outcome = Run();
  ASSERT_EQ(transport_.sockets().size(), 2u);
  for (auto& socket : transport_.sockets()) EXPECT_EQ(socket->close_codes, std::vector<int>{1001});
  EXPECT_EQ(transport_.sockets()[0]->closes_at_end + transport_.sockets()[1]->closes_at_end, 1);
  EXPECT_EQ(outcome.duration, 5s);
}

TEST_F(EngineTest, StopEndsScenariosAndASecondStopEndsTheRunAtOnce) {
  transport_.auto_close = false;  // a server that never answers the close
  Plan(ConstantVus(2, 1h), {Connect(), Sleep(1min)});
  scheduler_.Schedule(scheduler_.Now() + 5s, [this] { engine_->Stop(false); });
  scheduler_.Schedule(scheduler_.Now() + 5500ms, [this] { engine_->Stop(false); });
  RunOutcome outcome = Run();
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.duration, 5500ms);  // not graceful-stop (30 s) nor the close wait (3 s)
  EXPECT_EQ(Count(outcome, MetricId::kInterruptedIterations), 2);
}

TEST_F(EngineTest, StopNowSkipsTheGracefulStop) {
  Plan(ConstantVus(2, 1h), {Connect(), Sleep(1min)});
  scheduler_.Schedule(scheduler_.Now() + 5s, [this] { engine_->Stop(true); });
  RunOutcome outcome = Run();
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.duration, 5s);
  EXPECT_EQ(Count(outcome, MetricId::kInterruptedIterations), 2);
}

TEST_F(EngineTest, RampingVusFollowTheStages) {
  graph::LoadProfile load;
  load.kind = Kind::kRampingVus;
  load.vus = 0;
  load.stages = {{10s, 10}, {5s, 10}};
  Plan(load, {Sleep(1s)});
  // VU r starts when the target reaches r (at r - 0.5 s), so at whole seconds t <= 10 exactly
  // t VUs run; then 10 until the end.
  std::map<int64_t, int64_t> running;
  options_.on_tick = [&](std::chrono::milliseconds elapsed, const metrics::Shard&) {
    running[elapsed.count() / 1000] = engine_->live().vus.load();
  };
  RunOutcome outcome = Run();
  for (int64_t t = 1; t <= 10; ++t) EXPECT_EQ(running[t], t) << "at " << t << " s";
  for (int64_t t = 11; t <= 14; ++t) EXPECT_EQ(running[t], 10) << "at " << t << " s";
  EXPECT_EQ(outcome.vus_max, 10);
}

TEST_F(EngineTest, ArrivalRateStartsExactlyTheArrivals) {
  graph::LoadProfile load;
  load.kind = Kind::kArrivalRate;
  load.rate = 20;
  load.rate_per = 1s;
  load.duration = 5s;
  load.max_vus = 4;
  Plan(load, {Sleep(100ms)});
  RunOutcome outcome = Run();
  EXPECT_EQ(Count(outcome, MetricId::kIterations), 100);
  EXPECT_EQ(Count(outcome, MetricId::kDroppedIterations), 0);
}

TEST_F(EngineTest, ArrivalsThatFindNoFreeVuAreDropped) {
  graph::LoadProfile load;
  load.kind = Kind::kArrivalRate;
  load.rate = 10;
  load.rate_per = 1s;
  load.duration = 5s;
  load.max_vus = 2;
  Plan(load, {Sleep(1s)});
  RunOutcome outcome = Run();
  // Each VU is busy 1 s, so 2 VUs take 2 arrivals a second and 8 of every 10 are dropped.
  EXPECT_EQ(Count(outcome, MetricId::kIterations) + Count(outcome, MetricId::kDroppedIterations),
            50);
  EXPECT_GE(Count(outcome, MetricId::kIterations), 8);
  EXPECT_LE(Count(outcome, MetricId::kIterations), 10);
}

TEST_F(EngineTest, SlicesOfARunAddUpToTheWhole) {
  graph::LoadProfile iterations = ConstantVus(10, 0s);
  iterations.kind = Kind::kPerVuIterations;
  iterations.iterations = 2;
  graph::LoadProfile arrivals;
  arrivals.kind = Kind::kArrivalRate;
  arrivals.rate = 7;
  arrivals.duration = 3s;
  arrivals.max_vus = 3;
  Plan(iterations, {Sleep(1s)});
  Plan(arrivals, {Sleep(10ms)});
  double whole_iterations = 0;
  int vus = 0;
  for (int i = 0; i < 3; ++i) {
    plan_.slice = {i, 3};
    RunOutcome outcome = Run();
    whole_iterations += Count(outcome, MetricId::kIterations);
    vus += outcome.vus_max;
    EXPECT_EQ(outcome.vus_max, i == 0 ? 4 + 1 : 3 + 1);
  }
  EXPECT_EQ(whole_iterations, 10 * 2 + 7 * 3);
  EXPECT_EQ(vus, 13);
}

TEST_F(EngineTest, TicksComeEverySecondWithTheSamplesSoFar) {
  Plan(ConstantVus(1, 3500ms), {Sleep(900ms)});  // iterations end between ticks
  std::vector<std::pair<int64_t, double>> ticks;
  options_.on_tick = [&](std::chrono::milliseconds elapsed, const metrics::Shard& cumulative) {
    ticks.emplace_back(
        elapsed.count(),
        metrics::CollectSeries(cumulative, engine_->tags(), MetricId::kIterations, {}).sum);
  };
  Run();
  EXPECT_EQ(ticks, (std::vector<std::pair<int64_t, double>>{{1000, 1}, {2000, 2}, {3000, 3}}));
}

}  // namespace
}  // namespace wsyaml::engine::testing
