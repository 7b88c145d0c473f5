// Threshold evaluation: graph::Threshold expressions against merged metrics.
// Threading: pure functions over const data; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "metrics/metrics.h"

namespace wsyaml::metrics {

/// The verdict of one threshold expression.
struct ThresholdResult {
  /// The expression evaluated, as compiled: metric, filter, source, aggregate, op, value
  /// (in the metric's unit, µs for times), abort-on-fail and position in the scenario.
  graph::Threshold threshold;
  bool passed = false;    ///< the expression held
  double observed = 0;    ///< the aggregate's value, in the metric's unit (µs for times)
  bool has_data = false;  ///< at least one sample matched the metric and filter
  /// Failed because the aggregate has no value without samples (NeedsSamples) and the
  /// threshold does not say allow-no-samples; `error` then says so.
  bool no_samples = false;
  std::string error;  ///< set when the expression cannot apply; then passed is false
};

/// The reason a threshold without samples fails, as shown in the summary, JUnit and JSON.
inline constexpr const char* kNoSamplesError =
    "no samples, so no value to compare (allow-no-samples: true lets this pass)";

/// True when `aggregate` of `metric` has no value without samples: every aggregate of a
/// trend, rate or gauge except count. A counter without samples is 0 (so `count == 0` on
/// ws_errors passes when there were none), and count is 0 for any metric.
bool NeedsSamples(const std::string& metric, graph::Threshold::Aggregate aggregate);

/// "ws_connecting{name:echo}" — the metric and its filter, as k6 writes them.
std::string ThresholdTarget(const std::string& metric, const graph::Tags& filter);
/// ThresholdTarget of a threshold's metric and filter.
std::string ThresholdTarget(const graph::Threshold& threshold);

/// "p(95)", "avg", "count", ... as k6 writes the aggregate.
std::string AggregateLabel(graph::Threshold::Aggregate aggregate, double percentile);

/// Checks that the metric exists and the aggregate applies to its type, by the catalog's rule
/// (catalog::CheckAggregate). On failure sets *error to one line and returns false.
bool ValidateThreshold(const graph::Threshold& threshold, std::string* error);

/// The value of `aggregate` over the series of `id` whose tags include every pair of
/// `filter`, merged. Units: µs for trends, the counter's unit for count, per second for a
/// counter's rate (needs `duration_s`), passed/all for a rate metric. Sets *has_data.
/// `checks{check:NAME}` reads the named check's outcomes.
double Aggregate(const Shard& shard, const TagRegistry& tags, MetricId id,
                 const graph::Tags& filter, graph::Threshold::Aggregate aggregate,
                 double percentile, double duration_s, bool* has_data);

/// Evaluates one threshold. `duration_s` is the test's wall time, for counters' rate. A
/// threshold whose aggregate NeedsSamples fails when no sample matched, unless it allows it.
ThresholdResult EvaluateThreshold(const graph::Threshold& threshold, const Shard& shard,
                                  const TagRegistry& tags, double duration_s);

/// Evaluates every threshold, in order.
std::vector<ThresholdResult> EvaluateThresholds(const std::vector<graph::Threshold>& thresholds,
                                                const Shard& shard, const TagRegistry& tags,
                                                double duration_s);

/// True when every result passed.
bool AllPassed(const std::vector<ThresholdResult>& results);

/// The series of `id` whose tags include every pair of `filter`, merged into one.
/// Sets *has_data when at least one series matched.
Series CollectSeries(const Shard& shard, const TagRegistry& tags, MetricId id,
                     const graph::Tags& filter, bool* has_data = nullptr);

/// True when `series_tags` contains every pair of `filter`.
bool TagsMatch(const std::vector<std::pair<std::string, std::string>>& series_tags,
               const graph::Tags& filter);

}  // namespace wsyaml::metrics
