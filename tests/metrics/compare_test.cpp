#include "metrics/compare.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace wsyaml::metrics {
namespace {

using std::chrono::microseconds;

// A run whose ws_reply_time{name:echo} samples are 1..100 ms times `scale`.
Result MakeRun(double scale, int fails, int timeouts) {
  Result r;
  r.test_name = "chat";
  r.duration_s = 10;
  uint32_t echo = r.tags.Intern({{"name", "echo"}});
  for (int i = 1; i <= 100; ++i)
    r.shard.Record(MetricId::kWsReplyTime, microseconds(static_cast<int64_t>(i * 1000 * scale)),
                   echo);
  r.shard.Add(MetricId::kWsMsgsSent, 100);
  for (int i = 0; i < 10; ++i) r.shard.Check("reply", i >= fails);
  for (int i = 0; i < timeouts; ++i) r.shard.Error("timeout", "no reply");
  graph::Threshold t;
  t.metric = "ws_reply_time";
  t.source = "p(95) < 100ms";
  t.aggregate = graph::Threshold::Aggregate::kPercentile;
  t.percentile = 95;
  t.value = 100'000;
  r.thresholds = EvaluateThresholds({t}, r.shard, r.tags, r.duration_s);
  return r;
}

const CompareRow* Find(const CompareReport& report, const std::string& name) {
  for (const auto& r : report.rows)
    if (r.name == name) return &r;
  return nullptr;
}

TEST(CompareTest, SameRunHasNoRegression) {
  CompareReport report = CompareResults(MakeRun(1, 1, 1), MakeRun(1, 1, 1), {0.1});
  EXPECT_EQ(report.regressions, 0u);
  const CompareRow* p95 = Find(report, "ws_reply_time{name:echo} p(95)");
  ASSERT_NE(p95, nullptr);
  EXPECT_EQ(p95->change, "±0%");
  EXPECT_NE(FormatCompare(report).find("0 regressions"), std::string::npos);
}

TEST(CompareTest, SlowerLatencyBeyondToleranceIsARegression) {
  CompareReport within = CompareResults(MakeRun(1, 0, 0), MakeRun(1.05, 0, 0), {0.1});
  EXPECT_EQ(within.regressions, 0u);
  CompareReport beyond = CompareResults(MakeRun(1, 0, 0), MakeRun(1.2, 0, 0), {0.1});
  const CompareRow* p95 = Find(beyond, "ws_reply_time{name:echo} p(95)");
  ASSERT_NE(p95, nullptr);
  EXPECT_TRUE(p95->regression);
  EXPECT_NEAR(p95->current_value / p95->base_value, 1.2, 0.01);  // within histogram error
  EXPECT_EQ(p95->change.substr(0, 1), "+");
  EXPECT_FALSE(Find(beyond, "ws_reply_time{name:echo} max")->regression);  // not gated
  // p(95) 95.05 ms -> 114 ms breaks the threshold too.
  const CompareRow* threshold = Find(beyond, "ws_reply_time p(95) < 100ms");
  ASSERT_NE(threshold, nullptr);
  EXPECT_TRUE(threshold->regression);
  std::string text = FormatCompare(beyond);
  EXPECT_NE(text.find("✗ ws_reply_time{name:echo} p(95)"), std::string::npos) << text;
  EXPECT_NE(text.find("REGRESSION"), std::string::npos);
  // Faster is never a regression.
  EXPECT_EQ(CompareResults(MakeRun(1.2, 0, 0), MakeRun(1, 0, 0), {0.1}).regressions, 0u);
}

TEST(CompareTest, MoreFailuresOrErrorsAreRegressions) {
  CompareReport report = CompareResults(MakeRun(1, 0, 2), MakeRun(1, 3, 3), {0.1});
  EXPECT_TRUE(Find(report, "reply fails")->regression);  // 0 -> 3
  EXPECT_FALSE(Find(report, "reply passes")->regression);
  EXPECT_TRUE(Find(report, "timeout")->regression);  // 2 -> 3 is +50%
  EXPECT_TRUE(Find(report, "ws_errors")->regression);
  EXPECT_FALSE(Find(report, "ws_msgs_sent")->regression);
  EXPECT_EQ(CompareResults(MakeRun(1, 0, 10), MakeRun(1, 0, 11), {0.2}).regressions, 0u);
}

TEST(CompareTest, NewAndGoneMetrics) {
  Result base = MakeRun(1, 0, 0), cur = MakeRun(1, 0, 0);
  cur.shard.Record(MetricId::kWsPing, microseconds(500));
  base.shard.Add(MetricId::kWsReconnects, 2);
  CompareReport report = CompareResults(base, cur, {0.1});
  EXPECT_EQ(Find(report, "ws_ping p(95)")->change, "new");
  EXPECT_EQ(Find(report, "ws_ping p(95)")->base, "—");
  EXPECT_EQ(Find(report, "ws_reconnects")->change, "gone");
  EXPECT_EQ(report.regressions, 0u);
}

TEST(CompareTest, ThroughJsonFilesAndMerge) {
  // Two halves written as files, read back and merged, compare equal to the whole run.
  std::string dir = testutil::TempDir();
  Result half = MakeRun(1, 1, 1);
  std::string error;
  ASSERT_TRUE(WriteResultFile(dir + "/a.json", half, &error)) << error;
  ASSERT_TRUE(WriteResultFile(dir + "/b.json", half, &error)) << error;
  Result a, b;
  ASSERT_TRUE(ReadResultFile(dir + "/a.json", &a, &error)) << error;
  ASSERT_TRUE(ReadResultFile(dir + "/b.json", &b, &error)) << error;
  MergeResult(b, &a);
  Result whole = MakeRun(1, 1, 1);
  whole.shard.Merge(MakeRun(1, 1, 1).shard);
  CompareReport report = CompareResults(whole, a, {0});
  EXPECT_EQ(report.regressions, 0u) << FormatCompare(report);
  EXPECT_EQ(Find(report, "ws_reply_time{name:echo} p(99)")->change, "±0%");
  EXPECT_EQ(Find(report, "reply fails")->current, "2");
  for (const char* f : {"/a.json", "/b.json"}) std::remove((dir + f).c_str());
  rmdir(dir.c_str());
}

// A run whose ws_connecting samples are `n` values from `low_us` to `high_us`.
Result Connecting(int n, int64_t low_us, int64_t high_us) {
  Result r;
  r.duration_s = 1;
  for (int i = 0; i < n; ++i)
    r.shard.Record(MetricId::kWsConnecting,
                   microseconds(low_us + (high_us - low_us) * i / std::max(1, n - 1)));
  return r;
}

TEST(CompareTest, LoopbackJitterBelowTheMinimumDifferenceIsNoRegression) {
  // Two back-to-back runs: p(99) 1.1 ms -> 1.9 ms is +70% but 0.8 ms, below the 1 ms floor.
  CompareReport report = CompareResults(Connecting(200, 500, 1100), Connecting(200, 500, 1900), {});
  const CompareRow* p99 = Find(report, "ws_connecting p(99)");
  ASSERT_NE(p99, nullptr);
  EXPECT_TRUE(p99->gated);
  EXPECT_FALSE(p99->regression) << FormatCompare(report);
  EXPECT_EQ(report.regressions, 0u);
  // A floor of 0.5 ms makes the same change a regression.
  CompareOptions strict;
  strict.min_difference_us = 500;
  EXPECT_TRUE(Find(CompareResults(Connecting(200, 500, 1100), Connecting(200, 500, 1900), strict),
                   "ws_connecting p(99)")
                  ->regression);
}

TEST(CompareTest, FewSamplesAreShownNotJudged) {
  // 12 sessions: p(95) is their slowest, 10 ms -> 30 ms.
  CompareReport report =
      CompareResults(Connecting(12, 1000, 10000), Connecting(12, 1000, 30000), {});
  const CompareRow* p95 = Find(report, "ws_connecting p(95)");
  ASSERT_NE(p95, nullptr);
  EXPECT_TRUE(p95->few_samples);
  EXPECT_FALSE(p95->regression);
  EXPECT_NE(p95->change.find("few samples"), std::string::npos);
  std::string text = FormatCompare(report);
  EXPECT_NE(text.find("at least 100 samples on each side"), std::string::npos) << text;
  EXPECT_NE(text.find("more than 1ms"), std::string::npos) << text;
  CompareOptions few;
  few.min_samples = 10;
  EXPECT_TRUE(Find(CompareResults(Connecting(12, 1000, 10000), Connecting(12, 1000, 30000), few),
                   "ws_connecting p(95)")
                  ->regression);
}

TEST(CompareTest, ParseTolerance) {
  double t = 0;
  EXPECT_TRUE(ParseTolerance("10%", &t));
  EXPECT_DOUBLE_EQ(t, 0.1);
  EXPECT_TRUE(ParseTolerance("5", &t));
  EXPECT_DOUBLE_EQ(t, 0.05);
  EXPECT_TRUE(ParseTolerance("0.2", &t));
  EXPECT_DOUBLE_EQ(t, 0.2);
  EXPECT_TRUE(ParseTolerance("0%", &t));
  EXPECT_DOUBLE_EQ(t, 0);
  EXPECT_FALSE(ParseTolerance("", &t));
  EXPECT_FALSE(ParseTolerance("-5%", &t));
  EXPECT_FALSE(ParseTolerance("ten", &t));
  EXPECT_FALSE(ParseTolerance("%", &t));
}

}  // namespace
}  // namespace wsyaml::metrics
