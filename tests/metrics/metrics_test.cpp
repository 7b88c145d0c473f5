#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace wsyaml::metrics {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(MetricsTest, EveryMetricHasAUniqueNameThatFindsItself) {
  std::set<std::string> names;
  for (int i = 0; i < static_cast<int>(MetricId::kCount); ++i) {
    auto id = static_cast<MetricId>(i);
    MetricId found;
    ASSERT_TRUE(FindMetric(Info(id).name, &found)) << Info(id).name;
    EXPECT_EQ(found, id);
    EXPECT_TRUE(names.insert(Info(id).name).second);
  }
  MetricId ignored;
  EXPECT_FALSE(FindMetric("ws_conecting", &ignored));
  MetricId id;
  ASSERT_TRUE(FindMetric("ws_close_codes", &id));
  EXPECT_EQ(id, MetricId::kWsCloseCodes);
  EXPECT_EQ(Info(MetricId::kDataSent).unit, Unit::kBytes);
  EXPECT_EQ(Info(MetricId::kWsReplyTime).type, MetricType::kTrend);
  EXPECT_EQ(Info(MetricId::kChecks).type, MetricType::kRate);
  EXPECT_EQ(Info(MetricId::kVus).type, MetricType::kGauge);
}

TEST(TagRegistryTest, InternsCanonicalSets) {
  TagRegistry r;
  EXPECT_EQ(r.Intern({}), 0u);
  uint32_t a = r.Intern({{"scenario", "default"}, {"name", "echo"}});
  uint32_t b = r.Intern({{"name", "echo"}, {"scenario", "default"}});
  uint32_t c = r.Intern({{"name", "other"}});
  EXPECT_NE(a, 0u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto tags = r.Tags(a);
  ASSERT_EQ(tags.size(), 2u);
  EXPECT_EQ(tags[0].first, "name");
  EXPECT_EQ(tags[1].first, "scenario");
  EXPECT_TRUE(r.Tags(0).empty());
  EXPECT_TRUE(r.Tags(999).empty());
}

TEST(ShardTest, CountersTrendsGauges) {
  Shard s;
  s.Add(MetricId::kWsMsgsSent);
  s.Add(MetricId::kWsMsgsSent);
  s.Add(MetricId::kDataSent, 100);
  s.Add(MetricId::kDataSent, 50, 3);
  s.Record(MetricId::kWsConnecting, milliseconds(2));
  s.Record(MetricId::kWsConnecting, milliseconds(4));
  s.Move(MetricId::kWsOpen, 1);
  s.Move(MetricId::kWsOpen, 1);
  s.Move(MetricId::kWsOpen, -1);

  const auto& series = s.series();
  EXPECT_EQ(series.at({MetricId::kWsMsgsSent, 0}).sum, 2);
  EXPECT_EQ(series.at({MetricId::kDataSent, 0}).sum, 100);
  EXPECT_EQ(series.at({MetricId::kDataSent, 3}).sum, 50);
  const Series& conn = series.at({MetricId::kWsConnecting, 0});
  EXPECT_EQ(conn.count, 2u);
  EXPECT_DOUBLE_EQ(conn.sum, 6000);  // µs
  EXPECT_EQ(conn.histogram.Count(), 2u);
  EXPECT_EQ(conn.histogram.Max(), 4000000u);
  const Series& open = series.at({MetricId::kWsOpen, 0});
  EXPECT_EQ(open.gauge, 1);
  EXPECT_EQ(open.gauge_max, 2);
}

TEST(ShardTest, ChecksAndErrors) {
  Shard s;
  s.Check("welcome", true);
  s.Check("welcome", false, "got ERROR");
  s.Check("welcome", false, "got nothing");
  s.Error("timeout", "no reply within 1s");
  s.Error("timeout", "no reply within 2s");
  s.Error("handshake 404", "GET /x: 404");
  const CheckCounts& c = s.checks().at("welcome");
  EXPECT_EQ(c.passes, 1u);
  EXPECT_EQ(c.fails, 2u);
  EXPECT_EQ(c.last_failure, "got nothing");
  const Series& rate = s.series().at({MetricId::kChecks, 0});
  EXPECT_EQ(rate.count, 3u);
  EXPECT_EQ(rate.sum, 1);
  EXPECT_EQ(s.errors().at("timeout").count, 2u);
  EXPECT_EQ(s.errors().at("timeout").example, "no reply within 1s");
  EXPECT_EQ(s.series().at({MetricId::kWsErrors, 0}).sum, 3);
}

TEST(ShardTest, MergeSumsEverything) {
  Shard a, b;
  a.Add(MetricId::kIterations, 3);
  b.Add(MetricId::kIterations, 4);
  b.Add(MetricId::kWsSessions, 1, 2);
  a.Record(MetricId::kWsReplyTime, microseconds(10));
  b.Record(MetricId::kWsReplyTime, microseconds(30));
  a.Move(MetricId::kVusMax, 5);
  b.Move(MetricId::kVusMax, 5);
  a.Check("x", true);
  b.Check("x", false, "bad");
  a.Error("refused", "connection refused");
  b.Error("refused", "other");
  b.Error("tls", "bad cert");
  a.Merge(b);
  EXPECT_EQ(a.series().at({MetricId::kIterations, 0}).sum, 7);
  EXPECT_EQ(a.series().at({MetricId::kWsSessions, 2}).sum, 1);
  const Series& reply = a.series().at({MetricId::kWsReplyTime, 0});
  EXPECT_EQ(reply.histogram.Count(), 2u);
  EXPECT_EQ(reply.histogram.Min(), 10000u);
  EXPECT_EQ(reply.histogram.Max(), 30000u);
  EXPECT_DOUBLE_EQ(reply.sum, 40);
  EXPECT_EQ(a.series().at({MetricId::kVusMax, 0}).gauge, 10);
  EXPECT_EQ(a.checks().at("x").passes, 1u);
  EXPECT_EQ(a.checks().at("x").fails, 1u);
  EXPECT_EQ(a.checks().at("x").last_failure, "bad");
  EXPECT_EQ(a.errors().at("refused").count, 2u);
  EXPECT_EQ(a.errors().at("refused").example, "connection refused");
  EXPECT_EQ(a.errors().at("tls").count, 1u);
  EXPECT_EQ(a.series().at({MetricId::kChecks, 0}).count, 2u);
}

}  // namespace
}  // namespace wsyaml::metrics
