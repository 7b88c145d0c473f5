// The waiting steps (expect, sleep, wait, repeat), set, fail, send with reply, measure,
// reconnect and data feeders, run by the real wsyaml binary against real servers on
// loopback, asserting on the metrics and on what the server saw.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

TEST(ExpectStep, PassesOnAMatchAndFailsOnTimeoutWithExactCounts) {
  ScenarioRun run = RunScenario(R"(name: expect
target: builtin:echo
load: {vus: 2, iterations: 2}
steps:
  - connect: /expect
  - send: "a ${vu}"
  - expect: {match: {text: "a ${vu}"}, within: 2s, name: hit}
  - expect: {match: {text: never}, within: 200ms, name: miss}
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 4);
  EXPECT_EQ(run.Passes("hit"), 4u);
  EXPECT_EQ(run.Fails("hit"), 0u);
  EXPECT_EQ(run.Passes("miss"), 0u);
  EXPECT_EQ(run.Fails("miss"), 4u);
  EXPECT_NE(run.LastFailure("miss").find("timeout"), std::string::npos) << run.LastFailure("miss");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "hit"}}), 4u);
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "miss"}}), 0u);
  EXPECT_EQ(run.Samples(MetricId::kChecks), 8u);
  EXPECT_EQ(run.Counter(MetricId::kChecks), 4);  // a rate's sum counts the passes
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 200000);
}

TEST(ExpectStep, FailsAtOnceWhenTheServerCloses) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: expect-closed
target: builtin:echo
steps:
  - connect: /close-after/1
  - send: x
  - expect: {match: {text: never}, within: 5s, name: closed}
)",
                                {"--target", peer.Url()});
  peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Fails("closed"), 1u);
  EXPECT_NE(run.LastFailure("closed").find("closed"), std::string::npos)
      << run.LastFailure("closed");
  EXPECT_EQ(run.Samples(MetricId::kIterationDuration), 1u);
  EXPECT_LT(run.MinMicros(MetricId::kIterationDuration), 3e6);
}

TEST(SleepStep, IterationLastsAtLeastTheSleeps) {
  ScenarioRun run = RunScenario(R"(name: sleep
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - sleep: 300ms
  - sleep: {duration: 100ms..200ms}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Samples(MetricId::kIterationDuration), 2u);
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 400000);
}

TEST(WaitStep, WaitsForTheServerToClose) {
  ScenarioRun run = RunScenario(R"(name: wait
target: builtin:chat
steps:
  - connect: /ws/crocochat/wait/
  - send: {json: {event: SET_NAME, new_name: "w${vu}"}}
  - send: {json: {event: LEAVE}}
  - wait
  - fail: {message: "after the close", name: after-wait}
  - send: too late
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Fails("after-wait"), 1u);
  // The connection was closed when the step after `wait` ran.
  EXPECT_EQ(run.Errors("send"), 1u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "1000"}}), 1);
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["leaves"], 1);
}

TEST(WaitStep, MaxBoundsTheWait) {
  ScenarioRun run = RunScenario(R"(name: wait-max
target: builtin:echo
steps:
  - connect: /open
  - wait: {max: 300ms}
  - send: still open
  - expect: {match: {text: still open}, within: 2s, name: open}
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("open"), 1u);
  EXPECT_GE(run.MinMicros(MetricId::kWsSessionDuration), 0.99 * 300000);
  EXPECT_LT(run.MinMicros(MetricId::kIterationDuration), 3e6);
}

TEST(WaitStep, AllWaitsForEveryConnectionOfTheVu) {
  ScenarioRun run = RunScenario(R"(name: wait-all
target: builtin:echo
steps:
  - connect:
      url: /bg
      count: 2
      steps: [{after: {delay: 300ms, do: [close]}}]
  - wait: all
  - connect: /after-all
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 3);
  // The third connection opened only after the first two had closed at 300 ms.
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 300000);
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["connections"], 3);
}

TEST(WaitStep, AllWithMaxReturnsWhileConnectionsAreStillOpen) {
  ScenarioRun run = RunScenario(R"(name: wait-all-max
target: builtin:echo
steps:
  - connect: /main
  - connect:
      url: /bg
      steps: [{after: {delay: 1500ms, do: [close]}}]
  - wait: {all: true, max: 300ms}
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Samples(MetricId::kWsSessionDuration), 2u);
  // /main closed after the 300 ms max, long before /bg; the iteration waited for /bg.
  EXPECT_GE(run.MinMicros(MetricId::kWsSessionDuration), 0.99 * 300000);
  EXPECT_LT(run.MinMicros(MetricId::kWsSessionDuration), 1.2e6);
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 1500000);
}

