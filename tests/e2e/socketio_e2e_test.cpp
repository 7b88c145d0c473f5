// protocol: socket.io against the official server (npm socket.io 4: Engine.IO v4, Socket.IO
// v5; tests/e2e/peers/socketio_server.js), with exact counts compared with what it saw.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "process_util.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

// Where the test finds node and the socket.io package (tools/setup.sh --tests installs both).
std::string MissingServer() {
  if (access("/usr/bin/node", X_OK) != 0 && access("/usr/local/bin/node", X_OK) != 0)
    return "node is not installed";
  if (access(SourcePath("tests/e2e/peers/node/node_modules/socket.io/package.json").c_str(),
             R_OK) != 0)
    return "npm socket.io is not installed in tests/e2e/peers/node (cd there && npm install "
           "--no-package-lock, or tools/setup.sh --tests)";
  return {};
}

#define SKIP_WITHOUT_SOCKETIO()                                                                \
  if (std::string missing = MissingServer(); !missing.empty())                                 \
  GTEST_SKIP() << "\n\n*** SKIPPED: the socket.io e2e test needs the real server: " << missing \
               << " ***\n\n"

class SocketIoServer {
 public:
  /// `env`: NAME=VALUE settings of the server (SIO_PING_INTERVAL, SIO_PING_TIMEOUT in ms).
  explicit SocketIoServer(const std::vector<std::string>& env = {})
      : server_([&] {
          std::vector<std::string> args = {"/usr/bin/env"};
          args.insert(args.end(), env.begin(), env.end());
          args.push_back(access("/usr/bin/node", X_OK) == 0 ? "/usr/bin/node"
                                                            : "/usr/local/bin/node");
          args.push_back(SourcePath("tests/e2e/peers/socketio_server.js"));
          return args;
        }()) {}
  std::string Url() const { return "ws://127.0.0.1:" + std::to_string(server_.port()); }
  int port() const { return server_.port(); }
  /// Stops it and returns the counts it printed.
  nlohmann::json Stop() { return LastJsonLine(server_.Stop()); }

 private:
  ServerProcess server_;
};

uint64_t Event(const nlohmann::json& saw, const char* name) {
  return saw["events"].value(name, 0u);
}

TEST(SocketIoEndToEnd, ChatRoomExampleCountsWhatTheServerSaw) {
  SKIP_WITHOUT_SOCKETIO();
  SocketIoServer server;
  ASSERT_GT(server.port(), 0);
  ScenarioRun run =
      RunScenarioFile(SourcePath("scenarios/socketio-chat.yaml"), {"--target", server.Url()});
  nlohmann::json saw = server.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.process.exit_code, 0) << run.Output() << run.DescribeErrors();
  EXPECT_EQ(run.DescribeErrors(), "") << run.Output();
  const uint64_t conns = 2 * 2 * 3;  // VUs x iterations x connections
  ASSERT_TRUE(saw.is_object()) << run.Output();
  EXPECT_EQ(saw["connections"]["/chat"], conns) << saw;
  EXPECT_EQ(saw["refused"], 0u) << saw;
  // Every emit arrived, every ack came back and was timed.
  EXPECT_EQ(Event(saw, "join"), conns) << saw;
  EXPECT_EQ(Event(saw, "chat"), conns) << saw;
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "join-ack"}}), conns);
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "chat-ack"}}), conns);
  EXPECT_EQ(saw["acks_sent"], 2 * conns) << saw;
  EXPECT_EQ(run.Passes("join-ack") + run.Passes("chat-ack"), 2 * conns);
  // The welcome (with its binary attachment) and the server's question, acked automatically.
  EXPECT_EQ(run.Passes("welcome"), conns);
  // Each welcome's attachment, counted by ${msg.attachments}: one per welcome the server sent.
  EXPECT_EQ(saw["attachments_sent"], conns) << saw;
  EXPECT_EQ(run.Passes("welcome-buffer"), saw["attachments_sent"].get<uint64_t>());
  EXPECT_EQ(saw["client_acks"], conns) << saw;
  // Each hello went to the three members of its room: nine deliveries per room.
  EXPECT_EQ(saw["broadcasts"], 3 * conns) << saw;
  EXPECT_EQ(run.Passes("own-hello"), conns);
  EXPECT_EQ(run.Passes("other-hello"), 2 * conns);
  EXPECT_EQ(run.Passes("sender-sid"), 3 * conns);  // ${args[1]}: the sender's sid
  for (const char* check :
       {"welcome", "welcome-buffer", "room-full", "own-hello", "other-hello", "sender-sid"})
    EXPECT_EQ(run.Fails(check), 0u) << check << ": " << run.LastFailure(check);
}

