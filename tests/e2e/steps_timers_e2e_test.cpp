// every, after, cancel, close and ping, run by the real wsyaml binary against real servers on
// loopback, asserting on the metrics and on what the server saw.
#include <gtest/gtest.h>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

TEST(EveryStep, TimesBoundsTheNumberOfRuns) {
  ScenarioRun run = RunScenario(R"(name: every
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /every
  - every: {interval: 50ms, times: 5, do: [{send: "tick ${vu}"}]}
  - after: {delay: 700ms, do: [close]}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 10);
  ASSERT_TRUE(run.builtin.is_object()) << run.process.out;
  EXPECT_EQ(run.builtin["frames_in"], 10);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
}

TEST(EveryStep, HowLateEachTimerRanIsRecordedByName) {
  ScenarioRun run = RunScenario(R"(name: lateness
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /
  - every: {name: tick, interval: 50ms, times: 4, do: [{send: t}]}
  - after: {name: bye, delay: 400ms, do: [close]}
thresholds:
  timer_lateness: ["p(99) < 100ms"]
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Samples(MetricId::kTimerLateness, {{"name", "tick"}}), 8u);
  EXPECT_EQ(run.Samples(MetricId::kTimerLateness, {{"name", "bye"}}), 2u);
  EXPECT_NE(run.process.out.find("timer_lateness"), std::string::npos) << run.process.out;
}

TEST(EveryStep, RunsAtItsIntervalUntilCancelled) {
  // Ticks at 100, 200, 300 ms; the cancel at 350 ms stops the one due at 400 ms. Timers fire
  // in deadline order, so a late thread does not change the count.
  ScenarioRun run = RunScenario(R"(name: cancel
target: builtin:echo
steps:
  - connect: /cancel
  - every: {name: ticker, interval: 100ms, do: [{send: tick}]}
  - after: {delay: 350ms, do: [{cancel: ticker}]}
  - after: {delay: 800ms, do: [close]}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 3);
  ASSERT_TRUE(run.builtin.is_object()) << run.process.out;
  EXPECT_EQ(run.builtin["frames_in"], 3);
  // The iteration lasted until the close at 800 ms.
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 800000);
}

TEST(EveryStep, AVuLevelTimerKeepsTheIterationGoing) {
  // Without a connection the timer belongs to the VU; the iteration ends after its last run.
  ScenarioRun run = RunScenario(R"(name: every-vu
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - every: {interval: 100ms, times: 3, do: [{fail: {message: "tick ${iter}", name: tick}}]}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Fails("tick"), 6u);
  EXPECT_EQ(run.LastFailure("tick"), "tick 1");
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 300000);
}

TEST(CancelStep, StopsANamedMessageHandler) {
  ScenarioRun run = RunScenario(R"(name: cancel-handler
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
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("a"), 1u);
  EXPECT_EQ(run.Passes("b"), 1u);
  EXPECT_EQ(run.Fails("seen"), 1u);
}

TEST(AfterStep, NestedAftersRunInOrderAndTheIterationWaitsForThem) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: after
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 300000);
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(RecordedTexts(seen[0]), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(seen[0]["close_code"], 1000);
}

TEST(CloseStep, CodeAndReasonReachTheServer) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: close
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect:
      url: /coded/${vu}
      steps:
        - close: {code: 4000, reason: "done ${vu}"}
  - connect:
      url: /plain/${vu}
      steps: [close]
  - connect:
      url: /short/${vu}
      steps: [{close: 4002}]
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  // The server echoes the close code; the client counts the code it got back.
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "4000"}}), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "1000"}}), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "4002"}}), 2);
  ASSERT_EQ(seen.size(), 6u) << seen.dump();
  for (const auto& c : seen) {
    std::string path = c["path"];
    std::string vu = path.substr(path.rfind('/') + 1);
    if (path.rfind("/coded/", 0) == 0) {
      EXPECT_EQ(c["close_code"], 4000) << c.dump();
      EXPECT_EQ(c["close_reason"], "done " + vu) << c.dump();
    } else if (path.rfind("/plain/", 0) == 0) {
      EXPECT_EQ(c["close_code"], 1000) << c.dump();
      EXPECT_EQ(c["close_reason"], "") << c.dump();
    } else {
      EXPECT_EQ(c["close_code"], 4002) << c.dump();
    }
  }
}

TEST(PingStep, EveryPingGetsAPongSample) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: ping
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("done"), 2u);
  ASSERT_EQ(seen.size(), 2u);
  for (const auto& c : seen) EXPECT_EQ(c["pings"], 5) << c.dump();
  // The server answers each ping before it reads the next frame, so every pong is in
  // before `done` comes back.
  EXPECT_EQ(run.Samples(MetricId::kWsPing), 10u);
  // docs/language.md, ping: "the pong's round trip is recorded in ws_ping (tagged with name)".
  EXPECT_EQ(run.Samples(MetricId::kWsPing, {{"name", "hb"}}), 8u)
      << "ws_ping samples carry no name tag";
}

TEST(PingStep, ServerPingsAreAnsweredAutomatically) {
  ServeProcess chaos("chaos");
  ASSERT_GT(chaos.port(), 0);
  ScenarioRun run = RunScenario(R"(name: server-ping
target: builtin:echo
steps:
  - connect: /ping/50
  - sleep: 600ms
  - close
)",
                                {"--target", chaos.Url()});
  nlohmann::json counts = chaos.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(counts.is_object());
  EXPECT_GE(counts["pings_sent"].get<int>(), 5) << counts.dump();
  // A ping in flight when the client closes may go unanswered.
  EXPECT_GE(counts["pongs_received"].get<int>(), counts["pings_sent"].get<int>() - 1)
      << counts.dump();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
}

}  // namespace
}  // namespace wsyaml::testing
