// The k6-style end-of-test summary printed after a run.
// Threading: a pure function over const data; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "metrics/metrics.h"
#include "metrics/thresholds.h"
#include "metrics/timeseries.h"

namespace wsyaml::metrics {

/// One statistic of a trend line, as k6's --summary-trend-stats names it: avg, min, med,
/// max, count or p(N).
struct TrendStat {
  graph::Threshold::Aggregate aggregate = graph::Threshold::Aggregate::kAvg;
  double percentile = 0;  ///< for kPercentile: N of p(N), 0 to 100
};

/// Parses a comma-separated list like "avg,min,med,max,p(90),p(95),p(99)". False with a
/// one-line *error naming the first stat that is not one of avg, min, med, max, count, p(N).
bool ParseTrendStats(const std::string& text, std::vector<TrendStat>* out, std::string* error);

/// The stats shown for trend `metric` when none are given: avg, min, med, max, p(90), p(95),
/// and p(99) too for the reply and delivery times, whose tails matter most.
std::vector<TrendStat> DefaultTrendStats(const std::string& metric);

/// Everything the summary shows. The pointers must outlive the FormatSummary call.
struct SummaryInput {
  const Shard* shard = nullptr;       ///< merged samples of the whole run
  const TagRegistry* tags = nullptr;  ///< resolves the shard's tag ids
  std::string test_name;              ///< the scenario file's `name`
  double duration_s = 0;              ///< wall time of the run, seconds (for rates per second)
  std::vector<ThresholdResult> thresholds;  ///< evaluated thresholds; may be empty
  /// The stats of every trend line (--summary-trend-stats); empty: DefaultTrendStats.
  std::vector<TrendStat> trend_stats;
  /// Optional: per-second points; when given, gauges (vus, ws_open) show min and max over
  /// the run like k6 does, instead of the value at the end and the shard's maximum.
  const TimeSeries* timeline = nullptr;
  /// The run was stopped by SIGINT or SIGTERM before its end: said under the title.
  bool interrupted = false;
  /// Colour the check and threshold marks (green passed, red failed) with ANSI escapes: only
  /// for a terminal (see UseColor).
  bool color = false;
};

struct Result;
/// The summary of a whole result (its shard, tags, thresholds, timeline, duration, name).
SummaryInput SummaryInputOf(const Result& result);

/// Whether to colour text for an output: it is a terminal and NO_COLOR (no-color.org) is
/// unset or empty. `no_color` is the variable's value, nullptr when unset.
bool UseColor(bool is_terminal, const char* no_color);

/// The line the summary, JUnit and HTML report use for an interrupted run.
inline constexpr const char* kInterruptedMessage =
    "interrupted: the run was stopped (SIGINT or SIGTERM) before its end, so these figures "
    "cover only part of it";

/// The summary as printed to stdout: checks, thresholds, one aligned line per metric with
/// dotted leaders, errors by kind with an example, close codes. Ends with a newline.
std::string FormatSummary(const SummaryInput& input);

/// A threshold's observed aggregate formatted in the metric's unit, e.g. "p(95)=3.1ms".
std::string FormatObserved(const ThresholdResult& result);

}  // namespace wsyaml::metrics
