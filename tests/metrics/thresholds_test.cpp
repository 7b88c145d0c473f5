#include "metrics/thresholds.h"

#include <gtest/gtest.h>

#include <string>

namespace wsyaml::metrics {
namespace {

using Agg = graph::Threshold::Aggregate;
using Op = graph::Threshold::Op;
using std::chrono::microseconds;

graph::Threshold Make(const std::string& metric, graph::Tags filter, Agg agg, double pct, Op op,
                      double value) {
  graph::Threshold t;
  t.metric = metric;
  t.filter = std::move(filter);
  t.aggregate = agg;
  t.percentile = pct;
  t.op = op;
  t.value = value;
  t.source = "test";
  return t;
}

class ThresholdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uint32_t echo = tags_.Intern({{"name", "echo"}, {"scenario", "a"}});
    uint32_t chat = tags_.Intern({{"name", "chat"}, {"scenario", "a"}});
    // ws_reply_time: echo 1..100 ms, chat 1 s once.
    for (int i = 1; i <= 100; ++i)
      shard_.Record(MetricId::kWsReplyTime, microseconds(i * 1000), echo);
    shard_.Record(MetricId::kWsReplyTime, microseconds(1'000'000), chat);
    shard_.Add(MetricId::kWsMsgsSent, 300, echo);
    shard_.Add(MetricId::kWsMsgsSent, 300, chat);
    shard_.Check("a", true);
    shard_.Check("a", true);
    shard_.Check("a", true);
    shard_.Check("b", false);
    shard_.Move(MetricId::kVus, 7);
    shard_.Move(MetricId::kVus, -2);
  }
  Shard shard_;
  TagRegistry tags_;
};

struct Case {
  graph::Threshold threshold;
  bool passed;
  double observed;
};