TEST(SocketIoEndToEnd, RefusedNamespaceIsAProtocolError) {
  SKIP_WITHOUT_SOCKETIO();
  SocketIoServer server;
  ASSERT_GT(server.port(), 0);
  ScenarioRun run = RunScenario(R"(name: refused
target: )" + server.Url() + R"(
load: {vus: 2, iterations: 2}
steps:
  - connect:
      url: /
      protocol: socket.io
      socket.io: {namespace: /chat, auth: {token: wrong}, timeout: 5s}
  - emit: {event: chat, data: {text: never}}
  - expect: {match: {event: chat}, within: 1s, name: never}
)");
  nlohmann::json saw = server.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  // One error per refused connection (not a second one for its close), and the emit on it
  // is a send error.
  EXPECT_EQ(run.Errors("protocol"), 4u) << run.DescribeErrors();
  EXPECT_EQ(run.Errors("send"), 4u) << run.DescribeErrors();
  EXPECT_NE(run.DescribeErrors().find("not authorized"), std::string::npos) << run.DescribeErrors();
  EXPECT_EQ(saw["refused"], 4u) << saw;
  EXPECT_EQ(saw["connections"]["/chat"], 0u) << saw;
  EXPECT_EQ(Event(saw, "chat"), 0u) << saw;
  EXPECT_EQ(run.Passes("never"), 0u);
}

TEST(SocketIoEndToEnd, DefaultNamespaceAcksWithSeveralArguments) {
  SKIP_WITHOUT_SOCKETIO();
  SocketIoServer server;
  ASSERT_GT(server.port(), 0);
  ScenarioRun run = RunScenario(R"(name: echo
target: )" + server.Url() + R"(
load: {vus: 1, iterations: 5}
steps:
  - connect: {url: /, protocol: socket.io}
  - emit: {event: echo, args: [1, two, {three: 3}], ack: {within: 2s, name: echo-ack}}
  - send: {json: {plain: send}}
  # socket.io drops the events of a socket that disconnects in the same tick: close only once
  # the server answered (after the echo's ack, since it handles events in order).
  - expect: {match: {event: received, json: {plain: send}}, within: 2s, name: received}
  - close
)");
  nlohmann::json saw = server.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.DescribeErrors(), "") << run.Output();
  EXPECT_EQ(saw["connections"]["/"], 5u) << saw;
  EXPECT_EQ(Event(saw, "echo"), 5u) << saw;
  EXPECT_EQ(Event(saw, "message"), 5u) << saw;  // send = emit("message", ...)
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "echo-ack"}}), 5u);
  EXPECT_EQ(run.Passes("echo-ack"), 5u);
  EXPECT_EQ(run.Passes("received"), 5u);
}

// The server pings every 100 ms and drops a client that has not answered within 200 ms more:
// a connection that lives 1.5 s and still gets its ack answered every ping.
TEST(SocketIoEndToEnd, PingsAreAnsweredSoTheServerKeepsTheConnection) {
  SKIP_WITHOUT_SOCKETIO();
  SocketIoServer server({"SIO_PING_INTERVAL=100", "SIO_PING_TIMEOUT=200"});
  ASSERT_GT(server.port(), 0);
  ScenarioRun run = RunScenario(R"(name: pings
target: )" + server.Url() + R"(
load: {vus: 2, iterations: 1}
steps:
  - connect: {url: /, protocol: socket.io}
  - sleep: 1500ms
  - emit: {event: echo, data: still-here, ack: {within: 2s, name: after-pings}}
  - sleep: 300ms
  - close
)");
  nlohmann::json saw = server.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.DescribeErrors(), "") << run.Output();
  EXPECT_EQ(run.Passes("after-pings"), 2u) << run.LastFailure("after-pings");
  EXPECT_EQ(Event(saw, "echo"), 2u) << saw;
  // About 15 pings per connection in 1.5 s, each answered.
  EXPECT_GE(saw["pongs"].get<int>(), 2 * 10) << saw;
}

}  // namespace
}  // namespace wsyaml::testing
