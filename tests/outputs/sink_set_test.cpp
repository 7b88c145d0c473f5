// SinkSet hands live sinks one interval per tick; the intervals add up to the whole run.
#include "outputs/sink_set.h"

#include <gtest/gtest.h>

#include <chrono>

namespace wsyaml::outputs {
namespace {

using metrics::MetricId;
using std::chrono::microseconds;

// Keeps what each snapshot said, added up.
class RecordingSink : public Sink {
 public:
  bool live() const override { return live_; }
  void OnSnapshot(const Snapshot& s) override {
    ++snapshots;
    last_elapsed_s = s.elapsed_s;
    last_interval_s = s.interval_s;
    last_unix_ms = s.unix_ms;
    final_seen = s.final;
    summed.Merge(*s.interval);
    for (const auto& [key, series] : s.interval->series())
      if (key.first == MetricId::kVus) vus_now = series.gauge;
    thresholds_passed = s.thresholds->empty() ? -1 : (*s.thresholds)[0].passed;
  }
  bool Finish(const Final& final, std::string*) override {
    finished_with = final.result;
    return true;
  }

  bool live_ = true;
  int snapshots = 0;
  double last_elapsed_s = 0, last_interval_s = 0, vus_now = 0;
  int64_t last_unix_ms = 0;
  bool final_seen = false;
  int thresholds_passed = -1;
  metrics::Shard summed;
  const metrics::Result* finished_with = nullptr;
};

TEST(SinkSetTest, IntervalsAddUpToTheRunAndGaugesAreCurrent) {
  auto owned = std::make_unique<RecordingSink>();
  RecordingSink* sink = owned.get();
  SinkSet sinks;
  sinks.Add(std::move(owned));
  graph::TestPlan plan;
  graph::Threshold threshold;
  threshold.metric = "ws_msgs_sent";
  threshold.source = "count < 5";
  threshold.aggregate = graph::Threshold::Aggregate::kCount;
  threshold.op = graph::Threshold::Op::kLt;
  threshold.value = 5;
  plan.thresholds.push_back(threshold);
  std::string error;
  ASSERT_TRUE(sinks.Open({&plan, "t.yaml", {}}, &error)) << error;

  metrics::Shard cumulative;
  metrics::TagRegistry tags;
  uint32_t echo = tags.Intern({{"name", "echo"}});
  cumulative.Add(MetricId::kWsMsgsSent, 1, echo);
  cumulative.Move(MetricId::kVus, 2);
  cumulative.Record(MetricId::kWsReplyTime, microseconds(300), echo);
  cumulative.Check("ok", true);
  sinks.OnTick(1.0, 1'000'000, cumulative, tags, false);
  EXPECT_EQ(sink->thresholds_passed, 1);
  cumulative.Add(MetricId::kWsMsgsSent, 1, echo);
  cumulative.Add(MetricId::kWsMsgsSent, 3, echo);
  cumulative.Move(MetricId::kVus, -1);
  cumulative.Record(MetricId::kWsReplyTime, microseconds(500), echo);
  cumulative.Check("ok", false, "late");
  cumulative.Error("timeout", "no reply");
  sinks.OnTick(2.0, 1'000'000, cumulative, tags, false);
  EXPECT_EQ(sink->vus_now, 1);
  EXPECT_EQ(sink->thresholds_passed, 0);                 // 5 sent: count < 5 fails now
  sinks.OnTick(2.4, 1'000'000, cumulative, tags, true);  // nothing new at the end

  EXPECT_EQ(sink->snapshots, 3);
  EXPECT_TRUE(sink->final_seen);
  EXPECT_DOUBLE_EQ(sink->last_elapsed_s, 2.4);
  EXPECT_NEAR(sink->last_interval_s, 0.4, 1e-9);
  EXPECT_EQ(sink->last_unix_ms, 1'002'400);
  const auto& sent = sink->summed.series().at({MetricId::kWsMsgsSent, echo});
  EXPECT_EQ(sent.count, 3u);
  EXPECT_EQ(sent.sum, 5);
  EXPECT_EQ(sink->summed.series().at({MetricId::kWsReplyTime, echo}).histogram.Count(), 2u);
  EXPECT_EQ(sink->summed.checks().at("ok").passes, 1u);
  EXPECT_EQ(sink->summed.checks().at("ok").fails, 1u);
  EXPECT_EQ(sink->summed.errors().at("timeout").count, 1u);

  metrics::Result result;
  ASSERT_TRUE(sinks.Finish({&result, nullptr, &sinks.info()}, &error));
  EXPECT_EQ(sink->finished_with, &result);
}

TEST(SinkSetTest, WithoutLiveSinksNoSnapshotIsMade) {
  auto owned = std::make_unique<RecordingSink>();
  owned->live_ = false;
  RecordingSink* sink = owned.get();
  SinkSet sinks;
  sinks.Add(std::move(owned));
  metrics::Shard cumulative;
  metrics::TagRegistry tags;
  sinks.OnTick(1.0, 0, cumulative, tags, false);
  EXPECT_EQ(sink->snapshots, 0);
  EXPECT_FALSE(sinks.live());
}

TEST(ShardSinceTest, LeavesOutSeriesWithoutNewSamples) {
  metrics::Shard before;
  before.Add(MetricId::kWsMsgsSent, 2);
  before.Error("timeout", "x");
  metrics::Shard now = before;
  now.Add(MetricId::kWsMsgsReceived, 1);
  metrics::Shard delta = now.Since(before);
  EXPECT_EQ(delta.series().size(), 1u);
  EXPECT_EQ(delta.series().count({MetricId::kWsMsgsReceived, 0}), 1u);
  EXPECT_TRUE(delta.errors().empty());
}

}  // namespace
}  // namespace wsyaml::outputs
