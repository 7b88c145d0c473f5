// The inbox of `expect` on the manual clock (manual_run.h): messages that arrive before an
// expect runs are kept in order, bounded, and taken by the oldest match; handlers still see
// every message; reply times run from the latest send before each message arrived. Also
// templated regexes and regex captures, which run here with the real engine.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

// The echo server returns every message 1 ms after it was sent: after the sleep, all of them
// wait in the inbox before the first expect runs.
TEST(Inbox, ExpectTakesTheOldestMatchingMessageThatAlreadyArrived) {
  ManualRun run = RunManual(R"(name: order
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /inbox
  - send: a1
  - send: b1
  - send: a2
  - sleep: 100ms
  - expect: {match: {regex: '^a'}, within: 1s, name: first-a, capture: {x: msg}}
  - expect: {match: {regex: '^a'}, within: 1s, name: second-a, capture: {y: msg}}
  - expect: {match: {text: b1}, within: 1s, name: b}
  - send: "${x},${y}"
  - close
)");
  EXPECT_EQ(run.Passes("first-a"), 1u);
  EXPECT_EQ(run.Passes("second-a"), 1u);
  EXPECT_EQ(run.Passes("b"), 1u);
  ASSERT_EQ(run.sockets.size(), 1u);
  std::vector<std::string> sent = run.Sent(0);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[3], "a1,a2");
  // Open 1 ms, sleep 100 ms, the expects take no time, close 1 ms.
  EXPECT_EQ(run.MaxMicros(MetricId::kIterationDuration), 102000);
  EXPECT_TRUE(run.shard.errors().empty()) << run.DescribeErrors();
}

// Issue 12's case: 8 linear expects, update 4 never comes. Updates 5..8 arrive while the
// expect for 4 waits; they stay in the inbox for the expects after it.
TEST(Inbox, OneMissingMessageFailsExactlyOneExpect) {
  std::string steps;
  for (int i = 1; i <= 8; ++i)
    if (i != 4) steps += "  - send: u" + std::to_string(i) + "\n";
  for (int i = 1; i <= 8; ++i) {
    steps += "  - expect: {match: {text: u" + std::to_string(i) + "}, within: 500ms, name: u" +
             std::to_string(i) + "}\n";
  }
  ManualRun run = RunManual(
      "name: gap\ntarget: builtin:echo\nload: {vus: 3, iterations: 2}\n"
      "steps:\n  - connect: /gap\n" +
      steps + "  - close\n");
  for (int i = 1; i <= 8; ++i) {
    std::string name = "u" + std::to_string(i);
    EXPECT_EQ(run.Passes(name), i == 4 ? 0u : 6u) << name;
    EXPECT_EQ(run.Fails(name), i == 4 ? 6u : 0u) << name;
  }
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime), 42u);
  EXPECT_TRUE(run.shard.errors().empty()) << run.DescribeErrors();
}

TEST(Inbox, OverflowDropsTheOldestAndCountsIt) {
  ManualRun run = RunManual(R"(name: bound
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: {url: /bound, inbox: 3}
  - send: m1
  - send: m2
  - send: m3
  - send: m4
  - send: m5
  - sleep: 50ms
  - expect: {match: {text: m1}, within: 100ms, name: dropped}
  - expect: {match: {text: m3}, within: 100ms, name: kept3}
  - expect: {match: {text: m5}, within: 100ms, name: kept5}
  - expect: {match: {regex: '^m'}, within: 100ms, name: any, capture: {left: msg}}
  - send: "left ${left}"
  - close
)");
  EXPECT_EQ(run.Errors("inbox-overflow"), 2u) << run.DescribeErrors();
  EXPECT_EQ(run.Fails("dropped"), 1u);
  EXPECT_EQ(run.Passes("kept3"), 1u);
  EXPECT_EQ(run.Passes("kept5"), 1u);
  EXPECT_EQ(run.Passes("any"), 1u);
  ASSERT_EQ(run.sockets.size(), 1u);
  EXPECT_EQ(run.Sent(0).back(), "left m4");
}

// Only what an expect of the connection may take is kept: other traffic cannot fill it.
TEST(Inbox, MessagesNoExpectOfTheConnectionMatchesAreNotKept) {
  ManualRun run = RunManual(R"(name: unrelated
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: {url: /unrelated, inbox: 2}
  - send: x1
  - send: x2
  - send: x3
  - send: m1
  - sleep: 10ms
  - expect: {match: {text: m1}, within: 100ms, name: m1}
  - close
)");
  // Four messages arrived before the expect; with inbox: 2 keeping all would overflow twice.
  EXPECT_EQ(run.Passes("m1"), 1u);
  EXPECT_TRUE(run.shard.errors().empty()) << run.DescribeErrors();
}

