// The Runner in this process against the built-in echo server: a scenario from a stream, the
// summary, the exit code, and segments that add up to the whole test.
#include "run/runner.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <sstream>

#include "metrics/result.h"
#include "metrics/thresholds.h"
#include "run/exit_codes.h"

namespace wsyaml::run {
namespace {

constexpr char kEcho[] = R"(name: echo
target: builtin:echo
load: {vus: 10, iterations: 2, ramp-up: 0s}
steps:
  - connect: /r
  - send: "${vu}"
  - expect: {match: {text: "${vu}"}, within: 2s, name: echo}
  - close
)";

struct Ran {
  int exit_code = -1;
  std::string out, err;
};

Ran RunFromStdin(const std::string& yaml, RunOptions options) {
  options.file = "-";
  options.quiet = true;
  options.threads = 1;
  std::istringstream in(yaml);
  std::ostringstream out, err;
  Ran ran;
  ran.exit_code = Runner(std::move(options), in, out, err).Run();
  ran.out = out.str();
  ran.err = err.str();
  return ran;
}

TEST(RunnerTest, RunsAScenarioFromAStream) {
  Ran ran = RunFromStdin(kEcho, {});
  ASSERT_EQ(ran.exit_code, kExitOk) << ran.err;
  EXPECT_NE(ran.out.find("vus_max.......................: 10"), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("\"connections\":20"), std::string::npos) << ran.out;
}

TEST(RunnerTest, CompileErrorsAreExitTwoWithThePosition) {
  Ran ran = RunFromStdin("steps:\n  - sned: x\n", {});
  EXPECT_EQ(ran.exit_code, kExitInvalid);
  EXPECT_NE(ran.err.find("<stdin>:2:"), std::string::npos) << ran.err;
  EXPECT_TRUE(ran.out.empty()) << ran.out;
}

TEST(RunnerTest, OverridesGoThroughTheCompiler) {
  RunOptions options;
  options.overrides.vus = 0;
  Ran ran = RunFromStdin(kEcho, options);
  EXPECT_EQ(ran.exit_code, kExitInvalid);
  EXPECT_NE(ran.err.find("--vus must be at least 1, got 0"), std::string::npos) << ran.err;
  options.overrides.vus = 2;
  options.overrides.iterations = 3;
  ran = RunFromStdin(kEcho, options);
  ASSERT_EQ(ran.exit_code, kExitOk) << ran.err;
  EXPECT_NE(ran.out.find("\"connections\":6"), std::string::npos) << ran.out;
}

TEST(RunnerTest, SegmentsSplitVusExactly) {
  const std::string dir = [] {
    std::string d = "/tmp/wsyaml-runner-XXXXXX";
    return std::string(mkdtemp(d.data()));
  }();
  int vus[3] = {0, 0, 0};
  double iterations = 0;
  for (int i = 0; i < 3; ++i) {
    RunOptions options;
    options.slice = {i, 3};
    options.outputs = {{OutputSpec::Kind::kJson, dir + "/" + std::to_string(i) + ".json"}};
    Ran ran = RunFromStdin(kEcho, options);
    ASSERT_EQ(ran.exit_code, kExitOk) << ran.err;
    metrics::Result result;
    std::string error;
    ASSERT_TRUE(metrics::ReadResultFile(options.outputs[0].path, &result, &error)) << error;
    vus[i] = static_cast<int>(
        metrics::CollectSeries(result.shard, result.tags, metrics::MetricId::kVusMax, {}).gauge);
    iterations +=
        metrics::CollectSeries(result.shard, result.tags, metrics::MetricId::kIterations, {}).sum;
  }
  EXPECT_EQ(vus[0], 4);
  EXPECT_EQ(vus[1], 3);
  EXPECT_EQ(vus[2], 3);
  EXPECT_EQ(iterations, 20);
}

}  // namespace
}  // namespace wsyaml::run
