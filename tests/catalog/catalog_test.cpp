// The metric catalog: names, types, units and the aggregate rule.
#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "graph/graph.h"

namespace wsyaml::catalog {
namespace {

constexpr size_t kMetrics = static_cast<size_t>(MetricId::kCount);

TEST(CatalogTest, EveryMetricHasAUniqueNameThatFindMetricRoundTrips) {
  std::set<std::string> names;
  for (size_t i = 0; i < kMetrics; ++i) {
    const MetricId id = static_cast<MetricId>(i);
    const std::string name = Info(id).name;
    EXPECT_FALSE(name.empty()) << i;
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    MetricId found = MetricId::kCount;
    ASSERT_TRUE(FindMetric(name, &found)) << name;
    EXPECT_EQ(found, id) << name;
  }
  MetricId id;
  EXPECT_FALSE(FindMetric("ws_conecting", &id));
  EXPECT_FALSE(FindMetric("", &id));
}

TEST(CatalogTest, TypesAndUnitsAgree) {
  for (size_t i = 0; i < kMetrics; ++i) {
    const MetricInfo& info = Info(static_cast<MetricId>(i));
    // Times are trends in µs, and every trend is a time.
    EXPECT_EQ(info.type == MetricType::kTrend, info.unit == Unit::kMicros) << info.name;
  }
  EXPECT_EQ(Info(MetricId::kWsConnecting).type, MetricType::kTrend);
  EXPECT_EQ(Info(MetricId::kWsMsgsSent).type, MetricType::kCounter);
  EXPECT_EQ(Info(MetricId::kChecks).type, MetricType::kRate);
  EXPECT_EQ(Info(MetricId::kVus).type, MetricType::kGauge);
  EXPECT_EQ(Info(MetricId::kDataSent).unit, Unit::kBytes);
}

TEST(CatalogTest, TheAggregateRule) {
  using A = Aggregate;
  using T = MetricType;
  struct Case {
    T type;
    A aggregate;
    bool applies;
  };
  const Case cases[] = {
      {T::kTrend, A::kPercentile, true}, {T::kTrend, A::kMed, true},
      {T::kTrend, A::kAvg, true},        {T::kTrend, A::kCount, true},
      {T::kTrend, A::kRate, false},      {T::kCounter, A::kPercentile, false},
      {T::kCounter, A::kMed, false},     {T::kCounter, A::kAvg, false},
      {T::kCounter, A::kCount, true},    {T::kCounter, A::kRate, true},
      {T::kRate, A::kRate, true},        {T::kRate, A::kCount, true},
      {T::kRate, A::kAvg, false},        {T::kGauge, A::kMin, true},
      {T::kGauge, A::kMax, true},        {T::kGauge, A::kAvg, true},
      {T::kGauge, A::kCount, false},     {T::kGauge, A::kPercentile, false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(Applies(c.type, c.aggregate), c.applies)
        << TypeName(c.type) << " " << AggregateName(c.aggregate);
  EXPECT_EQ(AggregatesOf(T::kTrend), "p(N), avg, min, max, med, count");
  EXPECT_EQ(AggregatesOf(T::kCounter), "count, rate");
  EXPECT_EQ(AggregatesOf(T::kGauge), "avg, min, max");
}

TEST(CatalogTest, CheckAggregateNamesWhatIsWrong) {
  std::string error;
  EXPECT_TRUE(CheckAggregate("ws_connecting", Aggregate::kPercentile, 95, &error));
  EXPECT_TRUE(CheckAggregate("ws_msgs_sent", Aggregate::kRate, 0, &error));
  EXPECT_FALSE(CheckAggregate("ws_msgs_sent", Aggregate::kPercentile, 95, &error));
  EXPECT_EQ(error, "p(N) does not apply to counter metric 'ws_msgs_sent'");
  EXPECT_FALSE(CheckAggregate("nope", Aggregate::kAvg, 0, &error));
  EXPECT_EQ(error, "unknown metric 'nope'");
  EXPECT_FALSE(CheckAggregate("ws_connecting", Aggregate::kPercentile, 101, &error));
  EXPECT_EQ(error, "percentile must be between 0 and 100");
  EXPECT_EQ(AggregateHint("ws_errors", MetricType::kCounter, Aggregate::kPercentile),
            "p(N) needs a time metric; ws_errors is a counter: use count, rate");
  EXPECT_EQ(AggregateHint("checks", MetricType::kRate, Aggregate::kAvg),
            "checks is a rate: use count, rate");
}

TEST(CatalogTest, AggregateNamesRoundTrip) {
  for (int i = 1; i <= static_cast<int>(Aggregate::kRate); ++i) {
    const Aggregate a = static_cast<Aggregate>(i);
    Aggregate found = Aggregate::kPercentile;
    ASSERT_TRUE(FindAggregate(AggregateName(a), &found)) << AggregateName(a);
    EXPECT_EQ(found, a);
  }
  Aggregate found;
  EXPECT_FALSE(FindAggregate("p(N)", &found));  // written with its number: p(95)
  EXPECT_FALSE(FindAggregate("value", &found));
  EXPECT_EQ(AggregateLabel(Aggregate::kPercentile, 99.9), "p(99.9)");
  EXPECT_EQ(AggregateLabel(Aggregate::kMed, 0), "med");
}

TEST(CatalogTest, MirrorsTheGraphsAggregates) {
  using G = graph::Threshold::Aggregate;
  static_assert(SameAggregates<G>());
  EXPECT_EQ(ToAggregate(G::kMed), Aggregate::kMed);
  EXPECT_EQ(FromAggregate<G>(Aggregate::kRate), G::kRate);
}

}  // namespace
}  // namespace wsyaml::catalog
