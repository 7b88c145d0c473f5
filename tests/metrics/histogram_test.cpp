#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace wsyaml::metrics {
namespace {

// k6's percentile over exact samples: interpolation between ranks floor/ceil of p*(n-1).
double ExactPercentile(std::vector<uint64_t> values, double p) {
  std::sort(values.begin(), values.end());
  double rank = p / 100 * static_cast<double>(values.size() - 1);
  double lo = static_cast<double>(values[static_cast<size_t>(std::floor(rank))]);
  double hi = static_cast<double>(values[static_cast<size_t>(std::ceil(rank))]);
  return lo + (hi - lo) * (rank - std::floor(rank));
}

// Log-uniform samples from 1 µs to 1 h, the range the error bound is promised for.
std::vector<uint64_t> RandomLatencies(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<double> exponent(std::log(1e3), std::log(3.6e12));
  std::vector<uint64_t> out(n);
  for (auto& v : out) v = static_cast<uint64_t>(std::exp(exponent(rng)));
  return out;
}

TEST(HistogramTest, EmptyIsZeroAndAllocatesNothing) {
  Histogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Mean(), 0);
  EXPECT_EQ(h.Percentile(95), 0);
  EXPECT_TRUE(h.Buckets().empty());
}

TEST(HistogramTest, BucketsAreContiguousAndNarrow) {
  for (uint32_t i = 0; i + 1 < Histogram::kBucketCount; ++i) {
    ASSERT_EQ(Histogram::LowOf(i) + Histogram::WidthOf(i), Histogram::LowOf(i + 1)) << i;
    ASSERT_EQ(Histogram::IndexOf(Histogram::LowOf(i)), i);
    ASSERT_EQ(Histogram::IndexOf(Histogram::LowOf(i + 1) - 1), i);
    // Width relative to the lower bound: at most 1/128 (< 1%).
    if (Histogram::WidthOf(i) > 1) {
      ASSERT_LE(Histogram::WidthOf(i) * 128, Histogram::LowOf(i)) << i;
    }
  }
  EXPECT_EQ(Histogram::IndexOf(Histogram::kMaxValue), Histogram::kBucketCount - 1);
  EXPECT_EQ(Histogram::IndexOf(UINT64_MAX), Histogram::kBucketCount - 1);
}

TEST(HistogramTest, SingleSampleIsExact) {
  Histogram h;
  h.Record(1234567);
  EXPECT_EQ(h.Count(), 1u);
  EXPECT_EQ(h.Min(), 1234567u);
  EXPECT_EQ(h.Max(), 1234567u);
  EXPECT_DOUBLE_EQ(h.Percentile(50), 1234567);
  EXPECT_DOUBLE_EQ(h.Mean(), 1234567);
}

TEST(HistogramTest, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; ++round) {
    size_t n = 1 + rng() % 5000;
    std::vector<uint64_t> values = RandomLatencies(rng, n);
    Histogram h;
    for (uint64_t v : values) h.Record(v);
    ASSERT_EQ(h.Count(), n);
    EXPECT_EQ(h.Min(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(h.Max(), *std::max_element(values.begin(), values.end()));
    for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
      double exact = ExactPercentile(values, p);
      double got = h.Percentile(p);
      ASSERT_LE(std::fabs(got - exact), exact * 0.01)
          << "round " << round << " n " << n << " p " << p << " exact " << exact;
    }
  }
}

TEST(HistogramTest, NarrowClusterWithinOnePercent) {
  // Many values inside few buckets: the midpoint, not the bucket edge, must be reported.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<uint64_t> dist(5'000'000, 5'100'000);
  std::vector<uint64_t> values(3000);
  Histogram h;
  for (auto& v : values) h.Record(v = dist(rng));
  for (double p : {5.0, 50.0, 95.0, 99.0}) {
    double exact = ExactPercentile(values, p);
    EXPECT_LE(std::fabs(h.Percentile(p) - exact), exact * 0.01) << p;
  }
}

TEST(HistogramTest, MergeOfShardsEqualsHistogramOfAll) {
  std::mt19937_64 rng(1);
  std::vector<uint64_t> values = RandomLatencies(rng, 10000);
  Histogram all;
  std::vector<Histogram> shards(7);
  for (size_t i = 0; i < values.size(); ++i) {
    all.Record(values[i]);
    shards[rng() % shards.size()].Record(values[i]);
  }
  Histogram merged;
  for (const auto& s : shards) merged.Merge(s);
  EXPECT_EQ(merged.Count(), all.Count());
  EXPECT_EQ(merged.Min(), all.Min());
  EXPECT_EQ(merged.Max(), all.Max());
  EXPECT_NEAR(merged.Sum(), all.Sum(), all.Sum() * 1e-12);
  auto a = merged.Buckets(), b = all.Buckets();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].low, b[i].low);
    EXPECT_EQ(a[i].count, b[i].count);
  }
  for (double p : {50.0, 90.0, 99.0}) EXPECT_DOUBLE_EQ(merged.Percentile(p), all.Percentile(p));
}

TEST(HistogramTest, MergeIntoAndFromEmpty) {
  Histogram a, empty;
  a.Record(5000);
  a.Merge(empty);
  EXPECT_EQ(a.Count(), 1u);
  empty.Merge(a);
  EXPECT_EQ(empty.Count(), 1u);
  EXPECT_EQ(empty.Min(), 5000u);
}

TEST(HistogramTest, RebuildsFromBuckets) {
  std::mt19937_64 rng(3);
  Histogram h;
  for (uint64_t v : RandomLatencies(rng, 500)) h.Record(v);
  Histogram back;
  ASSERT_TRUE(Histogram::FromBuckets(h.Buckets(), h.Min(), h.Max(), h.Sum(), &back));
  EXPECT_EQ(back.Count(), h.Count());
  EXPECT_EQ(back.Min(), h.Min());
  EXPECT_EQ(back.Max(), h.Max());
  for (double p : {50.0, 95.0}) EXPECT_DOUBLE_EQ(back.Percentile(p), h.Percentile(p));
  // A bound that is not a bucket's lower bound is rejected.
  EXPECT_FALSE(Histogram::FromBuckets({{257, 1}}, 257, 257, 257, &back));
  EXPECT_EQ(back.Count(), 0u);
}

TEST(HistogramTest, HugeValuesClampToLastBucketButKeepMax) {
  Histogram h;
  h.Record(UINT64_MAX / 2);
  EXPECT_EQ(h.Max(), UINT64_MAX / 2);
  EXPECT_EQ(h.Buckets().back().low, Histogram::LowOf(Histogram::kBucketCount - 1));
}

}  // namespace
}  // namespace wsyaml::metrics
