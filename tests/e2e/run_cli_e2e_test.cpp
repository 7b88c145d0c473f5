// `wsyaml run` flags as a user types them: in any order, the scenario from standard input,
// every bad flag refused with exit 2 before anything connects, --target supplying a missing
// target, and --segment shares that merge into the whole test.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "metrics/thresholds.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

// Every VU starts at once (ramp-up 0s): spreading two starts over a second tells nothing here.
constexpr char kEcho[] = R"(name: flags
target: builtin:echo
load: {vus: 2, iterations: 1, ramp-up: 0s}
steps:
  - connect: /f
  - send: "${env.WORD:-none}"
  - expect: {match: {text: "${env.WORD:-none}"}, within: 2s, name: echo}
  - close
)";

TEST(RunFlagOrder, FlagsBeforeTheFileWork) {
  std::string dir = TempDir();
  std::string file = WriteTempFile("s.yaml", kEcho);
  ProcessResult p = RunProcess({WsyamlBinary(), "run", "--out", "result=" + dir + "/k.json", "-e",
                                "WORD=first", "--secret", "WORD", "-q", file},
                               30s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/k.json", &result, &error)) << error;
  EXPECT_EQ(result.shard.checks().at("echo").passes, 2u);
  EXPECT_EQ(CounterTotal(result, MetricId::kWsMsgsSent), 2);
}

TEST(RunFlagOrder, EachRepeatableFlagTakesOneValue) {
  std::string dir = TempDir();
  std::string file = WriteTempFile("s.yaml", kEcho);
  for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
           {"-e", "WORD=x"}, {"--secret", "WORD"}, {"--local-address", "127.0.0.1"}}) {
    std::vector<std::string> args = {WsyamlBinary(), "run", "-q"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(file);
    ProcessResult p = RunProcess(args, 30s);
    EXPECT_EQ(p.exit_code, 0) << flags[0] << ": " << p.err;
  }
}

TEST(RunFromStdin, ADashReadsTheScenarioFromStandardInput) {
  std::string file = WriteTempFile("s.yaml", kEcho);
  std::string json = TempDir() + "/stdin.json";
  ProcessResult p =
      RunProcess({"/bin/sh", "-c",
                  WsyamlBinary() + " run -q -e WORD=piped --out result=" + json + " - < " + file},
                 30s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  EXPECT_EQ(result.shard.checks().at("echo").passes, 2u);
  EXPECT_EQ(result.source_file, "<stdin>");
  // Errors name standard input with a position.
  p = RunProcess(
      {"/bin/sh", "-c", "printf 'steps:\\n  - sned: x\\n' | " + WsyamlBinary() + " run -"}, 30s);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("<stdin>:2:"), std::string::npos) << p.err;
}

// Each of these exits 2 with one line naming the problem, and nothing connects.
TEST(RunBadFlags, ExitTwoWithOneLineBeforeAnyConnection) {
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  std::string dir = TempDir();
  const std::string yaml = "name: bad\ntarget: " + peer.Url() +
                           "\nload: {vus: 1, duration: 5s}\nsteps:\n  - connect: /x\n  - close\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> kCases = {
      {{"--vus", "0"}, "--vus must be at least 1, got 0"},
      {{"--iterations", "0"}, "--iterations must be at least 1, got 0"},
      {{"--duration", "0s"}, "--duration must be longer than 0"},
      {{"--duration", "5x"}, "--duration: expected a duration"},
      {{"--threads", "-1"}, "--threads must be at least 1"},
      {{"--procs", "-3"}, "--procs must be at least 1"},
      {{"--local-address", "not-an-ip"}, "--local-address"},
      {{"--local-address", "999.1.1.1"}, "is not an IP address"},
      {{"--target", "ftp://x"}, "--target must be builtin:chat"},
      {{"--segment", "3/3"}, "--segment expects i/n"},
      {{"--out", "result=/nonexistent/r.json"}, "directory /nonexistent does not exist"},
      {{"--out", "result="}, "needs a file name"},
      {{"--out", "xml=x"}, "unknown output 'xml'"},
      {{"--out", "result=" + dir}, "is a directory"},
      {{"--out", "result=" + dir + "/same", "--summary-export", dir + "/same"},
       "is also another output's file"},
      {{"--junit", dir + "/r.xml", "--report", dir + "/r.xml"}, "is also another output's file"},
      {{"-e", "=x"}, "-e expects NAME=VALUE"},
  };
  std::string file = WriteTempFile("bad.yaml", yaml);
  for (const auto& [flags, message] : kCases) {
    std::vector<std::string> args = {WsyamlBinary(), "run", file, "-q"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto started = std::chrono::steady_clock::now();
    ProcessResult p = RunProcess(args, 30s);
    EXPECT_EQ(p.exit_code, 2) << flags[0] << ": " << p.err;
    EXPECT_NE(p.err.find(message), std::string::npos) << flags[0] << ": " << p.err;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s) << flags[0];
    EXPECT_TRUE(p.out.empty()) << p.out;
  }
  EXPECT_TRUE(peer.Stop().empty());
}

TEST(RunTargetFlag, SuppliesTheTargetAFileLacks) {
  ServeProcess server("echo");
  ASSERT_GT(server.port(), 0);
  ScenarioRun run =
      RunScenario("steps:\n  - connect: /t\n  - send: x\n  - close\n", {"--target", server.Url()});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 1);
  EXPECT_EQ(server.Stop()["frames_in"], 1);
}

TEST(RunSegments, ThreeSegmentsOfTenVusMergeIntoTheWhole) {
  ServeProcess server("echo");
  ASSERT_GT(server.port(), 0);
  std::string dir = TempDir();
  std::string file = WriteTempFile("seg.yaml", R"(name: segments
load: {vus: 10, iterations: 2, ramp-up: 0s}
steps:
  - connect: /s
  - send: "${vu}"
  - expect: {match: {text: "${vu}"}, within: 2s, name: echo}
  - close
)");
  std::vector<std::string> parts;
  const int kExpectedVus[] = {4, 3, 3};
  for (int i = 0; i < 3; ++i) {
    parts.push_back(dir + "/part" + std::to_string(i) + ".json");
    ProcessResult p =
        RunProcess({WsyamlBinary(), "run", file, "-q", "--target", server.Url(), "--segment",
                    std::to_string(i) + "/3", "--out", "result=" + parts.back()},
                   30s);
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_NE(p.out.find("vus_max.......................: " + std::to_string(kExpectedVus[i])),
              std::string::npos)
        << p.out;
  }
  std::vector<std::string> merge = {WsyamlBinary(), "merge"};
  merge.insert(merge.end(), parts.begin(), parts.end());
  merge.insert(merge.end(), {"-o", dir + "/all.json"});
  ProcessResult p = RunProcess(merge, 30s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  metrics::Result all;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/all.json", &all, &error)) << error;
  EXPECT_EQ(CounterTotal(all, MetricId::kIterations), 20);
  EXPECT_EQ(all.shard.checks().at("echo").passes, 20u);
  EXPECT_EQ(metrics::CollectSeries(all.shard, all.tags, MetricId::kVusMax, {}).gauge, 10);
  nlohmann::json seen = server.Stop();
  EXPECT_EQ(seen["connections"], 20);
}

}  // namespace
}  // namespace wsyaml::testing
