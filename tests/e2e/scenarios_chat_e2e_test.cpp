// scenarios/chat.yaml end to end, shortened with flags, against the built-in chat server and
// against an independent crocochat server written with python3-websockets.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "background_run.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

struct ChatRun {
  ProcessResult process;
  metrics::Result result;
  std::string result_error;  ///< why the result file could not be read; empty when it was
};

// Three VUs x four sockets; every VU's iteration lasts 5-63 s, so with --duration 6s and
// --graceful-stop 0s each VU runs one iteration, interrupted at 6 s unless it finished.
ChatRun RunChat(const std::vector<std::string>& extra_args, const std::string& duration = "6s") {
  std::string json = TempDir() + "/result.json";
  std::vector<std::string> args = {WsyamlBinary(),
                                   "run",
                                   SourcePath("scenarios/chat.yaml"),
                                   "--vus",
                                   "3",
                                   "--duration",
                                   duration,
                                   "--graceful-stop",
                                   "0s",
                                   "-q",
                                   "--out",
                                   "result=" + json};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  ChatRun run;
  run.process = RunProcess(args, std::chrono::seconds(60));
  if (!metrics::ReadResultFile(json, &run.result, &run.result_error) && run.result_error.empty())
    run.result_error = "unreadable";
  return run;
}

void ExpectChatNumbers(const ChatRun& run, const nlohmann::json& server) {
  EXPECT_EQ(run.result_error, "");
  const metrics::Result& r = run.result;
  double iterations =
      CounterTotal(r, MetricId::kIterations) + CounterTotal(r, MetricId::kInterruptedIterations);
  EXPECT_GE(iterations, 3);
  // Sessions == VUs x 4 x iterations (completed or cut short by the end of the test).
  EXPECT_EQ(CounterTotal(r, MetricId::kWsSessions), 4 * iterations);
  EXPECT_EQ(TrendCount(r, MetricId::kWsConnecting), 4 * iterations);
  EXPECT_EQ(server["connections"].get<double>(), 4 * iterations);
  // Every frame the client sent, the server received, and the other way round.
  double sent = CounterTotal(r, MetricId::kWsMsgsSent);
  EXPECT_EQ(server["frames_in"].get<double>(), sent);
  // Broadcasts racing the client's closing handshake at the end may be dropped by the client
  // (RFC 6455 7.1.1: no data after Close), so this direction is an upper bound.
  EXPECT_GE(server["frames_out"].get<double>(), CounterTotal(r, MetricId::kWsMsgsReceived));
  // Each connection sends one SET_NAME, then SAYs, then at most one LEAVE.
  EXPECT_EQ(server["set_names"].get<double>(), 4 * iterations);
  EXPECT_EQ(server["says"].get<double>(),
            sent - server["set_names"].get<double>() - server["leaves"].get<double>());
  EXPECT_GT(server["says"].get<double>(), 0);
  EXPECT_GT(CounterTotal(r, MetricId::kWsMsgsReceived), 0);
  EXPECT_EQ(server["errors_sent"].get<double>(), 0);
  EXPECT_TRUE(r.shard.errors().empty()) << r.shard.errors().begin()->first;
}

// The python server and its run: the counts it printed when stopped after the run.
struct PythonChatRun {
  int port = 0;
  ChatRun run;
  std::string counts;
};

PythonChatRun RunChatOnPython() {
  ServerProcess server(
      {"/usr/bin/python3", SourcePath("tests/server/crocochat_server.py"), "--port", "0"});
  PythonChatRun python;
  python.port = server.port();
  if (python.port <= 0) return python;
  python.run = RunChat({"--target", "ws://127.0.0.1:" + std::to_string(server.port())});
  python.counts = server.Stop();
  return python;
}

