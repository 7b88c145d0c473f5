// The waiting steps (expect, sleep, wait, repeat), set, fail, send with reply, measure,
// reconnect and data feeders on the manual clock against the fake echo server, which opens,
// echoes and answers closes 1 ms later: every duration below is exact.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

TEST(ExpectStep, PassesOnAMatchAndFailsOnTimeoutWithExactCounts) {
  ManualRun run = RunManual(R"(name: expect
target: builtin:echo
load: {vus: 2, iterations: 2}
steps:
  - connect: /expect
  - send: "a ${vu}"
  - expect: {match: {text: "a ${vu}"}, within: 2s, name: hit}
  - expect: {match: {text: never}, within: 200ms, name: miss}
  - close
)");
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
  // Open 1 ms, echo 1 ms, the miss's 200 ms, close 1 ms.
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 203000);
  EXPECT_EQ(run.MaxMicros(MetricId::kIterationDuration), 203000);
}

TEST(ExpectStep, FailsAtOnceWhenTheServerCloses) {
  ManualRun run = RunManual(R"(name: expect-closed
target: builtin:echo
steps:
  - connect: /close-after/1
  - send: x
  - expect: {match: {text: never}, within: 5s, name: closed}
)");
  EXPECT_EQ(run.Fails("closed"), 1u);
  EXPECT_NE(run.LastFailure("closed").find("closed"), std::string::npos)
      << run.LastFailure("closed");
  EXPECT_EQ(run.Samples(MetricId::kIterationDuration), 1u);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 2000);  // open, then echo and close
}

TEST(SleepStep, IterationLastsTheSleeps) {
  ManualRun run = RunManual(R"(name: sleep
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - sleep: 300ms
  - sleep: {duration: 100ms..200ms}
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Samples(MetricId::kIterationDuration), 2u);
  EXPECT_GE(run.MinMicros(MetricId::kIterationDuration), 400000);
  EXPECT_LE(run.MaxMicros(MetricId::kIterationDuration), 500000);
}

TEST(WaitStep, WaitsForTheServerToClose) {
  ManualRun run = RunManual(R"(name: wait
target: builtin:echo
steps:
  - connect: /close-after/2
  - send: one
  - send: two
  - wait
  - fail: {message: "after the close", name: after-wait}
  - send: too late
)");
  EXPECT_EQ(run.Fails("after-wait"), 1u);
  // The connection was closed when the step after `wait` ran.
  EXPECT_EQ(run.Errors("send"), 1u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "4001"}}), 1);
  EXPECT_EQ(run.server.frames_in, 2);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 2000);
}

TEST(WaitStep, MaxBoundsTheWait) {
  ManualRun run = RunManual(R"(name: wait-max
target: builtin:echo
steps:
  - connect: /open
  - wait: {max: 300ms}
  - send: still open
  - expect: {match: {text: still open}, within: 2s, name: open}
  - close
)");
  EXPECT_EQ(run.Passes("open"), 1u);
  // 300 ms of waiting, the echo and the close.
  EXPECT_EQ(run.MinMicros(MetricId::kWsSessionDuration), 302000);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 303000);
}

TEST(WaitStep, AllWaitsForEveryConnectionOfTheVu) {
  ManualRun run = RunManual(R"(name: wait-all
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
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 3);
  ASSERT_EQ(run.sockets.size(), 3u);
  // The third connection opened only after the first two had closed (opened at 1 ms, closing
  // at 301 ms, closed at 302 ms).
  EXPECT_EQ(run.ConnectedAt(2), 302ms);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 304000);
  EXPECT_EQ(run.server.connections, 3);
}

TEST(WaitStep, AllWithMaxReturnsWhileConnectionsAreStillOpen) {
  ManualRun run = RunManual(R"(name: wait-all-max
target: builtin:echo
steps:
  - connect: /main
  - connect:
      url: /bg
      steps: [{after: {delay: 1500ms, do: [close]}}]
  - wait: {all: true, max: 300ms}
  - close
)");
  EXPECT_EQ(run.Samples(MetricId::kWsSessionDuration), 2u);
  // /main closed after the 300 ms max, long before /bg; the iteration waited for /bg.
  EXPECT_EQ(run.MinMicros(MetricId::kWsSessionDuration), 301000);
  EXPECT_EQ(run.MaxMicros(MetricId::kWsSessionDuration), 1501000);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 1503000);
}

TEST(RepeatStep, TimesGivesExactSendsAndForRunsForADuration) {
  ManualRun run = RunManual(R"(name: repeat
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
  EXPECT_EQ(run.Passes("r"), 8u);
  EXPECT_EQ(run.Fails("r"), 0u);
  // Rounds start at 0, 100, 200 and 300 ms, never after 350: exactly 4 ticks per VU.
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 8 + 2 * 4);
  EXPECT_EQ(run.server.frames_in, 8 + 2 * 4);
  // Open, four echoes, four rounds of 100 ms, the close.
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 406000);
}

