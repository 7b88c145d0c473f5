// Step semantics on the manual clock: scenarios compiled from inline YAML, run by the real
// engine against the fake echo server (manual_run.h), asserting on the metrics and on what
// the server saw — exactly, since time is virtual.
// This file: connect, send, on-message, on-open/on-close/on-error. steps_flow_test.cpp has
// the waiting steps, set, fail, replies, measure, reconnect and feeders; steps_timers_test.cpp
// every, after, cancel and ping; steps_misc_test.cpp connect's options, log and templates.
// What needs a real socket (headers, subprotocols, frames and close frames on the wire) is
// in tests/e2e/steps_e2e_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

TEST(ConnectStep, LinearConnectWaitsForOpenAndTheFollowingStepsUseIt) {
  ManualRun run = RunManual(R"(name: linear
target: builtin:echo
load: {vus: 2, iterations: 3}
steps:
  - connect: /linear
  - send: "hi ${vu}.${iter}"
  - expect: {match: {text: "hi ${vu}.${iter}"}, within: 2s, name: echo}
  - close
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 6);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 6);
  EXPECT_EQ(run.Samples(MetricId::kWsConnecting), 6u);
  EXPECT_EQ(run.Samples(MetricId::kWsSessionDuration), 6u);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 6);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 6);
  EXPECT_EQ(run.Passes("echo"), 6u);
  EXPECT_EQ(run.Fails("echo"), 0u);
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "1000"}}), 6);
  EXPECT_TRUE(run.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(run.server.connections, 6);
  EXPECT_EQ(run.server.frames_in, 6);
  EXPECT_EQ(run.server.frames_out, 6);
  EXPECT_EQ(run.server.closes, 6);
  // Open, echo and close each take the server's 1 ms: every iteration lasts exactly 3 ms.
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 3000);
  EXPECT_EQ(run.MaxMicros(MetricId::kIterationDuration), 3000);
  EXPECT_EQ(run.MinMicros(MetricId::kWsReplyTime), 1000);
}

TEST(ConnectStep, AsyncConnectWithCountRunsEachConnectionsProgram) {
  ManualRun run = RunManual(R"(name: async
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect:
      url: /async/${vu}
      count: 3
      steps:
        - send: "vu ${vu} conn ${conn}"
        - expect: {match: {text: "vu ${vu} conn ${conn}"}, within: 2s, name: echo}
        - close
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 6);
  EXPECT_EQ(run.Passes("echo"), 6u);
  EXPECT_EQ(run.Fails("echo"), 0u);
  std::multiset<std::string> got, want;
  ASSERT_EQ(run.sockets.size(), 6u);
  for (size_t i = 0; i < run.sockets.size(); ++i) {
    auto texts = run.Sent(i);
    ASSERT_EQ(texts.size(), 1u);
    got.insert(run.Path(i) + " " + texts[0]);
    EXPECT_EQ(run.sockets[i]->close_codes, std::vector<int>{1000});
  }
  for (int vu = 1; vu <= 2; ++vu)
    for (int conn = 0; conn < 3; ++conn)
      want.insert("/async/" + std::to_string(vu) + " vu " + std::to_string(vu) + " conn " +
                  std::to_string(conn));
  EXPECT_EQ(got, want);
}

