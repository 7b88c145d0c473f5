// Every step kind of the language, run by the real wsyaml binary against a real server on
// loopback (the built-in echo/chat servers, `wsyaml serve chaos`, or the python3-websockets
// recorder in peers/), asserting on the metrics and on what the server saw.
// This file: connect, send, on-message, on-open/on-close/on-error, every, after, cancel,
// close, ping. steps_flow_e2e_test.cpp has the waiting steps, replies, measure, reconnect
// and feeders.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

TEST(ConnectStep, LinearConnectWaitsForOpenAndTheFollowingStepsUseIt) {
  ScenarioRun run = RunScenario(R"(name: linear
target: builtin:echo
load: {vus: 2, iterations: 3}
steps:
  - connect: /linear
  - send: "hi ${vu}.${iter}"
  - expect: {match: {text: "hi ${vu}.${iter}"}, within: 2s, name: echo}
  - close
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.has_result);
  EXPECT_EQ(run.Counter(MetricId::kIterations), 6);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 6);
  EXPECT_EQ(run.Samples(MetricId::kWsConnecting), 6u);
  EXPECT_EQ(run.Samples(MetricId::kWsSessionDuration), 6u);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 6);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 6);
  EXPECT_EQ(run.Passes("echo"), 6u);
  EXPECT_EQ(run.Fails("echo"), 0u);
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "1000"}}), 6);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  ASSERT_TRUE(run.builtin.is_object()) << run.process.out;
  EXPECT_EQ(run.builtin["connections"], 6);
  EXPECT_EQ(run.builtin["frames_in"], 6);
  EXPECT_EQ(run.builtin["frames_out"], 6);
  EXPECT_EQ(run.builtin["closes"], 6);
}

TEST(ConnectStep, AsyncConnectWithCountRunsEachConnectionsProgram) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: async
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 6);
  EXPECT_EQ(run.Passes("echo"), 6u);
  EXPECT_EQ(run.Fails("echo"), 0u);
  std::multiset<std::string> got, want;
  for (const auto& c : seen) {
    auto texts = RecordedTexts(c);
    ASSERT_EQ(texts.size(), 1u) << c.dump();
    got.insert(c["path"].get<std::string>() + " " + texts[0]);
    EXPECT_EQ(c["close_code"], 1000) << c.dump();
  }
  for (int vu = 1; vu <= 2; ++vu)
    for (int conn = 0; conn < 3; ++conn)
      want.insert("/async/" + std::to_string(vu) + " vu " + std::to_string(vu) + " conn " +
                  std::to_string(conn));
  EXPECT_EQ(got, want) << seen.dump();
}

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

TEST(SendStep, TextAndJsonWithTypedLeaves) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: send
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 6);
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  for (const auto& c : seen) {
    std::string path = c["path"];
    int vu = std::stoi(path.substr(path.rfind('/') + 1));
    auto texts = RecordedTexts(c);
    ASSERT_EQ(texts.size(), 3u) << c.dump();
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

TEST(OnMessageStep, EveryMatcherFiresForExactlyTheMessagesItMatches) {
  // Each handler records a failed check under its own name: the fail counts are the number
  // of times it fired. `done` comes back last (echo keeps order), so all handlers have run.
  ScenarioRun run = RunScenario(R"x(name: matchers
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
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
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
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: capture
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("got"), 1u);
  EXPECT_EQ(run.Passes("used"), 1u) << run.LastFailure("used");
  ASSERT_EQ(seen.size(), 1u);
  auto texts = RecordedTexts(seen[0]);
  ASSERT_EQ(texts.size(), 3u) << seen.dump();
  EXPECT_EQ(texts[1], "captured alice1 20");
  EXPECT_EQ(texts[2], texts[0]);  // `msg` captures the whole text
}

TEST(OnMessageStep, AllMatchingHandlersFireInTheOrderWritten) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: order
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(RecordedTexts(seen[0]), (std::vector<std::string>{"go", ">abc"}));
}

TEST(OnOpenStep, FiresOncePerOpenedConnection) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: on-open
target: builtin:echo
steps:
  - connect:
      url: /open
      count: 2
      steps:
        - on-open: {do: [{send: "open ${conn}"}]}
        - expect: {match: {contains: open}, within: 2s, name: opened}
        - close
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("opened"), 2u);
  std::multiset<std::string> got;
  for (const auto& c : seen)
    for (const auto& t : RecordedTexts(c)) got.insert(t);
  EXPECT_EQ(got, (std::multiset<std::string>{"open 0", "open 1"}));
}

TEST(OnCloseStep, FiresWhenTheServerClosesAndCanSendToANamedConnection) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun run = RunScenario(R"(name: on-close
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
)",
                                {"--target", peer.Url()});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Fails("closed"), 1u);
  EXPECT_EQ(run.LastFailure("closed"), "closed by the server");
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "4001"}}), 1);
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  for (const auto& c : seen) {
    if (c["path"] == "/control") {
      EXPECT_EQ(RecordedTexts(c), std::vector<std::string>{"closed 0"});
      EXPECT_EQ(c["close_code"], 1000);
    } else {
      EXPECT_EQ(RecordedTexts(c), std::vector<std::string>{"trigger"});
    }
  }
}

// A loopback port that refuses connections for as long as this lives: bound, not listening.
class RefusingPort {
 public:
  RefusingPort()
      : server_({"/usr/bin/python3", "-c",
                 "import socket,time;s=socket.socket();s.bind(('127.0.0.1',0));"
                 "print('listening on ws://127.0.0.1:%d'%s.getsockname()[1],flush=True);"
                 "time.sleep(60)"}) {}
  std::string Url() const { return "ws://127.0.0.1:" + std::to_string(server_.port()); }
  int port() const { return server_.port(); }

 private:
  ServerProcess server_;
};

TEST(OnErrorStep, FiresWhenTheConnectionIsRefused) {
  RefusingPort refusing;
  ASSERT_GT(refusing.port(), 0);
  ScenarioRun run = RunScenario(R"(name: on-error
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect:
      url: /refused
      steps:
        - on-error: {do: [{fail: {message: "VU ${vu} could not connect", name: conn-error}}]}
        - send: never
)",
                                {"--target", refusing.Url()});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Errors("refused"), 2u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);
  // docs/language.md: "on-error fires when the connection cannot be opened (refused, ...)".
  EXPECT_EQ(run.Fails("conn-error"), 2u)
      << "on-error in a connection's steps never fired for a refused connection";
}

}  // namespace
}  // namespace wsyaml::testing
