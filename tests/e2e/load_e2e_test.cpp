// The load model end to end: ramping VUs follow their stages, arrival rates hold their rate,
// and SIGINT stops a run gracefully with the summary and a documented exit code.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/load_profile.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

// metric -> list of (elapsed_s, line) from an ndjson file.
std::multimap<std::string, nlohmann::json> ReadNdjson(const std::string& path) {
  std::string text, error;
  metrics::ReadFile(path, &text, &error);
  std::multimap<std::string, nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line);
    lines.emplace(j["metric"].get<std::string>(), j);
  }
  return lines;
}

TEST(LoadEndToEnd, RampingVusFollowTheirStagesWithinASecond) {
  std::string file = WriteTempFile("ramp.yaml", R"(name: ramp
target: builtin:echo
load:
  stages:
    - {duration: 4s, target: 8}
    - {duration: 2s, target: 8}
    - {duration: 3s, target: 0}
  graceful-stop: 1s
steps:
  - sleep: 50ms
)");
  std::string ndjson = TempDir() + "/ramp.ndjson";
  ProcessResult p =
      RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "ndjson=" + ndjson}, 40s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  graph::LoadProfile load;
  load.kind = graph::LoadProfile::Kind::kRampingVus;
  load.vus = 0;
  load.stages = {{4s, 8}, {2s, 8}, {3s, 0}};
  auto lines = ReadNdjson(ndjson);
  int checked = 0;
  for (auto [it, end] = lines.equal_range("vus"); it != end; ++it) {
    double t = it->second["elapsed_s"].get<double>();
    double vus = it->second["value"].get<double>();
    auto at = [&](double s) {
      return engine::RampingTarget(load,
                                   graph::Micros(static_cast<int64_t>(std::max(0.0, s) * 1e6)));
    };
    int low = std::min(at(t - 1), at(t + 1)), high = std::max(at(t - 1), at(t + 1));
    EXPECT_GE(vus, low - 0.0) << "at " << t << " s";
    EXPECT_LE(vus, high + 0.0) << "at " << t << " s";
    ++checked;
  }
  EXPECT_GE(checked, 8);
  EXPECT_NE(p.out.find("vus_max"), std::string::npos);
}

TEST(LoadEndToEnd, ArrivalRateHoldsItsRateWithinFivePercent) {
  std::string file = WriteTempFile("rate.yaml", R"(name: rate
target: builtin:echo
load: {rate: 50/s, duration: 4s, vus: 5, max-vus: 50}
steps:
  - sleep: 20ms
)");
  std::string ndjson = TempDir() + "/rate.ndjson";
  std::string json = TempDir() + "/rate.json";
  ProcessResult p = RunProcess(
      {WsyamlBinary(), "run", file, "-q", "--out", "ndjson=" + ndjson, "--out", "json=" + json},
      40s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto lines = ReadNdjson(ndjson);
  int full_seconds = 0;
  for (auto [it, end] = lines.equal_range("iterations"); it != end; ++it) {
    double t = it->second["elapsed_s"].get<double>();
    if (t > 4.0) continue;  // the last, partial second
    double rate = it->second["rate"].get<double>();
    EXPECT_NEAR(rate, 50, 2.5) << "at " << t << " s";
    ++full_seconds;
  }
  EXPECT_GE(full_seconds, 3);
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_NEAR(CounterTotal(result, metrics::MetricId::kIterations), 200, 10);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kDroppedIterations), 0);
}