TEST(SendStep, TextAndJsonWithTypedLeaves) {
  ManualRun run = RunManual(R"(name: send
target: builtin:echo
vars: {greeting: hello}
load: {vus: 2, iterations: 1}
steps:
  - connect: /send/${vu}
  - send: "${greeting} ${vu}"
  - send: {text: "t${iter}"}
  - send:
      json:
        vu: "${vu}"
        iter: "${iter}"
        s: "vu ${vu}"
        n: 3
        f: 1.5
        b: true
        z: null
        nested: {list: [1, "${vu}", "x${vu}"]}
  - close
)");
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 6);
  ASSERT_EQ(run.sockets.size(), 2u);
  for (size_t i = 0; i < run.sockets.size(); ++i) {
    std::string path = run.Path(i);
    int vu = std::stoi(path.substr(path.rfind('/') + 1));
    auto texts = run.Sent(i);
    ASSERT_EQ(texts.size(), 3u);
    EXPECT_EQ(texts[0], "hello " + std::to_string(vu));
    EXPECT_EQ(texts[1], "t0");
    nlohmann::json sent = nlohmann::json::parse(texts[2], nullptr, false);
    nlohmann::json want = {{"vu", vu},
                           {"iter", 0},
                           {"s", "vu " + std::to_string(vu)},
                           {"n", 3},
                           {"f", 1.5},
                           {"b", true},
                           {"z", nullptr},
                           {"nested", {{"list", {1, vu, "x" + std::to_string(vu)}}}}};
    EXPECT_EQ(sent, want) << texts[2];
    // Compact: no blanks outside strings.
    EXPECT_EQ(texts[2].find(": "), std::string::npos) << texts[2];
    EXPECT_EQ(texts[2].find(", "), std::string::npos) << texts[2];
  }
}

TEST(OnMessageStep, EveryMatcherFiresForExactlyTheMessagesItMatches) {
  // Each handler records a failed check under its own name: the fail counts are the number
  // of times it fired. `done` comes back last (echo keeps order), so all handlers have run.
  ManualRun run = RunManual(R"x(name: matchers
target: builtin:echo
steps:
  - connect: /m
  - on-message: {match: {text: exact}, do: [{fail: {name: m-text}}]}
  - on-message: {match: {contains: needle}, do: [{fail: {name: m-contains}}]}
  - on-message: {match: {regex: '^order-[0-9]+$'}, do: [{fail: {name: m-regex}}]}
  - on-message: {match: {regex: 'ne+dle'}, do: [{fail: {name: m-regex-search}}]}
  - on-message: {match: {json: {event: CHAT_MSG, user: {id: "u${vu}"}}}, do: [{fail: {name: m-json}}]}
  - on-message: {match: {json: {n: 5}}, do: [{fail: {name: m-json-number}}]}
  - on-message: {match: {json: {event: OTHER}}, do: [{fail: {name: m-json-other}}]}
  - on-message: {match: {json: {}}, do: [{fail: {name: m-json-any}}]}
  - on-message: {match: {binary: true}, do: [{fail: {name: m-binary}}]}
  - on-message: {match: {binary: false}, do: [{fail: {name: m-text-frames}}]}
  - on-message: {match: {contains: order, binary: false}, do: [{fail: {name: m-both}}]}
  - on-message: {do: [{fail: {name: m-any}}]}
  - on-message: {once: true, do: [{fail: {name: m-once}}]}
  - send: exact
  - send: contains-needle-here
  - send: order-123
  - send: {json: {event: CHAT_MSG, user: {id: u1, extra: 1}, n: 5}}
  - send: {hex: "01 02"}
  - send: "not json {"
  - send: done
  - expect: {match: {text: done}, within: 2s, name: done}
  - close
)x");
  EXPECT_EQ(run.Passes("done"), 1u);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 7);
  const std::map<std::string, uint64_t> want = {
      {"m-text", 1},   {"m-contains", 1},    {"m-regex", 1},      {"m-regex-search", 1},
      {"m-json", 1},   {"m-json-number", 1}, {"m-json-other", 0}, {"m-json-any", 1},
      {"m-binary", 1}, {"m-text-frames", 6}, {"m-both", 1},       {"m-any", 7},
      {"m-once", 1}};
  for (const auto& [name, fired] : want) EXPECT_EQ(run.Fails(name), fired) << name;
}

