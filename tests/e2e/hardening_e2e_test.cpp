// Hostile input and servers that used to crash, hang or fool a run, run by the real binary
// against real servers on loopback: each asserts the exit code and what was counted.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

TEST(Hardening, HostileRegexesNeitherCrashNorHang) {
  // With std::regex, ^.*$ on 50 KB overflowed a worker's stack (SIGSEGV, nothing written)
  // and (a+)+$ on 33 characters backtracked for ever, deaf to SIGINT.
  std::string yaml =
      "name: regex\ntarget: builtin:echo\nload: {vus: 1, iterations: 1}\nsteps:\n"
      "  - connect: /\n"
      "  - send: \"" +
      std::string(50 * 1024, 'x') +
      "\"\n"
      "  - expect: {match: {regex: '^.*$'}, within: 5s, name: long}\n"
      "  - send: \"" +
      std::string(33, 'a') +
      "b\"\n"
      "  - expect: {match: {regex: '^(a+)+$'}, within: 300ms, name: nested}\n"
      "  - close\n";
  ScenarioRun run = RunScenario(yaml);
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.Passes("long"), 1u);
  EXPECT_EQ(run.Fails("nested"), 1u);
  EXPECT_NE(run.LastFailure("nested").find("timeout"), std::string::npos);
}

TEST(Hardening, CompareOfTwoIdenticalRunsIsNoRegression) {
  // Back to back, 12 sessions each: their ws_connecting p(99) differs by chance, by far more
  // than 10%. With too few samples to judge, compare shows the figures and passes.
  const char* yaml = R"(name: twice
target: builtin:echo
load: {vus: 4, iterations: 3, ramp-up: 0s}
steps:
  - connect: /
  - send: hello
  - expect: {match: {text: hello}, within: 2s, name: echo}
  - close
)";
  ScenarioRun first = RunScenario(yaml);
  ScenarioRun second = RunScenario(yaml);
  ASSERT_EQ(first.process.exit_code, 0) << first.Output();
  ASSERT_EQ(second.process.exit_code, 0) << second.Output();
  ProcessResult compare = RunProcess(
      {WsyamlBinary(), "compare", first.dir + "/result.json", second.dir + "/result.json"},
      std::chrono::seconds(30));
  EXPECT_EQ(compare.exit_code, 0) << compare.out << compare.err;
  EXPECT_NE(compare.out.find("(few samples)"), std::string::npos) << compare.out;
  EXPECT_NE(compare.out.find("at least 100 samples"), std::string::npos) << compare.out;
}

TEST(Hardening, ASecondCtrlCStopsAtOnceEvenWhenTheServerNeverAnswersTheClose) {
  // The server never reads after the handshake, so no close handshake can complete: the
  // first SIGINT (once both sockets are open) starts the graceful stop (30 s), the second
  // must end the run at once instead of waiting the 3 s given to closing sockets. Summary
  // and result still whole.
  using namespace std::chrono_literals;
  std::string file = WriteTempFile("deaf.yaml", R"(name: deaf
target: builtin:chaos
load: {vus: 2, duration: 1m, graceful-stop: 30s, ramp-up: 0s}
steps:
  - connect: /no-read
  - log: "open ${vu}"
  - sleep: 1m
)");
  std::string json = TempDir() + "/deaf.json";
  auto both_open = [](const ProcessResult& so_far) {
    return so_far.err.find("open 1\n") != std::string::npos &&
           so_far.err.find("open 2\n") != std::string::npos;
  };
  std::chrono::steady_clock::time_point second_sent;
  auto note_second = [&](const ProcessResult&) {
    second_sent = std::chrono::steady_clock::now();
    return true;
  };
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 40s,
                               {}, {{0ms, SIGINT, both_open}, {500ms, SIGINT, note_second}});
  auto took = std::chrono::steady_clock::now() - second_sent;
  EXPECT_EQ(p.exit_code, 4) << p.err;
  EXPECT_LT(took, 2s) << "the second SIGINT waited for close handshakes";
  EXPECT_NE(p.out.find("ws_sessions"), std::string::npos) << p.out;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kInterruptedIterations), 2);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kWsSessions), 2);
}

TEST(Hardening, AnInvalidCloseCodeFromTheServerIsAProtocolError) {
  // Codes that must never be on the wire (RFC 6455 7.4): wsyaml answers 1002 and counts a
  // protocol error naming the code, instead of recording "close code 999" as if all was well.
  ScenarioRun run = RunScenario(R"(name: bad-close
target: builtin:chaos
load: {vus: 1, iterations: 1}
steps:
  - connect: /close/999
  - wait
  - connect: /close/1006
  - wait
  - connect: /close/1015
  - wait
  - connect: /close/5000
  - wait
  - connect: /close/1000
  - wait
)");
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Errors("protocol"), 4u) << run.DescribeErrors();
  EXPECT_NE(run.DescribeErrors().find("999"), std::string::npos) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(metrics::MetricId::kWsSessions), 5);
}

TEST(Hardening, WrongUpgradeResponsesSayWhatIsWrong) {
  // websocketpp says "A required HTTP header is missing" for a bad Sec-WebSocket-Accept and
  // "Generic error" for headers that never end; each error now names the problem.
  ServerProcess server({"/usr/bin/python3", SourcePath("tests/e2e/peers/hostile_handshake.py")});
  ASSERT_GT(server.port(), 0);
  std::string base = "ws://127.0.0.1:" + std::to_string(server.port());
  for (const auto& [path, expected] : std::vector<std::pair<std::string, std::string>>{
           {"/bad-accept", "Sec-WebSocket-Accept 'bm90LXRoZS1yaWdodC1rZXk=' does not answer"},
           {"/no-upgrade", "no 'Upgrade: websocket' header"},
           {"/endless-headers", "headers exceed 16000 bytes"}}) {
    ScenarioRun run = RunScenario(
        "name: hostile\nload: {vus: 1, iterations: 1}\nsteps:\n"
        "  - connect: {url: " +
            path + ", timeout: 5s}\n",
        {"--target", base});
    ASSERT_EQ(run.process.exit_code, 0) << run.Output();
    EXPECT_EQ(run.Errors("handshake"), 1u) << path << ": " << run.DescribeErrors();
    EXPECT_NE(run.DescribeErrors().find(expected), std::string::npos)
        << path << ": " << run.DescribeErrors();
  }
}

}  // namespace
}  // namespace wsyaml::testing
