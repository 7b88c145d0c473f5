// Every example in scenarios/ runs end to end against the built-in servers: exit 0 (or the
// code its comments document), no errors, and at least one iteration.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "background_run.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

struct Example {
  std::vector<std::string> args;  ///< flags that keep the run short
  int exit_code = 0;
};

// Examples that need flags to stay short; the rest run as written (each is a few seconds).
const std::map<std::string, Example>& Overrides() {
  static const std::map<std::string, Example> overrides = {
      // 10 VUs x 4 sockets for 1 m as written; iterations last 5-63 s.
      {"chat.yaml", {{"--vus", "2", "--duration", "6s", "--graceful-stop", "0s"}, 0}},
      // Iterations last 2-3 s; one round of them, finished within graceful-stop, is enough.
      {"reconnect.yaml", {{"--duration", "1s"}, 0}},
      // Several seconds of the same iterations as written; one second shows they run clean.
      {"echo.yaml", {{"--duration", "1s"}, 0}},
      {"request-reply.yaml", {{"--duration", "1s"}, 0}},
      {"thresholds.yaml", {{"--duration", "1s"}, 0}},
  };
  return overrides;
}

// Examples of services the built-in servers are not: logic_e2e_test.cpp runs them against
// their python peers (tests/e2e/peers/) and asserts their exact check counts.
// stomp-topic.yaml needs RabbitMQ: stomp_e2e_test.cpp runs it; socketio_e2e_test.cpp runs
// socketio-chat.yaml against the official socket.io server; graphql_ws_e2e_test.cpp runs
// graphql-subscription.yaml against the official graphql-ws server.
const std::set<std::string> kPeerExamples = {"jsonrpc.yaml", "market-feed.yaml",
                                             "socketio-chat.yaml", "stomp-topic.yaml",
                                             "graphql-subscription.yaml"};

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(SourcePath("scenarios"))) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && entry.path().extension() == ".yaml" &&
        !kPeerExamples.count(name))
      files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string TestNameOf(const std::string& file) {
  std::string name = file.substr(0, file.find('.'));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

Example ExampleOf(const std::string& file) {
  auto it = Overrides().find(file);
  return it == Overrides().end() ? Example{} : it->second;
}

ScenarioRun RunExample(const std::string& file) {
  return RunScenarioFile(SourcePath("scenarios/" + file), ExampleOf(file).args,
                         std::chrono::seconds(60));
}

// The examples mostly wait on their timers for seconds: they go in the background from the
// start, and each test waits for its own.
std::map<std::string, std::unique_ptr<BackgroundRun<ScenarioRun>>>& ExampleRuns() {
  static std::map<std::string, std::unique_ptr<BackgroundRun<ScenarioRun>>> runs = [] {
    std::map<std::string, std::unique_ptr<BackgroundRun<ScenarioRun>>> each;
    for (const std::string& file : ExampleFiles()) {
      each[file] = std::make_unique<BackgroundRun<ScenarioRun>>(
          "Scenarios/ExampleScenario.RunsCleanlyAgainstTheBuiltinServers/" + TestNameOf(file),
          [file] { return RunExample(file); });
    }
    return each;
  }();
  return runs;
}
const bool kExamplesRegistered = !ExampleRuns().empty();

class ExampleScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleScenario, RunsCleanlyAgainstTheBuiltinServers) {
  const std::string& file = GetParam();
  Example example = ExampleOf(file);
  const ScenarioRun& run = ExampleRuns().at(file)->Get();
  ASSERT_FALSE(run.process.timed_out) << run.Output();
  EXPECT_EQ(run.process.exit_code, example.exit_code) << run.Output();
  ASSERT_TRUE(run.has_result) << run.Output();
  // Iterations cut short by the end of the test count too (chat.yaml's last 5-63 s).
  EXPECT_GT(run.Counter(MetricId::kIterations) + run.Counter(MetricId::kInterruptedIterations), 0)
      << run.Output();
  EXPECT_GT(run.Counter(MetricId::kWsSessions), 0) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  // No warnings at compile time either.
  EXPECT_EQ(run.process.err.find("warning:"), std::string::npos) << run.process.err;
  for (const auto& t : run.result.thresholds)
    EXPECT_TRUE(t.passed) << metrics::ThresholdTarget(t.threshold) << ": " << t.threshold.source
                          << " observed " << t.observed << (t.has_data ? "" : " (no samples)")
                          << (t.error.empty() ? "" : " error: " + t.error);
  ASSERT_TRUE(run.builtin.is_object()) << "not run against a built-in server:\n" << run.Output();
  EXPECT_GT(run.builtin["connections"].get<int>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ExampleScenario, ::testing::ValuesIn(ExampleFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return TestNameOf(info.param);
                         });

TEST(ExampleScenarios, AtLeastEightExamplesAndEveryOverrideNamesOne) {
  std::vector<std::string> files = ExampleFiles();
  EXPECT_GE(files.size(), 8u);
  for (const auto& [file, example] : Overrides())
    EXPECT_NE(std::find(files.begin(), files.end(), file), files.end()) << file;
}

}  // namespace
}  // namespace wsyaml::testing
