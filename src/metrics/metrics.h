// Metric samples: per-thread shards, merged into one result for the summary and reports.
// Threading: a Shard belongs to one worker thread and is written only there, without locks.
// Merging happens after (or between) runs on one thread; TagRegistry is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "metrics/histogram.h"

namespace wsyaml::metrics {

// The metric catalog (names, types, units) lives in src/catalog; these keep metrics::MetricId
// and friends working for the rest of the code.
using catalog::FindMetric;
using catalog::Info;
using catalog::MetricId;
using catalog::MetricInfo;
using catalog::MetricType;
using catalog::Unit;

/// Interned tag sets ("name=echo,scenario=default"): ids are cheap to store per sample.
/// Id 0 is the empty tag set. Thread-safe; call at setup, not per sample.
class TagRegistry {
 public:
  TagRegistry() = default;
  /// Copies take a consistent snapshot of `other` (for results kept after a run).
  TagRegistry(const TagRegistry& other);
  TagRegistry& operator=(const TagRegistry& other);

  /// The id of a canonical tag set (keys sorted); creates it when new.
  uint32_t Intern(std::vector<std::pair<std::string, std::string>> tags);
  /// The tags of an id.
  std::vector<std::pair<std::string, std::string>> Tags(uint32_t id) const;
  /// Number of tag sets, including the empty set 0.
  size_t Size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::vector<std::pair<std::string, std::string>>, uint32_t> ids_;
  std::vector<std::vector<std::pair<std::string, std::string>>> sets_{{}};
};

/// One metric under one tag set.
struct Series {
  uint64_t count = 0;    ///< samples (counter: number of Add calls; rate: all outcomes)
  double sum = 0;        ///< counter: total added; trend: sum of µs; rate: number passed
  double gauge = 0;      ///< gauge: current value (summed across shards)
  double gauge_max = 0;  ///< gauge: highest value seen in this shard
  Histogram histogram;   ///< trend only (allocates on first sample)
};

/// Outcome counts of one named check.
struct CheckCounts {
  uint64_t passes = 0;
  uint64_t fails = 0;
  std::string last_failure;  ///< a message for the report
};

/// Errors of one kind ("handshake 404", "timeout", ...).
struct ErrorCounts {
  uint64_t count = 0;
  std::string example;  ///< the first message seen
};

/// The samples of one worker thread. Not thread-safe: one writer.
class Shard {
 public:
  /// Adds `value` to a counter.
  void Add(MetricId id, double value = 1, uint32_t tags = 0);
  /// Records a duration sample of a trend.
  void Record(MetricId id, std::chrono::nanoseconds value, uint32_t tags = 0);
  /// Moves a gauge by `delta` (e.g. +1 on open, -1 on close).
  void Move(MetricId id, double delta, uint32_t tags = 0);
  /// Records one check outcome (also feeds the `checks` rate).
  void Check(const std::string& name, bool passed, const std::string& failure = {});
  /// Counts an error of `kind`; the first `message` per kind is kept as the example.
  void Error(const std::string& kind, const std::string& message, uint32_t tags = 0);

  /// The series of (id, tags), created empty when new, for hot paths that add to the same
  /// series many times: resolve once, then Add(Series*, value). The pointer stays valid as
  /// long as this shard object does (series are never removed; Merge only adds); assigning
  /// to or destroying the shard invalidates it.
  Series* Resolve(MetricId id, uint32_t tags) { return &At(id, tags); }
  /// Adds `value` to a resolved counter series, exactly as Add(id, value, tags) does.
  static void Add(Series* series, double value) {
    series->count += 1;
    series->sum += value;
  }

  /// Adds everything in `other` to this shard (exact: counts summed, histograms merged).
  void Merge(const Shard& other);
  /// What was recorded since `earlier`, an older copy of this shard: counters, rates and
  /// trends hold the difference (series without new samples are left out), gauges their
  /// value now, checks and errors the new counts (kinds without new errors left out).
  Shard Since(const Shard& earlier) const;

  /// Adds one series' totals to (id, tags) exactly, as Merge does for each series.
  void MergeSeries(MetricId id, uint32_t tags, const Series& series);
  /// Adds the counts of one check, as Merge does.
  void MergeCheck(const std::string& name, const CheckCounts& counts);
  /// Adds the counts of one error kind, as Merge does.
  void MergeError(const std::string& kind, const ErrorCounts& counts);

  /// Series keyed by (metric, tag set id).
  const std::map<std::pair<MetricId, uint32_t>, Series>& series() const { return series_; }
  const std::map<std::string, CheckCounts>& checks() const { return checks_; }
  const std::map<std::string, ErrorCounts>& errors() const { return errors_; }

 private:
  Series& At(MetricId id, uint32_t tags);

  std::map<std::pair<MetricId, uint32_t>, Series> series_;
  std::map<std::string, CheckCounts> checks_;
  std::map<std::string, ErrorCounts> errors_;
};

}  // namespace wsyaml::metrics
