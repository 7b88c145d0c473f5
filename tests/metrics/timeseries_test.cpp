#include "metrics/timeseries.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <chrono>
#include <cmath>

namespace wsyaml::metrics {
namespace {

using std::chrono::microseconds;

// Two names in one scenario: say (10 replies of 1 ms a second) and join (2 of 5 ms).
struct TwoNames {
  TagRegistry tags;
  Shard shard;
  uint32_t say = tags.Intern({{"name", "say"}, {"scenario", "chat"}});
  uint32_t join = tags.Intern({{"name", "join"}, {"scenario", "chat"}});

  void OneSecond() {
    for (int i = 0; i < 10; ++i) {
      shard.Record(MetricId::kWsReplyTime, microseconds(1000), say);
      shard.Add(MetricId::kWsMsgsSent, 1, say);
    }
    for (int i = 0; i < 2; ++i) {
      shard.Record(MetricId::kWsReplyTime, microseconds(5000), join);
      shard.Add(MetricId::kWsMsgsSent, 1, join);
    }
    shard.Error("timeout", "no reply", say);
    shard.Check("reply ok", true);
    shard.Check("reply ok", false, "bad");
  }
};

TEST(TimeSeriesTest, PointsKeepEachNameAndScenario) {
  TwoNames run;
  TimeSeries ts;
  run.OneSecond();
  ts.Sample(1, run.shard, &run.tags);
  run.OneSecond();
  run.shard.Error("closed 1011", "server error", run.join);
  ts.Sample(2, run.shard, &run.tags);
  ASSERT_EQ(ts.points().size(), 2u);
  const TimePoint& p = ts.points()[1];
  EXPECT_EQ(p.counters.at("ws_msgs_sent"), 12);
  EXPECT_EQ(p.trends.at("ws_reply_time").count, 12u);
  ASSERT_EQ(p.tagged.size(), 3u);  // name=join, name=say, scenario=chat
  EXPECT_EQ(p.tagged.at("name=say").counters.at("ws_msgs_sent"), 10);
  EXPECT_EQ(p.tagged.at("name=say").trends.at("ws_reply_time").count, 10u);
  EXPECT_NEAR(p.tagged.at("name=say").trends.at("ws_reply_time").p95, 1000, 5);
  EXPECT_NEAR(p.tagged.at("name=join").trends.at("ws_reply_time").p50, 5000, 25);
  EXPECT_EQ(p.tagged.at("scenario=chat").counters.at("ws_msgs_sent"), 12);
  EXPECT_EQ(p.tagged.at("scenario=chat").counters.at("ws_errors"), 2);
  // Errors and checks are the interval's, not the totals.
  EXPECT_EQ(p.errors.at("timeout"), 1u);
  EXPECT_EQ(p.errors.at("closed 1011"), 1u);
  EXPECT_EQ(ts.points()[0].errors.count("closed 1011"), 0u);
  EXPECT_EQ(p.checks.at("reply ok").passes, 1u);
  EXPECT_EQ(p.checks.at("reply ok").fails, 1u);
}

TEST(TimeSeriesTest, WithoutTagsThereAreNoShares) {
  TwoNames run;
  TimeSeries ts;
  run.OneSecond();
  ts.Sample(1, run.shard);
  EXPECT_TRUE(ts.points()[0].tagged.empty());
  EXPECT_EQ(ts.points()[0].errors.at("timeout"), 1u);
}

TEST(TimeSeriesTest, SliverIsFoldedIntoThePreviousPoint) {
  TwoNames run;
  TimeSeries ts;
  run.OneSecond();
  ts.Sample(1, run.shard, &run.tags);
  run.OneSecond();
  ts.Sample(2, run.shard, &run.tags);
  run.OneSecond();
  ts.Sample(2.1, run.shard, &run.tags);
  ASSERT_EQ(ts.points().size(), 2u);
  const TimePoint& p = ts.points()[1];
  EXPECT_DOUBLE_EQ(p.interval_s, 1.1);
  EXPECT_EQ(p.tagged.at("name=say").counters.at("ws_msgs_sent"), 20);
  EXPECT_EQ(p.errors.at("timeout"), 2u);
  EXPECT_EQ(p.checks.at("reply ok").fails, 2u);
}

// A three-hour run keeps at most kMaxPoints: older points are joined, nothing is lost.
TEST(TimeSeriesTest, ALongRunKeepsAtMostMaxPointsAndEveryCount) {
  TwoNames run;
  TimeSeries ts;
  constexpr int kSeconds = 3 * 3600;
  for (int s = 1; s <= kSeconds; ++s) {
    run.OneSecond();
    run.shard.Move(MetricId::kVus, 1);
    ts.Sample(s, run.shard, &run.tags);
  }
  run.OneSecond();
  ts.Sample(kSeconds + 0.2, run.shard, &run.tags);  // a final sliver replaces the newest point
  const std::vector<TimePoint>& points = ts.points();
  ASSERT_LE(points.size(), TimeSeries::kMaxPoints);
  ASSERT_GE(points.size(), TimeSeries::kMaxPoints / 2);
  double sent = 0, say_sent = 0, interval = 0, previous_end = 0;
  uint64_t timeouts = 0, fails = 0, replies = 0;
  for (const TimePoint& p : points) {
    sent += p.counters.at("ws_msgs_sent");
    say_sent += p.tagged.at("name=say").counters.at("ws_msgs_sent");
    timeouts += p.errors.at("timeout");
    fails += p.checks.at("reply ok").fails;
    replies += p.trends.at("ws_reply_time").count;
    // The points tile the run: each starts where the one before ended.
    EXPECT_DOUBLE_EQ(p.elapsed_s - p.interval_s, previous_end);
    previous_end = p.elapsed_s;
    interval += p.interval_s;
    EXPECT_EQ(p.gauges.at("vus"), std::ceil(p.elapsed_s - 0.5)) << "the gauge at the point's end";
    EXPECT_NEAR(p.trends.at("ws_reply_time").p99, 5000, 25);  // the larger of those joined
  }
  constexpr int kCounted = kSeconds + 1;
  EXPECT_EQ(sent, 12.0 * kCounted);
  EXPECT_EQ(say_sent, 10.0 * kCounted);
  EXPECT_EQ(timeouts, static_cast<uint64_t>(kCounted));
  EXPECT_EQ(fails, static_cast<uint64_t>(kCounted));
  EXPECT_EQ(replies, 12u * kCounted);
  EXPECT_DOUBLE_EQ(interval, kSeconds + 0.2);
  EXPECT_DOUBLE_EQ(points.back().elapsed_s, kSeconds + 0.2);
  EXPECT_NEAR(points.back().interval_s, 1.2, 1e-9) << "the newest second is kept whole";
  EXPECT_GT(points.front().interval_s, 1) << "the oldest points were joined";
}

TEST(TimeSeriesTest, JsonKeepsTheNewFieldsAndReadsOldFiles) {
  TwoNames run;
  TimeSeries ts;
  run.OneSecond();
  ts.Sample(1, run.shard, &run.tags);
  std::string error;
  TimeSeries back;
  ASSERT_TRUE(FromJson(nlohmann::json::parse(ToJson(ts).dump()), &back, &error)) << error;
  const TimePoint& p = back.points().at(0);
  EXPECT_EQ(p.tagged.at("name=join").counters.at("ws_msgs_sent"), 2);
  EXPECT_EQ(p.tagged.at("name=join").trends.at("ws_reply_time").count, 2u);
  EXPECT_EQ(p.errors.at("timeout"), 1u);
  EXPECT_EQ(p.checks.at("reply ok").passes, 1u);
  // A timeline written before these fields existed.
  TimeSeries old;
  ASSERT_TRUE(FromJson(nlohmann::json::parse(R"([{"elapsed_s":1,"interval_s":1,
      "counters":{"ws_msgs_sent":3},"gauges":{"vus":1},
      "trends":{"ws_reply_time":{"count":3,"p50":10,"p95":20,"p99":30}}}])"),
                       &old, &error))
      << error;
  EXPECT_EQ(old.points().at(0).counters.at("ws_msgs_sent"), 3);
  EXPECT_TRUE(old.points().at(0).tagged.empty());
  EXPECT_TRUE(old.points().at(0).errors.empty());
  EXPECT_FALSE(FromJson(nlohmann::json::parse(R"([{"elapsed_s":1,"checks":{"c":{"passes":1}}}])"),
                        &old, &error));
}