TEST(LoadEndToEnd, ArrivalsThatFindNoFreeVuAreDropped) {
  std::string file = WriteTempFile("drop.yaml", R"(name: drop
target: builtin:echo
load: {rate: 20/s, duration: 2s, vus: 2, max-vus: 2}
steps:
  - sleep: 1s
)");
  std::string json = TempDir() + "/drop.json";
  ProcessResult p = RunProcess(
      {WsyamlBinary(), "run", file, "-q", "--threads", "1", "--out", "json=" + json}, 40s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  double started = CounterTotal(result, metrics::MetricId::kIterations) +
                   CounterTotal(result, metrics::MetricId::kInterruptedIterations);
  double dropped = CounterTotal(result, metrics::MetricId::kDroppedIterations);
  EXPECT_LE(started, 6);
  EXPECT_NEAR(started + dropped, 40, 2);
}

// How far apart the first and the last of 8 VUs started (ms), from their `log` lines.
int64_t StartSpreadMs(const std::string& ramp_up) {
  std::string file = WriteTempFile("ramp.yaml",
                                   "name: ramp\ntarget: builtin:echo\n"
                                   "load: {vus: 8, iterations: 1" +
                                       ramp_up +
                                       "}\nsteps:\n"
                                       "  - log: \"start ${timestamp()}\"\n");
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q"}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  std::vector<int64_t> starts;
  for (size_t at = p.err.find("start "); at != std::string::npos; at = p.err.find("start ", at + 1))
    starts.push_back(std::stoll(p.err.substr(at + 6, 13)));
  EXPECT_EQ(starts.size(), 8u) << p.err;
  if (starts.empty()) return -1;
  return *std::max_element(starts.begin(), starts.end()) -
         *std::min_element(starts.begin(), starts.end());
}

TEST(LoadEndToEnd, RampUpSpreadsVuStartsOrStartsThemAllAtOnce) {
  EXPECT_LT(StartSpreadMs(", ramp-up: 0s"), 200) << "0s: all at once";
  int64_t spread = StartSpreadMs(", ramp-up: 2s");
  EXPECT_GE(spread, 1600) << "8 VUs over 2 s: the last starts at 1.75 s";
  EXPECT_LT(spread, 2100);
  int64_t by_default = StartSpreadMs("");
  EXPECT_GE(by_default, 750) << "by default over 1 s";
  EXPECT_LT(by_default, 1100);
}

TEST(LoadEndToEnd, AScenarioThatEndsEarlyDoesNotCutTheOthersShort) {
  std::string file = WriteTempFile("two.yaml", R"(name: two
target: builtin:echo
scenarios:
  short:
    load: {vus: 1, duration: 1s, graceful-stop: 0s}
    steps:
      - connect: /
      - sleep: 20s
  long:
    load: {vus: 1, duration: 6s}
    steps:
      - connect: /
      - sleep: 500ms
      - close
)");
  std::string json = TempDir() + "/two.json";
  auto started = std::chrono::steady_clock::now();
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "json=" + json}, 40s);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_GE(took, 6s);
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kInterruptedIterations), 1);
  EXPECT_GE(CounterTotal(result, metrics::MetricId::kIterations), 10) << "long ran its 6 s";
}

const char* kLongChat = R"(name: long
target: builtin:echo
load: {vus: 4, duration: 1m, graceful-stop: 30s}
steps:
  - connect: /
  - send: hello
  - sleep: 20s
  - close
)";

TEST(LoadEndToEnd, SigintStopsGracefullyPrintsTheSummaryAndExitsFour) {
  std::string file = WriteTempFile("long.yaml", kLongChat);
  std::string json = TempDir() + "/long.json";
  auto started = std::chrono::steady_clock::now();
  // Iterations sleep 20 s and get a 30 s graceful stop; a second SIGINT ends them at once.
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "json=" + json}, 40s,
                               {}, {{2s, SIGINT}, {4s, SIGINT}});
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(p.exit_code, 4) << p.err;
  EXPECT_LT(took, 15s);
  EXPECT_NE(p.out.find("ws_sessions"), std::string::npos) << p.out;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kInterruptedIterations), 4);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kWsSessions), 4);
}

TEST(LoadEndToEnd, OneSigintLetsIterationsFinish) {
  std::string file = WriteTempFile("short.yaml", R"(name: short
target: builtin:echo
load: {vus: 3, duration: 1m}
steps:
  - connect: /
  - sleep: 2s
  - close
)");
  std::string json = TempDir() + "/short.json";
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "json=" + json}, 40s,
                               {}, {{1s, SIGTERM}});
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
                  "--vus", "6", "--duration", "2s", "--target",
                  "ws://127.0.0.1:" + std::to_string(server.port()), "--out", "json=" + json},
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
  EXPECT_GT(CounterTotal(result, metrics::MetricId::kIterations), 6);
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
       "json=" + json, "--debug"},
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
                                "--local-address", "127.0.0.5-7", "--out", "json=" + json},
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
