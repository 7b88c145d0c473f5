// The Runner in this process against the built-in echo server: a scenario from a stream, the
// summary, the exit code, and segments that add up to the whole test.
#include "run/runner.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <memory>
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

Ran RunFromStdin(const std::string& yaml, RunOptions options,
                 std::unique_ptr<outputs::Sink> sink = nullptr) {
  options.file = "-";
  options.quiet = true;
  options.threads = 1;
  std::istringstream in(yaml);
  std::ostringstream out, err;
  Ran ran;
  Runner runner(std::move(options), in, out, err);
  if (sink) runner.AddSink(std::move(sink));
  ran.exit_code = runner.Run();
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
    options.outputs = {
        {outputs::OutputSpec::Kind::kResult, dir + "/" + std::to_string(i) + ".json"}};
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

// What the snapshots said, added up, and the final result.
struct Recorded {
  int live_snapshots = 0;
  double live_sent = 0, last_elapsed_s = 0;
  metrics::Shard summed;
  metrics::Result result;
};

double Sent(const metrics::Shard& shard, const metrics::TagRegistry& tags) {
  return metrics::CollectSeries(shard, tags, metrics::MetricId::kWsMsgsSent, {}).sum;
}

// Records into a Recorded that outlives the run (the Runner owns and destroys its sinks).
class RecordingSink : public outputs::Sink {
 public:
  explicit RecordingSink(Recorded& recorded) : r_(recorded) {}
  bool live() const override { return true; }
  void OnSnapshot(const outputs::Snapshot& s) override {
    if (!s.final) {
      ++r_.live_snapshots;
      r_.live_sent = Sent(*s.cumulative, *s.tags);
      EXPECT_GT(s.elapsed_s, r_.last_elapsed_s);
    }
    r_.last_elapsed_s = s.elapsed_s;
    r_.summed.Merge(*s.interval);
  }
  bool Finish(const outputs::Final& final, std::string*) override {
    r_.result = *final.result;
    return true;
  }

 private:
  Recorded& r_;
};

// With --procs 2 the parent's sinks get a merged snapshot each second from both workers,
// and the intervals add up to the final result exactly.
TEST(RunnerTest, WorkerProcessesFeedLiveSinksEverySecond) {
  constexpr char kSteady[] = R"(name: steady
target: builtin:echo
load: {vus: 4, duration: 2500ms, ramp-up: 0s}
steps:
  - connect: /s
  - send: "${vu}"
  - expect: {match: {text: "${vu}"}, within: 2s, name: echo}
  - sleep: 50ms
  - close
)";
  Recorded r;
  RunOptions options;
  options.procs = 2;
  Ran ran = RunFromStdin(kSteady, options, std::make_unique<RecordingSink>(r));
  ASSERT_EQ(ran.exit_code, kExitOk) << ran.err;
  EXPECT_GE(r.live_snapshots, 2);
  EXPECT_GT(r.live_sent, 4);  // both workers' messages, before the end
  EXPECT_EQ(r.result.merged_runs, 2);
  const double sent = Sent(r.result.shard, r.result.tags);
  EXPECT_GT(sent, r.live_sent);
  EXPECT_EQ(Sent(r.summed, r.result.tags), sent);
  for (auto id : {metrics::MetricId::kIterations, metrics::MetricId::kWsReplyTime}) {
    EXPECT_EQ(metrics::CollectSeries(r.summed, r.result.tags, id, {}).count,
              metrics::CollectSeries(r.result.shard, r.result.tags, id, {}).count);
  }
  ASSERT_EQ(r.result.shard.checks().count("echo"), 1u);
  EXPECT_EQ(r.summed.checks().at("echo").passes, r.result.shard.checks().at("echo").passes);
}

// Abort-on-fail under --procs is judged on both workers' merged totals: each worker alone
// sends at most about 120 messages in 6 s, fewer than the threshold's 150, so only the sum
// (about 40 a second) fails it — after about 4 s, well before the run's end.
TEST(RunnerTest, AbortOnFailWithWorkerProcessesJudgesTheMergedTotals) {
  constexpr char kTwoSenders[] = R"(name: senders
target: builtin:echo
load: {vus: 2, iterations: 1, ramp-up: 0s}
steps:
  - connect: /s
  - repeat:
      for: 6s
      do:
        - send: "${vu}"
        - sleep: 50ms
  - close
thresholds:
  ws_msgs_sent: [{threshold: "count < 150", abort-on-fail: true}]
)";
  Recorded r;
  RunOptions options;
  options.procs = 2;
  Ran ran = RunFromStdin(kTwoSenders, options, std::make_unique<RecordingSink>(r));
  EXPECT_EQ(ran.exit_code, kExitThresholdsFailed) << ran.err;
  EXPECT_NE(ran.err.find("ws_msgs_sent: count < 150 failed; aborting the run (abort-on-fail)"),
            std::string::npos)
      << ran.err;
  EXPECT_FALSE(r.result.interrupted);
  const double sent = Sent(r.result.shard, r.result.tags);
  EXPECT_GE(sent, 150);
  EXPECT_LT(sent, 220) << "both workers ran to their end";
  EXPECT_LT(r.result.duration_s, 5.9);
}

}  // namespace
}  // namespace wsyaml::run
