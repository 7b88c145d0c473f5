// The run end to end: SIGINT stops a run gracefully with the summary and a documented exit
// code; worker processes and address ranges. The load shapes themselves (stages, arrival
// rates, ramp-up) are tested on the manual clock in tests/engine/load_shapes_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

const char* kLongChat = R"(name: long
target: builtin:echo
load: {vus: 4, duration: 1m, graceful-stop: 30s, ramp-up: 0s}
steps:
  - connect: /
  - send: hello
  - log: "sent ${vu}"
  - sleep: 20s
  - close
)";

/// True once `text` holds `n` lines of `prefix` followed by 1..n (the VUs' log lines).
std::function<bool(const ProcessResult&)> AllVusLogged(const std::string& prefix, int n) {
  return [prefix, n](const ProcessResult& p) {
    for (int vu = 1; vu <= n; ++vu)
      if (p.err.find(prefix + std::to_string(vu) + "\n") == std::string::npos) return false;
    return true;
  };
}

TEST(LoadEndToEnd, SigintStopsGracefullyPrintsTheSummaryAndExitsFour) {
  std::string file = WriteTempFile("long.yaml", kLongChat);
  std::string json = TempDir() + "/long.json";
  // Iterations sleep 20 s and get a 30 s graceful stop: after one SIGINT they would end on
  // their own. A second SIGINT ends them at once, so they count as interrupted. The first is
  // sent once every VU is in its sleep; the second leaves the first 500 ms to be taken.
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 40s,
                               {}, {{0ms, SIGINT, AllVusLogged("sent ", 4)}, {500ms, SIGINT}});
  EXPECT_EQ(p.exit_code, 4) << p.err;
  EXPECT_NE(p.out.find("ws_sessions"), std::string::npos) << p.out;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kInterruptedIterations), 4);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kIterations), 0);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kWsSessions), 4);
}

TEST(LoadEndToEnd, OneSigintLetsIterationsFinish) {
  std::string file = WriteTempFile("short.yaml", R"(name: short
target: builtin:echo
load: {vus: 3, duration: 1m, ramp-up: 0s}
steps:
  - connect: /
  - log: "started ${vu}"
  - sleep: 1s
  - close
)");
  std::string json = TempDir() + "/short.json";
  // SIGTERM once every VU is in its first iteration.
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 40s,
                               {}, {{0ms, SIGTERM, AllVusLogged("started ", 3)}});
  EXPECT_EQ(p.exit_code, 4) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kIterations), 3);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kInterruptedIterations), 0);
}

}  // namespace
}  // namespace wsyaml::testing

namespace wsyaml::testing {
namespace {

TEST(ScaleEndToEnd, WorkerProcessesMergeExactlyIntoOneSummary) {
  ServerProcess server({WsyamlBinary(), "serve", "echo", "--port", "0"});
  ASSERT_GT(server.port(), 0);
  std::string json = TempDir() + "/procs.json";
  ProcessResult p =
      RunProcess({WsyamlBinary(), "run", SourcePath("scenarios/echo.yaml"), "-q", "--procs", "3",
                  "--vus", "6", "--iterations", "2", "--target",
                  "ws://127.0.0.1:" + std::to_string(server.port()), "--out", "result=" + json},
                 60s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  nlohmann::json seen = nlohmann::json::parse(server.Stop().substr(0));
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(result.merged_runs, 3);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kWsMsgsSent), seen["frames_in"].get<double>());
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kWsSessions),
            seen["connections"].get<double>());
  EXPECT_EQ(result.shard.checks().at("echo-text").passes,
            CounterTotal(result, metrics::MetricId::kIterations));
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kIterations), 12);
  EXPECT_NE(p.out.find("vus_max.......................: 6"), std::string::npos) << p.out;
}

TEST(ScaleEndToEnd, ATargetRangeSpreadsConnectionsOverAddresses) {
  ServerProcess server(
      {WsyamlBinary(), "serve", "echo", "--port", "0", "--address", "127.0.0.1-4"});
  ASSERT_GT(server.port(), 0);
  std::string json = TempDir() + "/range.json";
  ProcessResult p = RunProcess(
      {WsyamlBinary(), "run", SourcePath("scenarios/echo.yaml"), "-q", "--vus", "4", "--iterations",
       "2", "--target", "ws://127.0.0.1-4:" + std::to_string(server.port()), "--out",
       "result=" + json, "--debug"},
      60s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"})
    EXPECT_NE(p.err.find(std::string("connect ws://") + host + ":"), std::string::npos) << host;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_TRUE(result.shard.errors().empty());
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kWsSessions), 8);
}

}  // namespace
}  // namespace wsyaml::testing

namespace wsyaml::testing {
namespace {

TEST(ScaleEndToEnd, LocalAddressesAreTakenInTurn) {
  ServerProcess server({"/usr/bin/python3", SourcePath("tests/e2e/tls/source_ip_server.py")});
  ASSERT_GT(server.port(), 0);
  std::string file = WriteTempFile("source.yaml", R"(name: source
target: ${env.TARGET}
load: {vus: 6, iterations: 1}
steps:
  - connect: /
  - expect: {match: {regex: "^127\\.0\\.0\\.[567]$"}, within: 2s, name: source-ip}
  - close
)");
  std::string json = TempDir() + "/source.json";
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--threads", "1", "-e",
                                "TARGET=ws://127.0.0.1:" + std::to_string(server.port()),
                                "--local-address", "127.0.0.5-7", "--out", "result=" + json},
                               30s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  std::string out = server.Stop();
  nlohmann::json seen = nlohmann::json::parse(out.substr(out.find("{\"ips\"")));
  EXPECT_EQ(seen["ips"], nlohmann::json({{"127.0.0.5", 2}, {"127.0.0.6", 2}, {"127.0.0.7", 2}}))
      << seen.dump();
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(result.shard.checks().at("source-ip").passes, 6u);
}

}  // namespace
}  // namespace wsyaml::testing