ChatRun RunChatRefused() {
  // A port nothing listens on: bind one, note it, close it.
  ServerProcess probe({"/usr/bin/python3", "-c",
                       "import socket;s=socket.socket();s.bind(('127.0.0.1',0));"
                       "print('listening on ws://127.0.0.1:%d'%s.getsockname()[1],flush=True)"});
  int port = probe.port();
  probe.Stop();
  if (port <= 0) return {};
  return RunChat({"--target", "ws://127.0.0.1:" + std::to_string(port)}, "2s");
}

// Each run lasts seconds of chat timers: they go in the background from the start. (This file
// sorts after most others, so by the time these tests wait the runs are mostly done.)
BackgroundRun<ChatRun> builtin_chat("ChatEndToEnd.BuiltinServer", [] { return RunChat({}); });
BackgroundRun<PythonChatRun> python_chat("ChatEndToEnd.IndependentPythonServer", RunChatOnPython);
BackgroundRun<ChatRun> refused_chat("ChatEndToEnd.RefusedConnectionsAreCountedAndTheRunGoesOn",
                                    RunChatRefused);

TEST(ChatEndToEnd, BuiltinServer) {
  const ChatRun& run = builtin_chat.Get();
  ASSERT_FALSE(run.process.timed_out);
  ASSERT_EQ(run.process.exit_code, 0) << run.process.err;
  // The summary names the k6 metrics, and the built-in server's counts follow it.
  for (const char* name : {"ws_connecting", "ws_session_duration", "ws_sessions", "ws_msgs_sent",
                           "ws_msgs_received", "data_sent", "data_received", "iterations"})
    EXPECT_NE(run.process.out.find(name), std::string::npos) << name;
  size_t at = run.process.out.find("built-in chat server saw: ");
  ASSERT_NE(at, std::string::npos) << run.process.out;
  std::string line = run.process.out.substr(at + 26);
  line = line.substr(0, line.find('\n'));
  ExpectChatNumbers(run, nlohmann::json::parse(line));
  // log steps print to stderr with time, VU and connection.
  EXPECT_NE(run.process.err.find("received: Croc "), std::string::npos);
  EXPECT_NE(run.process.err.find("[vu 1 conn 0]"), std::string::npos);
}

TEST(ChatEndToEnd, IndependentPythonServer) {
  const PythonChatRun& python = python_chat.Get();
  ASSERT_GT(python.port, 0) << "python3-websockets crocochat server did not start";
  ASSERT_EQ(python.run.process.exit_code, 0) << python.run.process.err;
  std::string counts = python.counts.substr(python.counts.rfind('{'));
  ExpectChatNumbers(python.run, nlohmann::json::parse(counts));
}

TEST(ChatEndToEnd, RefusedConnectionsAreCountedAndTheRunGoesOn) {
  const ChatRun& run = refused_chat.Get();
  ASSERT_NE(run.process.exit_code, -1) << "no port, or the run did not end: " << run.process.err;
  EXPECT_EQ(run.result_error, "");
  EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
  auto errors = run.result.shard.errors();
  ASSERT_EQ(errors.count("refused"), 1u) << run.process.out;
  EXPECT_GE(errors.at("refused").count, 12u);
  EXPECT_NE(errors.at("refused").example.find("refused"), std::string::npos);
  EXPECT_NE(run.process.out.find("refused"), std::string::npos) << run.process.out;
}

TEST(ChatEndToEnd, InvalidScenarioExitsTwoBeforeConnecting) {
  std::string dir = TempDir();
  std::string file = dir + "/bad.yaml";
  FILE* f = fopen(file.c_str(), "w");
  fputs("name: bad\ntarget: builtin:echo\nload: {vus: 1, duration: 5}\nsteps:\n  - close\n", f);
  fclose(f);
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file}, std::chrono::seconds(20));
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("bad.yaml:3:"), std::string::npos) << p.err;
  EXPECT_EQ(p.out.find("ws_sessions"), std::string::npos);
}

}  // namespace
}  // namespace wsyaml::testing
