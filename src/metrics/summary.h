// The k6-style end-of-test summary printed after a run.
// Threading: a pure function over const data; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "metrics/metrics.h"
#include "metrics/thresholds.h"
#include "metrics/timeseries.h"

namespace wsyaml::metrics {

/// Everything the summary shows. The pointers must outlive the FormatSummary call.
struct SummaryInput {
  const Shard* shard = nullptr;       ///< merged samples of the whole run
  const TagRegistry* tags = nullptr;  ///< resolves the shard's tag ids
  std::string test_name;              ///< the scenario file's `name`
  double duration_s = 0;              ///< wall time of the run, seconds (for rates per second)
  std::vector<ThresholdResult> thresholds;        ///< evaluated thresholds; may be empty
  std::vector<double> trend_percentiles{90, 95};  ///< p(N) columns of trend lines
  /// Optional: per-second points; when given, gauges (vus, ws_open) show min and max over
  /// the run like k6 does, instead of the value at the end and the shard's maximum.
  const TimeSeries* timeline = nullptr;
  /// The run was stopped by SIGINT or SIGTERM before its end: said under the title.
  bool interrupted = false;
};

/// The line the summary, JUnit and HTML report use for an interrupted run.
inline constexpr const char* kInterruptedMessage =
    "interrupted: the run was stopped (SIGINT or SIGTERM) before its end, so these figures "
    "cover only part of it";

/// The summary as printed to stdout: checks, thresholds, one aligned line per metric with
/// dotted leaders, errors by kind with an example, close codes. Ends with a newline.
std::string FormatSummary(const SummaryInput& input);

/// One trend line's values, e.g. "avg=1.2ms min=..." (no padding), for reuse in reports.
std::string FormatTrendValues(const Histogram& histogram, const std::vector<double>& percentiles);

/// A threshold's observed aggregate formatted in the metric's unit, e.g. "p(95)=3.1ms".
std::string FormatObserved(const ThresholdResult& result);

}  // namespace wsyaml::metrics
