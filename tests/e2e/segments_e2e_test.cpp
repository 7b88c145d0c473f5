// One test run once, and as three segments in parallel processes that begin together with
// --start-at, merged: against an independent echo server (python3-websockets), the merged
// counts equal the single run's exactly and the thresholds give the same exit code.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "metrics/thresholds.h"
#include "metrics/timeseries.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;
using namespace std::chrono_literals;

constexpr char kScenario[] = R"(name: segmented
load: {vus: 7, iterations: 3, ramp-up: 0s}
steps:
  - connect: /seg?vu=${vu}
  - send: "${vu}-${iter}-a"
  - expect: {match: {text: "${vu}-${iter}-a"}, within: 2s, name: echoed}
  - send: "${vu}-${iter}-bb"
  - expect: {match: {text: "${vu}-${iter}-bb"}, within: 2s}
  - close
thresholds:
  ws_msgs_received: ["count == 42"]
  ws_sessions: ["count < 20"]
)";

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

metrics::Series Series(const metrics::Result& r, MetricId id) {
  return metrics::CollectSeries(r.shard, r.tags, id, {});
}

TEST(SegmentsEndToEnd, ThreeSegmentsStartedTogetherMergeIntoTheSameRun) {
  ServerProcess echo({"/usr/bin/python3", SourcePath("tests/e2e/peers/recorder.py")});
  ASSERT_GT(echo.port(), 0);
  const std::string target = "ws://127.0.0.1:" + std::to_string(echo.port());
  const std::string dir = TempDir();
  const std::string file = WriteTempFile("segmented.yaml", kScenario);

  ProcessResult single = RunProcess({WsyamlBinary(), "run", file, "-q", "--target", target, "--out",
                                     "result=" + dir + "/single.json"},
                                    30s);
  // 42 messages received, 21 sessions: the second threshold fails, so the exit code is 99.
  ASSERT_EQ(single.exit_code, 99) << single.err;

  // Three processes started one after another begin at one moment, 2.5 s from now (a margin
  // for three process starts on a loaded machine).
  const int64_t start_at = NowUnixMs() + 2500;
  const std::string start_text = metrics::IsoTime(start_at);
  std::vector<ProcessResult> parts(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      parts[i] = RunProcess({WsyamlBinary(), "run", file, "--target", target, "--segment",
                             std::to_string(i) + "/3", "--start-at", start_text, "--out",
                             "result=" + dir + "/part" + std::to_string(i) + ".json"},
                            30s);
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<std::string> merge = {WsyamlBinary(), "merge"};
  std::vector<metrics::Result> part_results(3);
  for (int i = 0; i < 3; ++i) {
    // Each segment judges only its share: 14 or 12 messages, never 42.
    EXPECT_EQ(parts[i].exit_code, 99) << parts[i].err;
    EXPECT_NE(parts[i].err.find("for --start-at " + start_text), std::string::npos) << parts[i].err;
    std::string path = dir + "/part" + std::to_string(i) + ".json", error;
    ASSERT_TRUE(metrics::ReadResultFile(path, &part_results[i], &error)) << error;
    // Began at the time asked for, not when the process started.
    EXPECT_GE(part_results[i].start_unix_ms, start_at);
    EXPECT_LT(part_results[i].start_unix_ms, start_at + 1000);
    EXPECT_EQ(part_results[i].start_late_ms, 0);
    merge.push_back(path);
  }
  merge.insert(merge.end(), {"-o", dir + "/merged.json"});
  ProcessResult merged_run = RunProcess(merge, 30s);
  EXPECT_EQ(merged_run.exit_code, single.exit_code) << merged_run.err;

  metrics::Result one, merged;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/single.json", &one, &error)) << error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/merged.json", &merged, &error)) << error;
  EXPECT_EQ(merged.merged_runs, 3);
  for (MetricId id : {MetricId::kWsSessions, MetricId::kWsMsgsSent, MetricId::kWsMsgsReceived,
                      MetricId::kDataSent, MetricId::kDataReceived, MetricId::kIterations}) {
    EXPECT_EQ(Series(merged, id).sum, Series(one, id).sum) << metrics::Info(id).name;
    EXPECT_GT(Series(one, id).sum, 0) << metrics::Info(id).name;
  }
  EXPECT_EQ(Series(merged, MetricId::kVusMax).gauge, 7);
  EXPECT_EQ(merged.shard.checks().at("echoed").passes, one.shard.checks().at("echoed").passes);
  ASSERT_EQ(merged.thresholds.size(), one.thresholds.size());
  for (size_t t = 0; t < one.thresholds.size(); ++t) {
    EXPECT_EQ(merged.thresholds[t].passed, one.thresholds[t].passed) << t;
    EXPECT_EQ(merged.thresholds[t].observed, one.thresholds[t].observed) << t;
  }
  // Percentiles come from the merged histograms, never from averaged percentiles: the
  // merged file's equal those of the segments' histograms added up, within the 0.4% bucket
  // error, after the round trip through the files and `merge`.
  metrics::Histogram union_of_parts;
  for (const metrics::Result& part : part_results)
    union_of_parts.Merge(Series(part, MetricId::kWsConnecting).histogram);
  for (double p : {50.0, 95.0, 99.0}) {
    double exact = union_of_parts.Percentile(p);
    EXPECT_NEAR(Series(merged, MetricId::kWsConnecting).histogram.Percentile(p), exact,
                exact * 0.004)
        << "p" << p;
  }
  EXPECT_EQ(Series(merged, MetricId::kWsConnecting).count, 21u);

  // The whole run's reports from the parts, and thresholds judged from the scenario file as
  // it is now (here: relaxed, so the merge passes).
  std::string relaxed = kScenario;
  relaxed.replace(relaxed.find("count < 20"), 10, "count < 50");
  std::vector<std::string> judge = {WsyamlBinary(),
                                    "merge",
                                    dir + "/part0.json",
                                    dir + "/part1.json",
                                    dir + "/part2.json",
                                    "--scenario",
                                    WriteTempFile("relaxed.yaml", relaxed),
                                    "--junit",
                                    dir + "/junit.xml",
                                    "--report",
                                    dir + "/report.html",
                                    "--summary-export",
                                    dir + "/summary.json"};
  ProcessResult judged = RunProcess(judge, 30s);
  EXPECT_EQ(judged.exit_code, 0) << judged.err;
  EXPECT_NE(judged.out.find("✓ ws_sessions 'count < 50' count=21"), std::string::npos)
      << judged.out;
  EXPECT_NE(judged.out.find("ws_msgs_received 'count == 42' count=42"), std::string::npos)
      << judged.out;
  std::string text;
  ASSERT_TRUE(metrics::ReadFile(dir + "/junit.xml", &text, &error)) << error;
  EXPECT_NE(text.find("count &lt; 50"), std::string::npos) << text;
  EXPECT_EQ(text.find("<failure"), std::string::npos) << text;
  ASSERT_TRUE(metrics::ReadFile(dir + "/report.html", &text, &error)) << error;
  EXPECT_NE(text.find("segmented"), std::string::npos);
  ASSERT_TRUE(metrics::ReadFile(dir + "/summary.json", &text, &error)) << error;
  nlohmann::json exported = nlohmann::json::parse(text, nullptr, false);
  EXPECT_EQ(exported["metrics"]["ws_msgs_received"]["count"], 42) << text.substr(0, 2000);

  // What the server saw: the single run's connections and the segments', one per iteration,
  // every VU id once per iteration in each.
  nlohmann::json seen = nlohmann::json::parse(echo.Stop(), nullptr, false);
  ASSERT_TRUE(seen.is_object());
  std::map<std::string, int> per_path;
  for (const auto& c : seen["connections"]) per_path[c["path"].get<std::string>()] += 1;
  EXPECT_EQ(per_path.size(), 7u);
  for (const auto& [path, n] : per_path) EXPECT_EQ(n, 6) << path;
}

