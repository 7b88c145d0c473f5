// `wsyaml run` flags end to end: --debug, -e, --vus/--iterations/--duration, and thresholds
// that fail (exit 99) with a JUnit file.
#include <gtest/gtest.h>

#include <future>
#include <regex>

#include "background_run.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

constexpr char kDebugScenario[] = R"(name: debug
target: builtin:echo
steps:
  - connect:
      url: /dbg
      headers: {Authorization: "Bearer topsecret", Cookie: "sid=abc123", X-Trace: t1}
  - send: hello debug
  - expect: {match: {text: hello debug}, within: 2s, name: echo}
  - send: {hex: "41 42"}
  - expect: {match: {binary: true}, within: 2s, name: bin}
  - close: {code: 4000, reason: bye}
)";

TEST(DebugFlag, PrintsFramesHandshakeAndClosesWithSecretsMasked) {
  ScenarioRun run = RunScenario(kDebugScenario, {"--debug"});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("echo"), 1u);
  const std::string& err = run.process.err;
  for (const char* want :
       {"[vu 1 conn 0]", "> hello debug", "< hello debug", "> [binary] AB", "< [binary] AB",
        "handshake request:", "GET /dbg HTTP/1.1", "X-Trace: t1", "Authorization: ***",
        "Cookie: ***", "handshake response:", "101", "closed code=4000 reason=bye"})
    EXPECT_NE(err.find(want), std::string::npos) << want << "\n" << err;
  EXPECT_EQ(err.find("topsecret"), std::string::npos) << err;
  EXPECT_EQ(err.find("abc123"), std::string::npos) << err;
  // Every debug line names its VU and connection.
  std::regex frame_line(R"(debug +\[vu 1 conn 0\] [<>] hello debug)");
  EXPECT_TRUE(std::regex_search(err, frame_line)) << err;
}

TEST(DebugFlag, NothingWithoutIt) {
  ScenarioRun run = RunScenario(kDebugScenario);
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.process.err.find("hello debug"), std::string::npos) << run.process.err;
  EXPECT_EQ(run.process.err.find("handshake"), std::string::npos) << run.process.err;
}

TEST(EnvFlag, OverridesAndDefaultsReachTheServer) {
  const std::string yaml = R"(name: env
target: builtin:echo
steps:
  - connect: /env
  - send: "${env.GREETING:-default} ${env.WSYAML_E2E_WHO}"
  - close
)";
  RecorderPeer peer;
  ASSERT_GT(peer.port(), 0);
  ScenarioRun with = RunScenario(
      yaml, {"--target", peer.Url(), "-e", "GREETING=from flag", "-e", "WSYAML_E2E_WHO=me"});
  ScenarioRun defaulted = RunScenario(yaml, {"--target", peer.Url(), "-e", "WSYAML_E2E_WHO=you"});
  nlohmann::json seen = peer.Stop();
  ASSERT_EQ(with.process.exit_code, 0) << with.Output();
  ASSERT_EQ(defaulted.process.exit_code, 0) << defaulted.Output();
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  EXPECT_EQ(seen[0]["messages"][0]["text"], "from flag me");
  EXPECT_EQ(seen[1]["messages"][0]["text"], "default you");

  // An unset variable without a default is an error before anything connects.
  ScenarioRun unset = RunScenario(yaml);
  EXPECT_EQ(unset.process.exit_code, 2) << unset.Output();
  EXPECT_NE(unset.process.err.find("WSYAML_E2E_WHO"), std::string::npos) << unset.process.err;
  EXPECT_FALSE(unset.has_result);
}

TEST(LoadFlags, VusAndIterationsOverrideTheFile) {
  ScenarioRun run = RunScenario(R"(name: overrides
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /o
  - send: "${vu}.${iter}"
  - expect: {match: {text: "${vu}.${iter}"}, within: 2s, name: echo}
  - close
)",
                                {"--vus", "3", "--iterations", "2"});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kIterations), 6);
  EXPECT_EQ(run.Passes("echo"), 6u);
  ASSERT_TRUE(run.builtin.is_object());
  EXPECT_EQ(run.builtin["connections"], 6);
  EXPECT_EQ(run.builtin["frames_in"], 6);
}

TEST(LoadFlags, DurationOverridesTheFile) {
  ScenarioRun run = RunScenario(R"(name: duration
target: builtin:echo
load: {vus: 1, duration: 1m}
steps:
  - connect: /d
  - send: x
  - expect: {match: {text: x}, within: 2s, name: echo}
  - close
  - sleep: 100ms
)",
                                {"--duration", "1s", "--vus", "2"});
  ASSERT_FALSE(run.process.timed_out);
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_LT(run.result.duration_s, 5);
  EXPECT_GE(run.Counter(MetricId::kIterations), 4);
  EXPECT_EQ(run.Passes("echo"), run.builtin.value("frames_in", 0u));
}

std::string GracefulScenario(const std::string& path, const std::string& nap) {
  return "name: graceful\ntarget: builtin:echo\nload: {vus: 1, duration: 1m}\nsteps:\n"
         "  - connect: " +
         path + "\n  - sleep: " + nap + "\n  - send: finished\n  - close\n";
}