// With a 10 ms server: a is sent at 10 ms, b at 15 ms; a arrives at 20 ms and b at 25 ms,
// both after b's send. The expects run at 70 ms.
TEST(Inbox, ReplyTimeOfAnInboxMessageRunsFromTheLatestSendBeforeItArrived) {
  ManualRunOptions options;
  options.delay = 10ms;
  ManualRun run = RunManual(R"(name: reply-time
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /rt
  - send: a
  - sleep: 5ms
  - send: b
  - sleep: 50ms
  - expect: {match: {text: a}, within: 1s, name: a}
  - expect: {match: {text: b}, within: 1s, name: b}
  - close
)",
                            options);
  EXPECT_EQ(run.Passes("a"), 1u);
  EXPECT_EQ(run.Passes("b"), 1u);
  EXPECT_EQ(run.MaxMicros(MetricId::kWsReplyTime, {{"name", "a"}}), 5000);
  EXPECT_EQ(run.MaxMicros(MetricId::kWsReplyTime, {{"name", "b"}}), 10000);
}

TEST(Inbox, HandlersSeeEveryMessageWhetherOrNotAnExpectTakesItLater) {
  ManualRun run = RunManual(R"(name: handlers
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /handlers
  - on-message: {match: {regex: '^m'}, do: [{fail: {message: "seen ${msg}", name: seen}}]}
  - send: m1
  - send: m2
  - send: m3
  - sleep: 10ms
  - expect: {match: {text: m2}, within: 1s, name: m2}
  - expect: {match: {text: m1}, within: 1s, name: m1}
  - close
)");
  EXPECT_EQ(run.Fails("seen"), 3u);
  EXPECT_EQ(run.Passes("m1"), 1u);
  EXPECT_EQ(run.Passes("m2"), 1u);
}

TEST(Inbox, ConnectionsWithoutExpectKeepNone) {
  // inbox: 2 would overflow three times if the five messages were kept.
  ManualRun run = RunManual(R"(name: none
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: {url: /none, inbox: 2}
  - send: m1
  - send: m2
  - send: m3
  - send: m4
  - send: m5
  - sleep: 10ms
  - close
)");
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 5);
  EXPECT_TRUE(run.shard.errors().empty()) << run.DescribeErrors();
}

TEST(Inbox, AnAsyncProgramKeepsItsOwnInbox) {
  ManualRun run = RunManual(R"(name: async
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect:
      url: /async
      count: 2
      steps:
        - send: "x${conn}"
        - send: "y${conn}"
        - sleep: 10ms
        - expect: {match: {text: "y${conn}"}, within: 1s, name: y}
        - expect: {match: {text: "x${conn}"}, within: 1s, name: x}
        - close
)");
  EXPECT_EQ(run.Passes("x"), 2u);
  EXPECT_EQ(run.Passes("y"), 2u);
  EXPECT_EQ(run.Fails("x") + run.Fails("y"), 0u);
}

TEST(Inbox, AMessageThatArrivedBeforeTheCloseCanStillBeTaken) {
  ManualRun run = RunManual(R"(name: closed
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /close-after/2
  - send: a
  - send: b
  - wait
  - expect: {match: {text: b}, within: 1s, name: b}
  - expect: {match: {text: c}, within: 1s, name: c}
)");
  EXPECT_EQ(run.Passes("b"), 1u);
  EXPECT_EQ(run.Fails("c"), 1u);
  EXPECT_EQ(run.LastFailure("c"), "expect on a connection that is not open");
}

TEST(Regex, TemplatedRegexMatchesInsertedValuesLiterally) {
  ManualRun run = RunManual(R"(name: templated
target: builtin:echo
vars: {tag: "a.b(c"}
load: {vus: 2, iterations: 1}
steps:
  - connect: /re
  - send: "id aXb(c ${vu}"
  - expect: {match: {regex: '^id ${tag} ${vu}$'}, within: 100ms, name: dot-is-literal}
  - send: "id a.b(c ${vu}"
  - expect: {match: {regex: '^id ${tag} ${vu}$'}, within: 100ms, name: literal}
  - close
)");
  EXPECT_EQ(run.Fails("dot-is-literal"), 2u);
  EXPECT_EQ(run.Passes("dot-is-literal"), 0u);
  EXPECT_EQ(run.Passes("literal"), 2u);
  EXPECT_EQ(run.Fails("literal"), 0u);
}

TEST(Regex, CapturesStoreAGroupByNumberOrNameAndNothingWhenNotFound) {
  ManualRun run = RunManual(R"(name: captures
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /cap
  - send: "order=42 id=x7"
  - expect:
      match: {contains: order}
      within: 1s
      capture:
        order: {regex: 'order=(\d+)'}
        id: {regex: 'id=(?P<id>\w+)', group: id}
        whole: {regex: 'o\w+', group: 0}
        second: {regex: '(\w+)=(\d+)', group: 2}
        missing: {regex: 'nothere(\d)'}
  - send: "${order}|${id}|${whole}|${second}|${missing}"
  - close
)");
  ASSERT_EQ(run.sockets.size(), 1u);
  std::vector<std::string> sent = run.Sent(0);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1], "42|x7|order|42|");
}

}  // namespace
}  // namespace wsyaml::engine::testing
