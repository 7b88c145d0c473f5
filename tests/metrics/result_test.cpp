#include "metrics/result.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

namespace wsyaml::metrics {
namespace {

using std::chrono::microseconds;

// A run of `n` reply samples under tag name=echo, plus counters, checks, errors, a threshold.
Result MakeResult(uint64_t seed, int n, int64_t start_ms) {
  Result r;
  r.test_name = "chat";
  r.source_file = "scenarios/chat.yaml";
  r.wsyaml_version = "0.1.0";
  r.start_unix_ms = start_ms;
  r.duration_s = 10;
  std::mt19937_64 rng(seed);
  r.tags.Intern({{"unused", "x"}});  // shifts ids so that merging must re-intern
  uint32_t echo = r.tags.Intern({{"name", "echo"}});
  uint32_t code = r.tags.Intern({{"code", "1000"}});
  for (int i = 0; i < n; ++i) {
    r.shard.Record(MetricId::kWsReplyTime, microseconds(100 + rng() % 100000), echo);
    r.shard.Add(MetricId::kWsMsgsSent, 1, echo);
  }
  r.shard.Add(MetricId::kWsCloseCodes, 4, code);
  r.shard.Move(MetricId::kVusMax, 5);
  r.shard.Check("reply", true);
  r.shard.Check("reply", false, "timeout " + std::to_string(seed));
  r.shard.Error("timeout", "no reply " + std::to_string(seed));
  graph::Threshold t;
  t.metric = "ws_reply_time";
  t.filter = {{"name", "echo"}};
  t.source = "p(95) < 80ms";
  t.aggregate = graph::Threshold::Aggregate::kPercentile;
  t.percentile = 95;
  t.value = 80000;
  r.thresholds = EvaluateThresholds({t}, r.shard, r.tags, r.duration_s);
  TimeSeries ts;
  Shard cumulative;
  for (int s = 1; s <= 3; ++s) {
    cumulative.Add(MetricId::kWsMsgsSent, 10 * s);
    cumulative.Record(MetricId::kWsReplyTime, microseconds(1000 * s));
    cumulative.Move(MetricId::kVus, 1);
    ts.Sample(s, cumulative);
  }
  r.timeline = ts;
  return r;
}

Series Only(const Result& r, MetricId id, const graph::Tags& filter) {
  bool has = false;
  Series s = CollectSeries(r.shard, r.tags, id, filter, &has);
  EXPECT_TRUE(has);
  return s;
}

TEST(ResultTest, JsonRoundTripIsExact) {
  Result a = MakeResult(1, 1000, 1'700'000'000'000);
  std::string text = ToJson(a).dump();
  Result b;
  std::string error;
  ASSERT_TRUE(FromJson(nlohmann::json::parse(text), &b, &error)) << error;
  EXPECT_EQ(ToJson(b).dump(), text);
  EXPECT_EQ(b.test_name, "chat");
  EXPECT_EQ(b.start_unix_ms, 1'700'000'000'000);
  Series reply = Only(b, MetricId::kWsReplyTime, {{"name", "echo"}});
  Series orig = Only(a, MetricId::kWsReplyTime, {{"name", "echo"}});
  EXPECT_EQ(reply.histogram.Count(), 1000u);
  EXPECT_DOUBLE_EQ(reply.histogram.Percentile(95), orig.histogram.Percentile(95));
  ASSERT_EQ(b.thresholds.size(), 1u);
  EXPECT_EQ(b.thresholds[0].threshold.source, "p(95) < 80ms");
  EXPECT_EQ(b.thresholds[0].passed, a.thresholds[0].passed);
  ASSERT_EQ(b.timeline.points().size(), 3u);
  EXPECT_EQ(b.timeline.points()[2].counters.at("ws_msgs_sent"), 30);
}

TEST(ResultTest, FromJsonRejectsGarbage) {
  Result r;
  std::string error;
  EXPECT_FALSE(FromJson(nlohmann::json::parse(R"({"format":"other"})"), &r, &error));
  EXPECT_EQ(error, "not a wsyaml result");
  nlohmann::json j = nlohmann::json::parse(ToJson(MakeResult(1, 10, 0)).dump());
  j["metrics"][0]["metric"] = "nope";
  EXPECT_FALSE(FromJson(j, &r, &error));
  EXPECT_EQ(error, "unknown metric 'nope'");
}

TEST(ResultTest, MergeEqualsOneRunOverAllSamples) {
  Result a = MakeResult(1, 700, 1'000'000);
  Result b = MakeResult(2, 300, 1'005'000);  // started 5 s later
  // The same samples recorded into one shard.
  Shard all;
  all.Merge(a.shard);
  all.Merge(b.shard);  // same tag ids in both (built identically)

  Result merged = a;
  MergeResult(b, &merged);
  EXPECT_EQ(merged.merged_runs, 2);
  EXPECT_EQ(merged.start_unix_ms, 1'000'000);
  EXPECT_DOUBLE_EQ(merged.duration_s, 15);
  Series reply = Only(merged, MetricId::kWsReplyTime, {{"name", "echo"}});
  const Series& expected = all.series().at({MetricId::kWsReplyTime, 2});
  EXPECT_EQ(reply.histogram.Count(), 1000u);
  for (double p : {50.0, 95.0, 99.0})
    EXPECT_DOUBLE_EQ(reply.histogram.Percentile(p), expected.histogram.Percentile(p));
  EXPECT_EQ(Only(merged, MetricId::kWsMsgsSent, {}).sum, 1000);
  EXPECT_EQ(merged.shard.checks().at("reply").fails, 2u);
  EXPECT_EQ(merged.shard.errors().at("timeout").count, 2u);
  EXPECT_EQ(merged.shard.errors().at("timeout").example, "no reply 1");
  ASSERT_EQ(merged.thresholds.size(), 1u);  // deduplicated, re-evaluated
  EXPECT_NEAR(merged.thresholds[0].observed, expected.histogram.Percentile(95) / 1000, 1e-9);
  // Timelines aligned by wall clock: b's seconds 1..3 are merged seconds 6..8.
  ASSERT_EQ(merged.timeline.points().size(), 6u);
  EXPECT_DOUBLE_EQ(merged.timeline.points()[3].elapsed_s, 6);
}

TEST(ResultTest, MergeOfIdenticalStartsSumsTimeline) {
  Result a = MakeResult(1, 10, 0), b = MakeResult(2, 10, 0);
  MergeResult(b, &a);
  ASSERT_EQ(a.timeline.points().size(), 3u);
  EXPECT_EQ(a.timeline.points()[0].counters.at("ws_msgs_sent"), 20);
  EXPECT_EQ(a.timeline.points()[0].gauges.at("vus"), 2);
}

TEST(ResultTest, WritesAtomicallyAndReadsBack) {
  char dir[] = "/tmp/wsyaml_result_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/r.json";
  std::string error;
  Result a = MakeResult(3, 50, 42);
  ASSERT_TRUE(WriteResultFile(path, a, &error)) << error;
  ASSERT_TRUE(WriteResultFile(path, a, &error)) << error;  // replaces
  Result b;
  ASSERT_TRUE(ReadResultFile(path, &b, &error)) << error;
  EXPECT_EQ(ToJson(b), ToJson(a));
  std::string text;
  ASSERT_TRUE(ReadFile(path, &text, &error));
  EXPECT_EQ(text.rfind("{\n  \"format\": \"wsyaml-result\",\n", 0), 0u) << text.substr(0, 80);
  EXPECT_EQ(nlohmann::ordered_json::parse(text), ToJson(a));
  EXPECT_FALSE(ReadResultFile(std::string(dir) + "/missing.json", &b, &error));
  EXPECT_NE(error.find("missing.json"), std::string::npos);
  EXPECT_FALSE(WriteFileAtomically(std::string(dir) + "/no/such/dir/x", "x", &error));
  std::remove(path.c_str());
  rmdir(dir);
}

TEST(ResultTest, DevicesPipesAndLinksAreWrittenNotReplaced) {
  // As root, `--out json=/dev/stdout` once renamed a file over the /dev/stdout link.
  char dir[] = "/tmp/wsyaml_result_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string error;
  std::string to_null = std::string(dir) + "/to-null";
  ASSERT_EQ(symlink("/dev/null", to_null.c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(to_null, "{}", &error)) << error;
  struct stat st {};
  ASSERT_EQ(lstat(to_null.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the link to /dev/null was replaced";
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  // A link to a regular file: the file gets the content, the link stays a link.
  std::string file = std::string(dir) + "/file.json", link = std::string(dir) + "/link.json";
  ASSERT_TRUE(WriteFileAtomically(file, "old", &error)) << error;
  ASSERT_EQ(symlink(file.c_str(), link.c_str()), 0);
  ASSERT_TRUE(WriteFileAtomically(link, "new", &error)) << error;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  std::string text;
  ASSERT_TRUE(ReadFile(file, &text, &error));
  EXPECT_EQ(text, "new");
  // `-` is standard output.
  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(WriteFileAtomically("-", "to stdout", &error)) << error;
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "to stdout");
  for (const std::string& p : {to_null, file, link}) std::remove(p.c_str());
  rmdir(dir);
}

TEST(TimeSeriesTest, SampleComputesPerSecondDeltas) {
  Shard cumulative;
  TimeSeries ts;
  cumulative.Add(MetricId::kWsMsgsSent, 5);
  for (int i = 0; i < 100; ++i) cumulative.Record(MetricId::kWsReplyTime, microseconds(1000));
  cumulative.Move(MetricId::kWsOpen, 3);
  ts.Sample(1, cumulative);
  cumulative.Add(MetricId::kWsMsgsSent, 7);
  for (int i = 0; i < 100; ++i) cumulative.Record(MetricId::kWsReplyTime, microseconds(50000));
  cumulative.Move(MetricId::kWsOpen, -1);
  ts.Sample(2, cumulative);
  ts.Sample(2.5, cumulative);
  ASSERT_EQ(ts.points().size(), 3u);
  EXPECT_DOUBLE_EQ(ts.points()[2].interval_s, 0.5);
  // A sliver right after: folded into the last point, which then spans 2 .. 2.6 s.
  cumulative.Add(MetricId::kWsMsgsSent, 2);
  ts.Sample(2.6, cumulative);
  ASSERT_EQ(ts.points().size(), 3u);
  EXPECT_DOUBLE_EQ(ts.points()[2].elapsed_s, 2.6);
  EXPECT_NEAR(ts.points()[2].interval_s, 0.6, 1e-9);
  EXPECT_EQ(ts.points()[2].counters.at("ws_msgs_sent"), 2);
  const TimePoint& p1 = ts.points()[0];
  const TimePoint& p2 = ts.points()[1];
  EXPECT_EQ(p1.counters.at("ws_msgs_sent"), 5);
  EXPECT_EQ(p2.counters.at("ws_msgs_sent"), 7);
  EXPECT_EQ(p1.gauges.at("ws_open"), 3);
  EXPECT_EQ(p2.gauges.at("ws_open"), 2);
  EXPECT_NEAR(p1.trends.at("ws_reply_time").p95, 1000, 10);
  EXPECT_NEAR(p2.trends.at("ws_reply_time").p50, 50000, 500);  // only the second's samples
  EXPECT_EQ(p2.trends.at("ws_reply_time").count, 100u);
  EXPECT_EQ(ts.points()[2].trends.count("ws_reply_time"), 0u);
  double lo, hi;
  ASSERT_TRUE(ts.GaugeRange("ws_open", &lo, &hi));
  EXPECT_EQ(lo, 2);
  EXPECT_EQ(hi, 3);
}

// `interrupted` and a threshold's no-samples verdict survive the file; files written before
// these fields existed read as not interrupted.
TEST(ResultTest, InterruptedAndNoSamplesRoundTrip) {
  Result a = MakeResult(1, 10, 0);
  a.interrupted = true;
  graph::Threshold ping;
  ping.metric = "ws_ping";
  ping.source = "p(95) < 50ms";
  ping.aggregate = graph::Threshold::Aggregate::kPercentile;
  ping.percentile = 95;
  ping.value = 50'000;
  graph::Threshold allowed = ping;
  allowed.source = "p(95) < 60ms";
  allowed.allow_no_samples = true;
  a.thresholds = EvaluateThresholds({ping, allowed}, a.shard, a.tags, a.duration_s);
  nlohmann::json j = nlohmann::json::parse(ToJson(a).dump());
  EXPECT_EQ(j["interrupted"], true);
  EXPECT_EQ(j["thresholds"][0]["no_samples"], true);
  EXPECT_EQ(j["thresholds"][0]["passed"], false);
  EXPECT_NE(j["thresholds"][0]["error"].get<std::string>().find("no samples"), std::string::npos);
  Result b;
  std::string error;
  ASSERT_TRUE(FromJson(j, &b, &error)) << error;
  EXPECT_TRUE(b.interrupted);
  ASSERT_EQ(b.thresholds.size(), 2u);
  EXPECT_TRUE(b.thresholds[0].no_samples);
  EXPECT_TRUE(b.thresholds[1].threshold.allow_no_samples);
  EXPECT_TRUE(b.thresholds[1].passed);
  // Merging keeps both: an interrupted part makes the whole interrupted.
  Result merged = MakeResult(2, 10, 0);
  MergeResult(b, &merged);
  EXPECT_TRUE(merged.interrupted);
  ASSERT_EQ(merged.thresholds.size(), 3u);
  EXPECT_TRUE(merged.thresholds[2].passed);  // allow-no-samples survived the merge

  j.erase("interrupted");
  ASSERT_TRUE(FromJson(j, &b, &error)) << error;
  EXPECT_FALSE(b.interrupted);
}

}  // namespace
}  // namespace wsyaml::metrics
