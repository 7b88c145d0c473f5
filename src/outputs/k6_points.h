// A one-second snapshot as k6-style points, shared by the k6 JSON stream and the CSV output:
// one point per metric per tag set per interval instead of one per sample (docs/reports.md,
// "Points: one per metric, tag set and second").
// Threading: pure functions; call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "outputs/sink.h"

namespace wsyaml::outputs {

/// Statistics of a trend's samples in one interval, in milliseconds as k6 reports times.
struct K6TrendStats {
  double sum_ms = 0;  ///< exact sum of the samples
  double min_ms = 0;  ///< exact smallest sample
  double max_ms = 0;  ///< exact largest sample
  double p95_ms = 0;  ///< within the histogram's 0.4%
  double p99_ms = 0;  ///< within the histogram's 0.4%
};

/// One point: what k6 would write as many samples of one metric under one tag set.
struct K6Point {
  catalog::MetricId id = catalog::MetricId::kCount;       ///< the metric (checks: kChecks)
  std::vector<std::pair<std::string, std::string>> tags;  ///< sorted by key
  /// counter: the interval's sum; gauge: the value now; checks: 1 (passes) or 0 (fails);
  /// trend: the interval's mean in ms.
  double value = 0;
  /// The samples the point stands for: counter Add calls, check outcomes of its value,
  /// trend samples; 0 for gauges.
  uint64_t count = 0;
  bool has_trend = false;  ///< trend only: `trend` is set
  K6TrendStats trend;
};

/// The points of one snapshot's interval: every counter and trend series with samples, every
/// gauge, and per check name one point for its passes and one for its fails (tag `check`),
/// in place of the untagged `checks` rate series.
std::vector<K6Point> ToK6Points(const Snapshot& snapshot);

/// k6's metric type: "counter", "gauge", "rate" or "trend".
const char* K6Type(catalog::MetricId id);
/// k6's `contains`: "time" for durations, "data" for bytes, else "default".
const char* K6Contains(catalog::MetricId id);
/// A number as its shortest exact decimal form: 5, 0.25, 1.5e+20.
std::string FormatK6Number(double value);

}  // namespace wsyaml::outputs
