// The parts of the steps that need real sockets, run by the real wsyaml binary against a real
// server on loopback (the built-in chat server, `wsyaml serve chaos`, or the
// python3-websockets recorder in peers/): headers, subprotocols, binary and close frames on
// the wire, pongs to the server's pings, the chat fan-out. The steps' semantics are tested on
// the manual clock in tests/engine/steps*_test.cpp.
#include <gtest/gtest.h>

#include <set>

#include "background_run.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

TEST(ConnectStep, HeadersAndTemplatedUrlReachTheServer) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: headers
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect:
      url: /h?vu=${vu}
      headers: {X-Client: "wsyaml ${vu}", Authorization: "Bearer s3cret"}
  - close
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  std::set<std::string> paths;
  for (const auto& c : seen) {
    std::string path = c["path"];
    paths.insert(path);
    std::string vu = path.substr(path.find('=') + 1);
    EXPECT_EQ(c["headers"].value("x-client", ""), "wsyaml " + vu) << c.dump();
    EXPECT_EQ(c["headers"].value("authorization", ""), "Bearer s3cret") << c.dump();
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/h?vu=1", "/h?vu=2"}));
}

TEST(ConnectStep, SubprotocolsAreOfferedAndTheChosenOneIsConnProtocol) {
  RecorderPeer peer({"chat.v2"});
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: protocols
target: builtin:echo
steps:
  - connect: {url: /p, subprotocols: [chat.v3, chat.v2]}
  - send: "protocol=${conn.protocol}"
  - expect: {match: {text: protocol=chat.v2}, within: 2s, name: proto}
  - close
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("proto"), 1u) << run.DescribeErrors();
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["offered"], nlohmann::json({"chat.v3", "chat.v2"}));
  EXPECT_EQ(seen[0]["protocol"], "chat.v2");
  EXPECT_EQ(RecordedTexts(seen[0]), std::vector<std::string>{"protocol=chat.v2"});
}

TEST(ConnectStep, AServerThatPicksNoSubprotocolIsAHandshakeError) {
  // docs/language.md, connect: "a server that picks none is a handshake error".
  RecorderPeer peer;  // accepts no subprotocol
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: no-protocol
target: builtin:echo
steps:
  - connect: {url: /p, subprotocols: [chat.v9]}
  - send: hello
  - close
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Errors("handshake"), 1u) << run.DescribeErrors();
  EXPECT_EQ(run.Samples(MetricId::kWsConnecting), 0u);
  // The send on the failed connection counts an error of kind send and sends nothing.
  EXPECT_EQ(run.Errors("send"), 1u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);
  for (const auto& c : seen) EXPECT_TRUE(c["messages"].empty()) << c.dump();
}

TEST(SendStep, BinaryFromHexBase64AndFile) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: binary
target: builtin:echo
steps:
  - connect: /bin
  - send: {hex: "00 01 fe:ff"}
  - send: {base64: "AAECAw=="}
  - send: {file: frame.bin}
  - send: {text: done}
  - expect: {match: {text: done}, within: 2s, name: done}
  - close
)",
                                {"--target", peer.Url()},
                                {{"frame.bin", std::string("\x05\x06\x07\x00\xff", 5)}});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(seen.size(), 1u) << run.Output();
  EXPECT_EQ(RecordedTexts(seen[0]), (std::vector<std::string>{"binary:0001feff", "binary:00010203",
                                                              "binary:05060700ff", "done"}));
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 4);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 4);
}

// Three listeners and one publisher that says five timestamped messages; the chat server's
// `message` is text, so the timestamp leads it ("1712345678901"), as scenarios/fanout.yaml
// does. docs/language.md: "The field may hold a number, or text that starts with one".
// The run waits on its timers for seconds, so it goes in the background from the start.
BackgroundRun<ScenarioRun> fanout("MeasureOption.DeliveryTimeOnTheChatFanOut", [] {
  return RunScenario(R"(name: fanout
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
});

TEST(MeasureOption, DeliveryTimeOnTheChatFanOut) {
  const ScenarioRun& run = fanout.Get();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["says"], 5);
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime, {{"name", "fanout"}}), 15u) << run.Output();
  // The publisher's own copies are not measured, and nothing else is.
  EXPECT_EQ(run.Samples(MetricId::kWsDeliveryTime), 15u);
  // Loopback delivery: well under the 1.2 s the publisher waited.
  EXPECT_LT(run.MinMicros(MetricId::kWsDeliveryTime), 1e6);
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
