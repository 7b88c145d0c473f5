// every, after, cancel and ping on the manual clock against the fake echo server (which
// opens, echoes, answers pings and closes 1 ms later): timers run exactly at their deadlines,
// so counts and durations are exact.
#include <gtest/gtest.h>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

TEST(EveryStep, TimesBoundsTheNumberOfRuns) {
  ManualRun run = RunManual(R"(name: every
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /every
  - every: {interval: 50ms, times: 5, do: [{send: "tick ${vu}"}]}
  - after: {delay: 700ms, do: [close]}
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 10);
  EXPECT_EQ(run.server.frames_in, 10);
  EXPECT_TRUE(run.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 702000);  // open, 700 ms, close
}

TEST(EveryStep, HowLateEachTimerRanIsRecordedByName) {
  ManualRun run = RunManual(R"(name: lateness
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /
  - every: {name: tick, interval: 50ms, times: 4, do: [{send: t}]}
  - after: {name: bye, delay: 400ms, do: [close]}
thresholds:
  timer_lateness: ["p(99) < 100ms"]
)");
  EXPECT_EQ(run.Samples(MetricId::kTimerLateness, {{"name", "tick"}}), 8u);
  EXPECT_EQ(run.Samples(MetricId::kTimerLateness, {{"name", "bye"}}), 2u);
  // On the manual clock every timer runs exactly at its deadline.
  EXPECT_EQ(run.MaxMicros(MetricId::kTimerLateness), 0);
  ASSERT_EQ(run.thresholds.size(), 1u);
  EXPECT_TRUE(run.thresholds[0].passed);
  EXPECT_TRUE(run.thresholds[0].has_data);
}

TEST(EveryStep, RunsAtItsIntervalUntilCancelled) {
  // Ticks at 100, 200, 300 ms; the cancel at 350 ms stops the one due at 400 ms.
  ManualRun run = RunManual(R"(name: cancel
target: builtin:echo
steps:
  - connect: /cancel
  - every: {name: ticker, interval: 100ms, do: [{send: tick}]}
  - after: {delay: 350ms, do: [{cancel: ticker}]}
  - after: {delay: 800ms, do: [close]}
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 3);
  EXPECT_EQ(run.server.frames_in, 3);
  // The iteration lasted until the close at 800 ms (after the 1 ms open), answered 1 ms later.
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 802000);
}

TEST(EveryStep, AVuLevelTimerKeepsTheIterationGoing) {
  // Without a connection the timer belongs to the VU; the iteration ends after its last run.
  ManualRun run = RunManual(R"(name: every-vu
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - every: {interval: 100ms, times: 3, do: [{fail: {message: "tick ${iter}", name: tick}}]}
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Fails("tick"), 6u);
  EXPECT_EQ(run.LastFailure("tick"), "tick 1");
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 300000);
  EXPECT_EQ(run.MaxMicros(MetricId::kIterationDuration), 300000);
}

TEST(CancelStep, StopsANamedMessageHandler) {
  ManualRun run = RunManual(R"(name: cancel-handler
target: builtin:echo
steps:
  - connect: /h
  - on-message: {name: counter, do: [{fail: {name: seen}}]}
  - send: a
  - expect: {match: {text: a}, within: 2s, name: a}
  - cancel: counter
  - send: b
  - expect: {match: {text: b}, within: 2s, name: b}
  - close
)");
  EXPECT_EQ(run.Passes("a"), 1u);
  EXPECT_EQ(run.Passes("b"), 1u);
  EXPECT_EQ(run.Fails("seen"), 1u);
}

TEST(AfterStep, NestedAftersRunInOrderAndTheIterationWaitsForThem) {
  ManualRun run = RunManual(R"(name: after
target: builtin:echo
steps:
  - connect: /after
  - after:
      delay: 100ms
      do:
        - send: first
        - after:
            delay: 100ms
            do:
              - send: second
              - after: {delay: 100ms, do: [close]}
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 302000);
  ASSERT_EQ(run.sockets.size(), 1u);
  EXPECT_EQ(run.Sent(0), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(run.sockets[0]->close_codes, std::vector<int>{1000});
}

TEST(PingStep, EveryPingGetsAPongSample) {
  ManualRun run = RunManual(R"(name: ping
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /ping
  - ping
  - ping: {name: hb}
  - repeat: {times: 3, do: [{ping: {name: hb}}]}
  - send: done
  - expect: {match: {text: done}, within: 2s, name: done}
  - close
)");
  EXPECT_EQ(run.Passes("done"), 2u);
  EXPECT_EQ(run.server.pings, 10);
  // The server answers each ping 1 ms later, before `done` comes back.
  EXPECT_EQ(run.Samples(MetricId::kWsPing), 10u);
  EXPECT_EQ(run.MaxMicros(MetricId::kWsPing), 1000);
  // docs/language.md, ping: "the pong's round trip is recorded in ws_ping (tagged with name)".
  EXPECT_EQ(run.Samples(MetricId::kWsPing, {{"name", "hb"}}), 8u);
}

}  // namespace
}  // namespace wsyaml::engine::testing