TEST(RepeatStep, TimesGivesExactSendsAndForRunsForADuration) {
  ScenarioRun run = RunScenario(R"(name: repeat
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /repeat
  - repeat:
      times: 4
      do:
        - send: "r ${vu}"
        - expect: {match: {text: "r ${vu}"}, within: 1s, name: r}
  - repeat: {for: 350ms, do: [{send: tick}, {sleep: 100ms}]}
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("r"), 8u);
  EXPECT_EQ(run.Fails("r"), 0u);
  double ticks = run.Counter(MetricId::kWsMsgsSent) - 8;
  // Rounds start at 0, 100, 200, 300 ms (fewer if the machine is slow), never after 350.
  EXPECT_GE(ticks, 2 * 2);
  EXPECT_LE(ticks, 2 * 4);
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["frames_in"].get<double>(), ticks + 8);
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 0.99 * 350000);
}

TEST(SetStep, SetsVariablesForLaterSteps) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: set
target: builtin:echo
vars: {base: "b${vu}"}
steps:
  - set: {a: "x-${base}", id: "${uuid()}"}
  - set: {b: "${a}-y"}
  - connect: /set
  - send: "${b}"
  - send: "${id}"
  - send: "${id}"
  - close
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(seen.size(), 1u);
  auto texts = RecordedTexts(seen[0]);
  ASSERT_EQ(texts.size(), 3u) << seen.dump();
  EXPECT_EQ(texts[0], "x-b1-y");
  EXPECT_TRUE(std::regex_match(texts[1], std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                                    "[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << texts[1];
  EXPECT_EQ(texts[2], texts[1]);  // drawn once, when set ran
}

TEST(FailStep, RecordsAFailedCheckWithTheTemplatedMessage) {
  ScenarioRun run = RunScenario(R"(name: fail
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - fail: {message: "vu ${vu} failed", name: neg}
  - fail
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Fails("neg"), 2u);
  EXPECT_EQ(run.Passes("neg"), 0u);
  EXPECT_TRUE(std::regex_match(run.LastFailure("neg"), std::regex("vu [12] failed")))
      << run.LastFailure("neg");
  EXPECT_EQ(run.Fails("fail at line 6"), 2u);
  EXPECT_EQ(run.Samples(MetricId::kChecks), 4u);
  EXPECT_EQ(run.Counter(MetricId::kChecks), 0);
}

TEST(SendReply, CorrelatedRepliesInsideEvery) {
  ScenarioRun run = RunScenario(R"(name: reply
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect:
      url: /rpc
      steps:
        - every:
            interval: 50ms
            times: 10
            do:
              - send:
                  json: {id: "${uuid()}", vu: "${vu}"}
                  reply: {match: {json: {id: "${sent.id}"}}, within: 1s, name: rpc}
        - after: {delay: 1s, do: [close]}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("rpc"), 20u);
  EXPECT_EQ(run.Fails("rpc"), 0u) << run.LastFailure("rpc");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "rpc"}}), 20u);
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["frames_in"], 20);
}

TEST(SendReply, TimeoutsAndClosesFailTheCheckWithTheReason) {
  ScenarioRun run = RunScenario(R"(name: reply-fail
target: builtin:echo
steps:
  - connect:
      url: /rpc
      steps:
        - every:
            interval: 50ms
            times: 3
            do:
              - send:
                  json: {id: "${uuid()}"}
                  reply: {match: {json: {id: "other-${sent.id}"}}, within: 100ms, name: lost}
        - send:
            json: {id: x}
            reply: {match: {text: never}, within: 5s, name: cut}
        - after: {delay: 500ms, do: [close]}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Fails("lost"), 3u);
  EXPECT_EQ(run.Passes("lost"), 0u);
  EXPECT_NE(run.LastFailure("lost").find("timeout"), std::string::npos) << run.LastFailure("lost");
  EXPECT_EQ(run.Fails("cut"), 1u);
  EXPECT_NE(run.LastFailure("cut").find("closed"), std::string::npos) << run.LastFailure("cut");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime), 0u);
  EXPECT_LT(run.MinMicros(MetricId::kIterationDuration), 3e6);
}

TEST(MeasureOption, DeliveryTimeFromANumericTimestamp) {
  ScenarioRun run = RunScenario(R"(name: measure-number
target: builtin:echo
steps:
  - connect: /m
  - on-message: {match: {json: {}}, measure: {since: msg.at, name: echo-delivery}}
  - repeat: {times: 5, do: [{send: {json: {at: "${timestamp()}"}}}]}
  - send: done
  - expect: {match: {text: done}, within: 2s, name: done}
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime, {{"name", "echo-delivery"}}), 5u);
}