TEST_F(ThresholdsTest, Table) {
  const Case cases[] = {
      {Make("ws_reply_time", {{"name", "echo"}}, Agg::kPercentile, 95, Op::kLt, 100'000), true,
       95'050},
      {Make("ws_reply_time", {{"name", "echo"}}, Agg::kMax, 0, Op::kLe, 100'000), true, 100'000},
      {Make("ws_reply_time", {}, Agg::kMax, 0, Op::kLt, 500'000), false, 1'000'000},
      {Make("ws_reply_time", {{"name", "chat"}}, Agg::kMin, 0, Op::kEq, 1'000'000), true,
       1'000'000},
      {Make("ws_reply_time", {{"scenario", "a"}}, Agg::kCount, 0, Op::kEq, 101), true, 101},
      {Make("ws_reply_time", {{"name", "echo"}}, Agg::kAvg, 0, Op::kGt, 50'000), true, 50'500},
      {Make("ws_reply_time", {{"name", "echo"}}, Agg::kMed, 0, Op::kGe, 51'000), false, 50'500},
      {Make("ws_reply_time", {{"name", "nope"}}, Agg::kCount, 0, Op::kEq, 0), true, 0},
      {Make("ws_msgs_sent", {}, Agg::kCount, 0, Op::kEq, 600), true, 600},
      {Make("ws_msgs_sent", {{"name", "chat"}}, Agg::kRate, 0, Op::kEq, 2.5), true, 2.5},
      {Make("ws_msgs_sent", {}, Agg::kCount, 0, Op::kNe, 600), false, 600},
      {Make("checks", {}, Agg::kRate, 0, Op::kGt, 0.99), false, 0.75},
      {Make("checks", {}, Agg::kRate, 0, Op::kGe, 0.75), true, 0.75},
      {Make("checks", {{"check", "a"}}, Agg::kRate, 0, Op::kEq, 1), true, 1},
      {Make("checks", {{"check", "b"}}, Agg::kRate, 0, Op::kGt, 0.5), false, 0},
      {Make("checks", {{"check", "b"}}, Agg::kCount, 0, Op::kEq, 1), true, 1},
      {Make("ws_errors", {}, Agg::kCount, 0, Op::kEq, 0), true, 0},
      {Make("vus", {}, Agg::kMax, 0, Op::kLe, 7), true, 7},
      {Make("vus", {}, Agg::kAvg, 0, Op::kEq, 5), true, 5},
  };
  for (const auto& c : cases) {
    ThresholdResult r = EvaluateThreshold(c.threshold, shard_, tags_, 120);
    SCOPED_TRACE(ThresholdTarget(c.threshold.metric, c.threshold.filter) + " " +
                 AggregateLabel(c.threshold.aggregate, c.threshold.percentile));
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.passed, c.passed);
    EXPECT_NEAR(r.observed, c.observed, c.observed * 0.01 + 1e-9);
  }
}

TEST_F(ThresholdsTest, InvalidExpressions) {
  struct Bad {
    graph::Threshold threshold;
    std::string error;
  };
  const Bad bad[] = {
      {Make("ws_conecting", {}, Agg::kAvg, 0, Op::kLt, 1), "unknown metric 'ws_conecting'"},
      {Make("ws_msgs_sent", {}, Agg::kPercentile, 95, Op::kLt, 1),
       "p(N) does not apply to counter metric 'ws_msgs_sent'"},
      {Make("ws_connecting", {}, Agg::kRate, 0, Op::kLt, 1),
       "rate does not apply to trend metric 'ws_connecting'"},
      {Make("checks", {}, Agg::kAvg, 0, Op::kLt, 1), "avg does not apply to rate metric 'checks'"},
      {Make("ws_connecting", {}, Agg::kPercentile, 101, Op::kLt, 1),
       "percentile must be between 0 and 100"},
  };
  for (const auto& b : bad) {
    std::string error;
    EXPECT_FALSE(ValidateThreshold(b.threshold, &error));
    EXPECT_EQ(error, b.error);
    ThresholdResult r = EvaluateThreshold(b.threshold, shard_, tags_, 1);
    EXPECT_FALSE(r.passed);
    EXPECT_EQ(r.error, b.error);
  }
}

// A trend, rate or gauge without samples has no value: its threshold fails with that reason,
// unless it says allow-no-samples. A counter without samples is 0, and count is 0 for any
// metric, so `ws_errors: count == 0` still passes when nothing went wrong.
TEST_F(ThresholdsTest, NoSamplesFailsUnlessAllowedOrACount) {
  struct NoSamples {
    graph::Threshold threshold;
    bool passed;
  };
  graph::Threshold allowed = Make("ws_connecting", {}, Agg::kPercentile, 95, Op::kLt, 500'000);
  allowed.allow_no_samples = true;
  const NoSamples cases[] = {
      {Make("ws_connecting", {}, Agg::kPercentile, 95, Op::kLt, 500'000), false},
      {Make("ws_reply_time", {{"name", "nope"}}, Agg::kMax, 0, Op::kLt, 1e9), false},
      {Make("checks", {{"check", "never"}}, Agg::kRate, 0, Op::kGe, 0), false},
      {Make("ws_open", {}, Agg::kMax, 0, Op::kGe, 0), false},
      {allowed, true},
      {Make("ws_connecting", {}, Agg::kCount, 0, Op::kEq, 0), true},
      {Make("ws_errors", {}, Agg::kCount, 0, Op::kEq, 0), true},
      {Make("ws_errors", {{"kind", "timeout"}}, Agg::kRate, 0, Op::kLt, 1), true},
      {Make("checks", {{"check", "never"}}, Agg::kCount, 0, Op::kEq, 0), true},
  };
  for (const auto& c : cases) {
    ThresholdResult r = EvaluateThreshold(c.threshold, shard_, tags_, 10);
    SCOPED_TRACE(ThresholdTarget(c.threshold) + " " + AggregateLabel(c.threshold.aggregate, 95));
    EXPECT_FALSE(r.has_data);
    EXPECT_EQ(r.passed, c.passed);
    EXPECT_EQ(r.no_samples, !c.passed);
    EXPECT_EQ(r.error, c.passed ? "" : kNoSamplesError);
  }
  EXPECT_FALSE(NeedsSamples("ws_errors", Agg::kRate));
  EXPECT_TRUE(NeedsSamples("vus", Agg::kMax));
}

TEST_F(ThresholdsTest, AllPassedAndTargets) {
  auto results = EvaluateThresholds({Make("ws_errors", {}, Agg::kCount, 0, Op::kEq, 0),
                                     Make("checks", {}, Agg::kRate, 0, Op::kGt, 0.5)},
                                    shard_, tags_, 1);
  EXPECT_TRUE(AllPassed(results));
  results.push_back(
      EvaluateThreshold(Make("checks", {}, Agg::kRate, 0, Op::kEq, 1), shard_, tags_, 1));
  EXPECT_FALSE(AllPassed(results));
  EXPECT_EQ(ThresholdTarget("ws_reply_time", {{"name", "echo"}, {"k", "v"}}),
            "ws_reply_time{name:echo,k:v}");
  EXPECT_EQ(AggregateLabel(Agg::kPercentile, 99.9), "p(99.9)");
}

}  // namespace
}  // namespace wsyaml::metrics
