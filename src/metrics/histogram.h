// A latency histogram with bounded relative error: HdrHistogram-style log-linear buckets.
// Values are nanoseconds. Below 256 ns every value has its own bucket; above, each power of
// two is split into 128 equal buckets, so a bucket is at most 1/128 of its lower bound wide
// and a reported value (the bucket midpoint) is within 0.4% of any value in the bucket.
// Values above kMaxValue (about 2.4 h) land in the last bucket; Min and Max stay exact.
// Threading: not thread-safe; one writer (a worker thread's shard), merged on one thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace wsyaml::metrics {

/// A mergeable latency histogram over nanoseconds with fixed, lazily allocated memory.
class Histogram {
 public:
  /// Sub-buckets per power of two are 2^kSubBucketBits.
  static constexpr int kSubBucketBits = 7;
  /// Values up to 2^kMaxBits - 1 ns (about 2.4 h) have their own bucket.
  static constexpr int kMaxBits = 43;
  /// Highest value with its own bucket; larger values are counted in the last bucket.
  static constexpr uint64_t kMaxValue = (uint64_t{1} << kMaxBits) - 1;
  /// Number of buckets (4736); memory is 8 bytes each once the first sample arrives.
  static constexpr uint32_t kBucketCount = (kMaxBits + 1 - kSubBucketBits) << kSubBucketBits;

  /// One non-empty bucket: its lower bound in ns and how many samples it holds.
  struct Bucket {
    uint64_t low = 0;    ///< smallest value (ns) of the bucket
    uint64_t count = 0;  ///< samples in the bucket
  };

  /// Adds one sample of `ns` nanoseconds.
  void Record(uint64_t ns) { RecordN(ns, 1); }
  /// Adds `n` samples of `ns` nanoseconds.
  void RecordN(uint64_t ns, uint64_t n);
  /// Adds every sample of `other` (exact: same buckets, counts summed, min/max/sum combined).
  void Merge(const Histogram& other);

  /// The samples recorded since `earlier`, an older copy of this histogram (counts
  /// subtracted bucket by bucket). Min and max of the result are bucket bounds, clamped to
  /// this histogram's exact min and max.
  Histogram Since(const Histogram& earlier) const;

  /// Number of samples.
  uint64_t Count() const { return count_; }
  /// Smallest sample in ns (exact); 0 when empty.
  uint64_t Min() const { return count_ ? min_ : 0; }
  /// Largest sample in ns (exact); 0 when empty.
  uint64_t Max() const { return max_; }
  /// Sum of all samples in ns.
  double Sum() const { return sum_; }
  /// Mean in ns; 0 when empty.
  double Mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  /// The p-th percentile in ns, p in [0, 100], with k6's semantics: linear interpolation
  /// between the samples at ranks floor and ceil of p/100 * (count - 1). 0 when empty.
  double Percentile(double p) const;

  /// The non-empty buckets in increasing order, for serialization.
  std::vector<Bucket> Buckets() const;
  /// Rebuilds a histogram from serialized parts (as returned by Buckets, Min, Max, Sum).
  /// Returns false (and leaves *out empty) when a bucket bound is not a bucket's lower bound.
  static bool FromBuckets(const std::vector<Bucket>& buckets, uint64_t min, uint64_t max,
                          double sum, Histogram* out);

  /// Index of the bucket holding `ns` (clamped to the last bucket).
  static uint32_t IndexOf(uint64_t ns);
  /// Lower bound in ns of bucket `index`.
  static uint64_t LowOf(uint32_t index);
  /// Width in ns of bucket `index`.
  static uint64_t WidthOf(uint32_t index);

 private:
  /// The representative value (ns) of a 0-based rank, clamped to [min, max].
  double ValueAtRank(uint64_t rank) const;

  std::vector<uint64_t> counts_;  ///< per bucket; empty until the first sample
  uint64_t count_ = 0;            ///< samples
  uint64_t min_ = UINT64_MAX;     ///< smallest sample, ns
  uint64_t max_ = 0;              ///< largest sample, ns
  double sum_ = 0;                ///< sum of samples, ns
};

}  // namespace wsyaml::metrics