TEST(MeasureOption, DeliveryTimeOnTheChatFanOut) {
  // Three listeners and one publisher that says five timestamped messages; the chat server's
  // `message` is text, so the timestamp leads it ("1712345678901"), as scenarios/fanout.yaml
  // does. docs/language.md: "The field may hold a number, or text that starts with one".
  ScenarioRun run = RunScenario(R"(name: fanout
target: builtin:chat
scenarios:
  listeners:
    load: {vus: 3, iterations: 1}
    steps:
      - connect:
          url: /ws/crocochat/m/
          steps:
            - send: {json: {event: SET_NAME, new_name: "sub-${vu}"}}
            - on-message:
                match: {json: {event: CHAT_MSG}, regex: '"user":"pub"'}
                measure: {since: msg.message, name: fanout}
            - after: {delay: 2500ms, do: [close]}
  publishers:
    load: {vus: 1, iterations: 1}
    steps:
      - sleep: 1200ms                 # VU starts are spread over the first second
      - connect:
          url: /ws/crocochat/m/
          steps:
            - send: {json: {event: SET_NAME, new_name: pub}}
            - every: {interval: 100ms, times: 5, do: [{send: {json: {event: SAY, message: "${timestamp()} hi"}}}]}
            - after: {delay: 1s, do: [close]}
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["says"], 5);
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime, {{"name", "fanout"}}), 15u) << run.Output();
  // The publisher's own copies are not measured, and nothing else is.
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime), 15u);
  // Loopback delivery: well under the 1.2 s the publisher waited.
  EXPECT_LT(run.MinMicros(MetricId::kWsDeliveryTime), 1e6);
}

TEST(ReconnectOption, ReconnectsAfterAbnormalClosesUpToMax) {
  ServeProcess chaos("chaos");
  ASSERT_GT(chaos.port(), 0);
  ScenarioRun run = RunScenario(R"(name: reconnect
target: builtin:echo
steps:
  - connect:
      url: /drop-after/2
      reconnect: {max: 3, backoff: 50ms}
      steps:
        - on-open: {do: [{send: opened}]}
        - send: hello
  - connect:
      url: /echo
      reconnect: {max: 3, backoff: 50ms}
      steps:
        - send: normal
        - after: {delay: 200ms, do: [close]}
)",
                                {"--target", chaos.Url()});
  nlohmann::json counts = chaos.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  // Four opens of /drop-after/2 (the first and three reconnects), one of /echo, closed
  // normally and not reconnected.
  EXPECT_EQ(run.Counter(MetricId::kWsReconnects), 3);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 5);
  EXPECT_EQ(run.Errors("closed-abnormally"), 4u) << run.DescribeErrors();
  ASSERT_TRUE(counts.is_object());
  EXPECT_EQ(counts["connections"], 5) << counts.dump();
  // Each /drop-after/2 connection re-ran its steps: `hello` and `opened` (on-open) each time.
  EXPECT_EQ(counts["frames_in"], 4 * 2 + 1) << counts.dump();
}

TEST(ReconnectOption, AFailedConnectIsRetriedToo) {
  // A loopback port that refuses: bound, not listening, for as long as the child lives.
  ServerProcess refusing({"/usr/bin/python3", "-c",
                          "import socket,time;s=socket.socket();s.bind(('127.0.0.1',0));"
                          "print('listening on ws://127.0.0.1:%d'%s.getsockname()[1],"
                          "flush=True);time.sleep(60)"});
  ASSERT_GT(refusing.port(), 0);
  ScenarioRun run = RunScenario(R"(name: reconnect-refused
target: builtin:echo
steps:
  - connect:
      url: /nobody
      reconnect: {max: 2, backoff: 50ms}
      steps: [{send: never}]
)",
                                {"--target", "ws://127.0.0.1:" + std::to_string(refusing.port())});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(run.Counter(MetricId::kWsReconnects), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 3);
  EXPECT_EQ(run.Errors("refused"), 3u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);
}

TEST(DataFeeder, RowsReachTheServer) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run =
      RunScenario(R"(name: feeder
target: builtin:echo
data:
  users: {csv: users.csv, order: sequential}
  ids: {json: ids.json, order: per-vu}
load: {vus: 2, iterations: 2}
steps:
  - connect: /feed
  - send: "${vu}|${data.users.name}|${data.users.greeting}|${data.ids.id}"
  - close
)",
                  {"--target", peer.Url()},
                  {{"users.csv", "name,greeting\nann,hi\nbob,\"hello, there\"\ncat,hey\n"},
                   {"ids.json", R"([{"id": "a"}, {"id": "b"}])"}});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(seen.size(), 4u) << run.Output();
  std::map<std::string, int> names;
  const std::map<std::string, std::string> greeting = {
      {"ann", "hi"}, {"bob", "hello, there"}, {"cat", "hey"}};
  for (const auto& c : seen) {
    auto texts = RecordedTexts(c);
    ASSERT_EQ(texts.size(), 1u);
    std::smatch m;
    std::string text = texts[0];
    ASSERT_TRUE(std::regex_match(text, m, std::regex(R"(([12])\|(\w+)\|([^|]*)\|(\w))"))) << text;
    ++names[m[2]];
    EXPECT_EQ(greeting.at(m[2]), m[3].str()) << text;
    EXPECT_EQ(m[4].str(), m[1].str() == "1" ? "a" : "b") << text;  // per-vu: VU n takes row n
  }
  // Sequential: one cursor shared by the VUs, wrapping: rows 0, 1, 2, 0.
  EXPECT_EQ(names, (std::map<std::string, int>{{"ann", 2}, {"bob", 1}, {"cat", 1}}));
}

}  // namespace
}  // namespace wsyaml::testing