struct GracefulRuns {
  int port = 0;
  ScenarioRun graced, cut;
  nlohmann::json seen;  ///< the peer's connections, /graced first
};

GracefulRuns RunGracedAndCut() {
  RecorderPeer peer;
  GracefulRuns runs;
  runs.port = peer.port();
  if (runs.port <= 0) return runs;
  // Both run at once against the peer.
  // Finishes 1.5 s in, within the 3 s grace: a completed iteration, closed normally.
  auto graced = std::async(std::launch::async, [&] {
    return RunScenario(GracefulScenario("/graced", "1500ms"),
                       {"--target", peer.Url(), "--duration", "1s", "--graceful-stop", "3s"});
  });
  // Would finish after a minute: interrupted at once, its socket closed with 1001.
  runs.cut = RunScenario(GracefulScenario("/cut", "1m"),
                         {"--target", peer.Url(), "--duration", "1s", "--graceful-stop", "0s"});
  runs.graced = graced.get();
  runs.seen = peer.Stop();
  // The peer lists connections in the order they opened, which two runs at once do not fix.
  if (runs.seen.size() == 2u && runs.seen[0]["path"] == "/cut")
    std::swap(runs.seen[0], runs.seen[1]);
  return runs;
}

// Seconds of sleeps and grace: in the background from the start.
BackgroundRun<GracefulRuns> graceful_runs(
    "LoadFlags.AtTheEndRunningIterationsGetGracefulStopThenGoAway", RunGracedAndCut);

TEST(LoadFlags, AtTheEndRunningIterationsGetGracefulStopThenGoAway) {
  const GracefulRuns& runs = graceful_runs.Get();
  ASSERT_GT(runs.port, 0);
  const ScenarioRun &graced = runs.graced, &cut = runs.cut;
  const nlohmann::json& seen = runs.seen;
  ASSERT_EQ(graced.process.exit_code, 0) << graced.Output();
  EXPECT_EQ(graced.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(graced.Counter(MetricId::kInterruptedIterations), 0);
  ASSERT_EQ(cut.process.exit_code, 0) << cut.Output();
  EXPECT_LT(cut.result.duration_s, 5);
  EXPECT_EQ(cut.Counter(MetricId::kIterations), 0);
  EXPECT_EQ(cut.Counter(MetricId::kInterruptedIterations), 1);
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  EXPECT_EQ(seen[0]["path"], "/graced");
  EXPECT_EQ(RecordedTexts(seen[0]), std::vector<std::string>{"finished"});
  EXPECT_EQ(seen[0]["close_code"], 1000);
  EXPECT_EQ(seen[1]["path"], "/cut");
  EXPECT_TRUE(seen[1]["messages"].empty());
  EXPECT_EQ(seen[1]["close_code"], 1001);
}

TEST(Thresholds, AFailedThresholdExits99AndWritesJUnit) {
  std::string dir = TempDir();
  ScenarioRun run = RunScenario(R"(name: gate
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - connect: /t
  - send: x
  - expect: {match: {text: y}, within: 100ms, name: wrong}
  - close
thresholds:
  checks: ["rate > 0.5"]
  ws_msgs_sent: ["count == 2"]
)",
                                {"--junit", dir + "/junit.xml"});
  EXPECT_EQ(run.process.exit_code, 99) << run.Output();
  ASSERT_TRUE(run.has_result);
  EXPECT_EQ(run.Fails("wrong"), 2u);
  ASSERT_EQ(run.result.thresholds.size(), 2u);
  EXPECT_FALSE(run.result.thresholds[0].passed);
  EXPECT_TRUE(run.result.thresholds[1].passed);
  std::string xml, error;
  ASSERT_TRUE(metrics::ReadFile(dir + "/junit.xml", &xml, &error)) << error;
  EXPECT_NE(xml.find("<testsuite name=\"thresholds\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("rate &gt; 0.5"), std::string::npos) << xml;
  EXPECT_EQ(CountOf(xml, "<failure"), 2u) << xml;  // the check `wrong` and `rate > 0.5`
  EXPECT_NE(xml.find("name=\"wrong\""), std::string::npos) << xml;
  // The summary is printed before the exit.
  EXPECT_NE(run.process.out.find("ws_msgs_sent"), std::string::npos) << run.process.out;
}

TEST(Thresholds, PassingThresholdsExitZeroWithACleanJUnit) {
  std::string dir = TempDir();
  ScenarioRun run = RunScenario(R"(name: gate-ok
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - connect: /t
  - send: x
  - expect: {match: {text: x}, within: 2s, name: right}
  - close
thresholds:
  checks: ["rate == 1"]
  ws_reply_time{name:right}: ["max < 2s"]
)",
                                {"--junit", dir + "/junit.xml"});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  std::string xml, error;
  ASSERT_TRUE(metrics::ReadFile(dir + "/junit.xml", &xml, &error)) << error;
  EXPECT_EQ(CountOf(xml, "<failure"), 0u) << xml;
  EXPECT_EQ(CountOf(xml, "<testcase"), 3u) << xml;  // one check, two thresholds
}

}  // namespace
}  // namespace wsyaml::testing