TEST(TimeSeriesTest, MergeSumsSharesErrorsAndChecks) {
  TwoNames a, b;
  TimeSeries ta, tb;
  a.OneSecond();
  ta.Sample(1, a.shard, &a.tags);
  b.OneSecond();
  b.shard.Error("closed 1011", "server error", b.join);
  tb.Sample(1, b.shard, &b.tags);
  ta.Merge(tb);
  ASSERT_EQ(ta.points().size(), 1u);
  const TimePoint& p = ta.points()[0];
  EXPECT_EQ(p.tagged.at("name=say").counters.at("ws_msgs_sent"), 20);
  EXPECT_EQ(p.tagged.at("name=join").trends.at("ws_reply_time").count, 4u);
  EXPECT_EQ(p.errors.at("timeout"), 2u);
  EXPECT_EQ(p.errors.at("closed 1011"), 1u);
  EXPECT_EQ(p.checks.at("reply ok").passes, 2u);
  EXPECT_EQ(p.checks.at("reply ok").fails, 2u);
}

// A one-hour soak with 4 names in 2 scenarios: the timeline must stay small in memory and on
// disk (measured: see the printed sizes; the bounds leave about 2x headroom).
TEST(TimeSeriesTest, OneHourSoakStaysSmall) {
  TagRegistry tags;
  std::vector<uint32_t> sets;
  for (const char* scenario : {"chatters", "lurkers"})
    for (const char* name : {"join", "say", "typing", "leave"})
      sets.push_back(tags.Intern({{"name", name}, {"scenario", scenario}}));
  Shard shard;
  size_t heap_before = mallinfo2().uordblks;
  auto started = std::chrono::steady_clock::now();
  TimeSeries ts;
  for (int s = 1; s <= 3600; ++s) {
    for (uint32_t set : sets) {
      shard.Record(MetricId::kWsReplyTime, microseconds(100 + s % 900), set);
      shard.Add(MetricId::kWsMsgsSent, 5, set);
      shard.Add(MetricId::kWsMsgsReceived, 5, set);
    }
    shard.Error(s % 2 ? "timeout" : "closed 1011", "x", sets[0]);
    shard.Check("reply ok", s % 3 != 0);
    ts.Sample(s, shard, &tags);
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  size_t heap = mallinfo2().uordblks - heap_before;
  size_t json = ToJson(ts).dump().size();
  std::printf("one-hour timeline, 8 tag sets: %.1f MB in memory, %.1f MB of JSON, %.2f s\n",
              static_cast<double>(heap) / 1e6, static_cast<double>(json) / 1e6, seconds);
  EXPECT_EQ(ts.points().size(), 3600u);
  EXPECT_EQ(ts.points().back().tagged.size(), 6u);  // 4 names + 2 scenarios
  EXPECT_LT(heap, 64'000'000u);
  EXPECT_LT(json, 32'000'000u);
}

}  // namespace
}  // namespace wsyaml::metrics