TEST(SegmentsEndToEnd, ALateStartBeginsAtOnceAndRecordsHowLate) {
  ServerProcess echo({WsyamlBinary(), "serve", "echo", "--port", "0"});
  ASSERT_GT(echo.port(), 0);
  const std::string dir = TempDir();
  const std::string file = WriteTempFile(
      "late.yaml", "load: {vus: 1, iterations: 1}\nsteps:\n  - connect: /l\n  - close\n");
  const int64_t start_at = NowUnixMs() - 2000;
  ProcessResult p = RunProcess(
      {WsyamlBinary(), "run", file, "--target", "ws://127.0.0.1:" + std::to_string(echo.port()),
       "--start-at", metrics::IsoTime(start_at), "--out", "result=" + dir + "/r.json"},
      30s);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.err.find(" late: --start-at "), std::string::npos) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/r.json", &result, &error)) << error;
  EXPECT_GE(result.start_late_ms, 2000);
  EXPECT_LT(result.start_late_ms, 2000 + 10000);
}

TEST(SegmentsEndToEnd, CtrlCWhileWaitingForTheStartRunsNothing) {
  const std::string file = WriteTempFile(
      "wait.yaml", "load: {vus: 1, iterations: 1}\nsteps:\n  - connect: /l\n  - close\n");
  ProcessResult p =
      RunProcess({WsyamlBinary(), "run", file, "--target", "ws://127.0.0.1:9", "--start-at", "+1h"},
                 30s, {}, {{0ms, SIGINT, [](const ProcessResult& so_far) {
                              return so_far.err.find("for --start-at") != std::string::npos;
                            }}});
  EXPECT_EQ(p.exit_code, 4) << p.err;
  EXPECT_NE(p.err.find("stopped before --start-at; nothing ran"), std::string::npos) << p.err;
  EXPECT_EQ(p.out.find("ws_sessions"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace wsyaml::testing