TEST(OnMessageStep, CaptureStoresFieldsForLaterSends) {
  ManualRun run = RunManual(R"(name: capture
target: builtin:echo
steps:
  - connect: /cap
  - on-message:
      match: {json: {op: hello}}
      once: true
      capture: {who: msg.user.name, whole: msg}
      do: [{log: "captured ${who}"}]
  - send: {json: {op: hello, user: {name: "alice${vu}"}, list: [10, 20]}}
  - expect: {match: {json: {op: hello}}, capture: {second: "msg.list[1]"}, within: 2s, name: got}
  - send: "captured ${who} ${second}"
  - expect: {match: {text: "captured alice1 20"}, within: 2s, name: used}
  - send: "${whole}"
  - close
)");
  EXPECT_EQ(run.Passes("got"), 1u);
  EXPECT_EQ(run.Passes("used"), 1u) << run.LastFailure("used");
  ASSERT_EQ(run.sockets.size(), 1u);
  auto texts = run.Sent(0);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[1], "captured alice1 20");
  EXPECT_EQ(texts[2], texts[0]);  // `msg` captures the whole text
  EXPECT_NE(run.log.find("captured alice1"), std::string::npos) << run.log;
}

TEST(OnMessageStep, AllMatchingHandlersFireInTheOrderWritten) {
  ManualRun run = RunManual(R"(name: order
target: builtin:echo
steps:
  - connect: /order
  - on-message: {match: {text: go}, do: [{set: {trail: "${trail}a"}}]}
  - on-message: {match: {contains: g}, do: [{set: {trail: "${trail}b"}}]}
  - on-message: {match: {text: nope}, do: [{set: {trail: "${trail}x"}}]}
  - on-message: {do: [{set: {trail: "${trail}c"}}]}
  - set: {trail: ">"}
  - send: go
  - expect: {match: {text: go}, within: 2s, name: go}
  - send: "${trail}"
  - close
)");
  ASSERT_EQ(run.sockets.size(), 1u);
  EXPECT_EQ(run.Sent(0), (std::vector<std::string>{"go", ">abc"}));
}

TEST(OnOpenStep, FiresOncePerOpenedConnection) {
  ManualRun run = RunManual(R"(name: on-open
target: builtin:echo
steps:
  - connect:
      url: /open
      count: 2
      steps:
        - on-open: {do: [{send: "open ${conn}"}]}
        - expect: {match: {contains: open}, within: 2s, name: opened}
        - close
)");
  EXPECT_EQ(run.Passes("opened"), 2u);
  ASSERT_EQ(run.sockets.size(), 2u);
  EXPECT_EQ(run.Sent(0), std::vector<std::string>{"open 0"});
  EXPECT_EQ(run.Sent(1), std::vector<std::string>{"open 1"});
}

TEST(OnCloseStep, FiresWhenTheServerClosesAndCanSendToANamedConnection) {
  ManualRun run = RunManual(R"(name: on-close
target: builtin:echo
steps:
  - connect: {url: /control, name: control}
  - connect:
      url: /close-after/1
      steps:
        - on-close:
            do:
              - send: {text: "closed ${conn}", to: control}
              - fail: {message: "closed by the server", name: closed}
        - send: trigger
  - after: {delay: 1s, do: [close]}
)");
  EXPECT_EQ(run.Fails("closed"), 1u);
  EXPECT_EQ(run.LastFailure("closed"), "closed by the server");
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "4001"}}), 1);
  ASSERT_EQ(run.sockets.size(), 2u);
  EXPECT_EQ(run.Path(0), "/control");
  EXPECT_EQ(run.Sent(0), std::vector<std::string>{"closed 0"});
  EXPECT_EQ(run.sockets[0]->close_codes, std::vector<int>{1000});
  EXPECT_EQ(run.Sent(1), std::vector<std::string>{"trigger"});
  EXPECT_TRUE(run.sockets[1]->close_codes.empty()) << "the server closed it";
}

TEST(OnErrorStep, FiresWhenTheConnectionIsRefused) {
  ManualRun run = RunManual(R"(name: on-error
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect:
      url: /refused
      steps:
        - on-error: {do: [{fail: {message: "VU ${vu} could not connect", name: conn-error}}]}
        - send: never
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Errors("refused"), 2u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);
  // docs/language.md: "on-error fires when the connection cannot be opened (refused, ...)".
  EXPECT_EQ(run.Fails("conn-error"), 2u);
  EXPECT_EQ(run.LastFailure("conn-error"), "VU 2 could not connect");
  EXPECT_EQ(run.server.connections, 0);
}

}  // namespace
}  // namespace wsyaml::engine::testing