TEST(SetStep, SetsVariablesForLaterSteps) {
  ManualRun run = RunManual(R"(name: set
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
)");
  ASSERT_EQ(run.sockets.size(), 1u);
  auto texts = run.Sent(0);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0], "x-b1-y");
  EXPECT_TRUE(std::regex_match(texts[1], std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                                    "[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << texts[1];
  EXPECT_EQ(texts[2], texts[1]);  // drawn once, when set ran
}

TEST(FailStep, RecordsAFailedCheckWithTheTemplatedMessage) {
  ManualRun run = RunManual(R"(name: fail
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - fail: {message: "vu ${vu} failed", name: neg}
  - fail
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Fails("neg"), 2u);
  EXPECT_EQ(run.Passes("neg"), 0u);
  EXPECT_EQ(run.LastFailure("neg"), "vu 2 failed");  // VU 2 starts last
  EXPECT_EQ(run.Fails("fail at line 6"), 2u);
  EXPECT_EQ(run.Samples(MetricId::kChecks), 4u);
  EXPECT_EQ(run.Counter(MetricId::kChecks), 0);
}

TEST(SendReply, CorrelatedRepliesInsideEvery) {
  ManualRun run = RunManual(R"(name: reply
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
  EXPECT_EQ(run.Passes("rpc"), 20u);
  EXPECT_EQ(run.Fails("rpc"), 0u) << run.LastFailure("rpc");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "rpc"}}), 20u);
  EXPECT_EQ(run.MaxMicros(MetricId::kWsReplyTime, {{"name", "rpc"}}), 1000);
  EXPECT_EQ(run.server.frames_in, 20);
}

TEST(SendReply, TimeoutsAndClosesFailTheCheckWithTheReason) {
  ManualRun run = RunManual(R"(name: reply-fail
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
  EXPECT_EQ(run.Fails("lost"), 3u);
  EXPECT_EQ(run.Passes("lost"), 0u);
  EXPECT_NE(run.LastFailure("lost").find("timeout"), std::string::npos) << run.LastFailure("lost");
  EXPECT_EQ(run.Fails("cut"), 1u);
  EXPECT_NE(run.LastFailure("cut").find("closed"), std::string::npos) << run.LastFailure("cut");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime), 0u);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 502000);  // open, 500 ms, close
}

TEST(MeasureOption, DeliveryTimeFromANumericTimestamp) {
  ManualRun run = RunManual(R"(name: measure-number
target: builtin:echo
steps:
  - connect: /m
  - on-message: {match: {json: {}}, measure: {since: msg.at, name: echo-delivery}}
  - repeat: {times: 5, do: [{send: {json: {at: "${timestamp()}"}}}]}
  - send: done
  - expect: {match: {text: done}, within: 2s, name: done}
  - close
)");
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime, {{"name", "echo-delivery"}}), 5u);
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime), 5u);
}

TEST(ReconnectOption, ReconnectsAfterAbnormalClosesUpToMax) {
  ManualRun run = RunManual(R"(name: reconnect
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
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  // Four opens of /drop-after/2 (the first and three reconnects), one of /echo, closed
  // normally and not reconnected.
  EXPECT_EQ(run.Counter(MetricId::kWsReconnects), 3);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 5);
  EXPECT_EQ(run.Errors("closed-abnormally"), 4u) << run.DescribeErrors();
  EXPECT_EQ(run.server.connections, 5);
  // Each /drop-after/2 connection re-ran its steps: `hello` and `opened` (on-open) each time.
  EXPECT_EQ(run.server.frames_in, 4 * 2 + 1);
  ASSERT_EQ(run.sockets.size(), 5u);
  // Each reconnect 50 ms after the drop, which comes 2 ms after its connect.
  EXPECT_EQ(run.ConnectedAt(2), 52ms);
  EXPECT_EQ(run.ConnectedAt(3), 104ms);
  EXPECT_EQ(run.ConnectedAt(4), 156ms);
}

TEST(ReconnectOption, AFailedConnectIsRetriedToo) {
  ManualRun run = RunManual(R"(name: reconnect-refused
target: builtin:echo
steps:
  - connect:
      url: /refused
      reconnect: {max: 2, backoff: 50ms}
      steps: [{send: never}]
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(run.Counter(MetricId::kWsReconnects), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 3);
  EXPECT_EQ(run.Errors("refused"), 3u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 100000);  // two backoffs
}

TEST(DataFeeder, RowsReachTheServer) {
  ManualRunOptions options;
  options.files = {{"users.csv", "name,greeting\nann,hi\nbob,\"hello, there\"\ncat,hey\n"},
                   {"ids.json", R"([{"id": "a"}, {"id": "b"}])"}};
  ManualRun run = RunManual(R"(name: feeder
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
                            options);
  ASSERT_EQ(run.sockets.size(), 4u);
  std::map<std::string, int> names;
  const std::map<std::string, std::string> greeting = {
      {"ann", "hi"}, {"bob", "hello, there"}, {"cat", "hey"}};
  for (size_t i = 0; i < run.sockets.size(); ++i) {
    auto texts = run.Sent(i);
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
}  // namespace wsyaml::engine::testing
