#include "metrics/histogram.h"

#include <algorithm>
#include <cmath>

namespace wsyaml::metrics {
namespace {

constexpr uint64_t kSubBuckets = uint64_t{1} << Histogram::kSubBucketBits;
// Values below this have one bucket each.
constexpr uint64_t kLinearLimit = kSubBuckets << 1;

}  // namespace

uint32_t Histogram::IndexOf(uint64_t ns) {
  if (ns > kMaxValue) ns = kMaxValue;
  if (ns < kLinearLimit) return static_cast<uint32_t>(ns);
  int top_bit = 63 - __builtin_clzll(ns);
  int shift = top_bit - kSubBucketBits;
  uint64_t mantissa = ns >> shift;  // in [kSubBuckets, 2 * kSubBuckets)
  return static_cast<uint32_t>((static_cast<uint64_t>(shift) << kSubBucketBits) + mantissa);
}

uint64_t Histogram::LowOf(uint32_t index) {
  if (index < kLinearLimit) return index;
  int shift = static_cast<int>(index >> kSubBucketBits) - 1;
  uint64_t mantissa = (index & (kSubBuckets - 1)) + kSubBuckets;
  return mantissa << shift;
}

uint64_t Histogram::WidthOf(uint32_t index) {
  if (index < kLinearLimit) return 1;
  return uint64_t{1} << ((index >> kSubBucketBits) - 1);
}

void Histogram::RecordN(uint64_t ns, uint64_t n) {
  if (n == 0) return;
  if (counts_.empty()) counts_.assign(kBucketCount, 0);
  counts_[IndexOf(ns)] += n;
  count_ += n;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
  sum_ += static_cast<double>(ns) * static_cast<double>(n);
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (counts_.empty()) counts_.assign(kBucketCount, 0);
  for (uint32_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

Histogram Histogram::Since(const Histogram& earlier) const {
  Histogram delta;
  if (count_ <= earlier.count_) return delta;
  delta.counts_ = counts_;
  if (!earlier.counts_.empty())
    for (uint32_t i = 0; i < kBucketCount; ++i) delta.counts_[i] -= earlier.counts_[i];
  delta.count_ = count_ - earlier.count_;
  delta.sum_ = sum_ - earlier.sum_;
  uint32_t first = 0, last = kBucketCount - 1;
  while (first < kBucketCount && delta.counts_[first] == 0) ++first;
  while (last > first && delta.counts_[last] == 0) --last;
  delta.min_ = std::max(min_, LowOf(first));
  delta.max_ = std::min(max_, LowOf(last) + WidthOf(last) - 1);
  return delta;
}

double Histogram::ValueAtRank(uint64_t rank) const {
  // The extremes are known exactly; use them rather than a bucket midpoint.
  if (rank == 0) return static_cast<double>(min_);
  if (rank + 1 >= count_) return static_cast<double>(max_);
  uint64_t seen = 0;
  for (uint32_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen > rank) {
      double mid = static_cast<double>(LowOf(i)) + static_cast<double>(WidthOf(i) - 1) / 2;
      return std::clamp(mid, static_cast<double>(min_), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  double rank = p / 100 * static_cast<double>(count_ - 1);
  double lower_rank = std::floor(rank);
  double low = ValueAtRank(static_cast<uint64_t>(lower_rank));
  double fraction = rank - lower_rank;
  if (fraction == 0) return low;
  double high = ValueAtRank(static_cast<uint64_t>(std::ceil(rank)));
  return low + (high - low) * fraction;
}

std::vector<Histogram::Bucket> Histogram::Buckets() const {
  std::vector<Bucket> out;
  for (uint32_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0) out.push_back({LowOf(i), counts_[i]});
  return out;
}

bool Histogram::FromBuckets(const std::vector<Bucket>& buckets, uint64_t min, uint64_t max,
                            double sum, Histogram* out) {
  Histogram h;
  for (const Bucket& b : buckets) {
    if (b.count == 0) continue;
    uint32_t index = IndexOf(b.low);
    if (LowOf(index) != b.low) {
      *out = Histogram();
      return false;
    }
    if (h.counts_.empty()) h.counts_.assign(kBucketCount, 0);
    h.counts_[index] += b.count;
    h.count_ += b.count;
  }
  if (h.count_ != 0) {
    h.min_ = min;
    h.max_ = max;
    h.sum_ = sum;
  }
  *out = std::move(h);
  return true;
}

}  // namespace wsyaml::metrics
