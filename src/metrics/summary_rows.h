// The rows of the end-of-test summary as data: one per metric (and per threshold tag filter),
// each column with the number behind its text. The text summary (summary.cpp) prints them;
// the summary export (summary_export.cpp) writes the same rows as JSON, so both show exactly
// the same metrics and values.
// Threading: pure functions over const data; call from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "metrics/summary.h"

namespace wsyaml::metrics {

/// One value of a row: "avg=1.2ms" is {"avg", 1.2 (milliseconds), "avg=1.2ms"}.
struct SummaryColumn {
  std::string key;   ///< k6's name in the export ("avg", "count", "rate", ...); empty: text only
  double value = 0;  ///< times in milliseconds (as k6 exports them), bytes, counts, ratios
  std::string text;  ///< as the summary prints it
};

/// Whether the thresholds on a row's metric and filter passed.
enum class SummaryMark { kNone, kPassed, kFailed };

/// One metric line, or the indented `{ tag:value }` line of a threshold's tag filter.
struct SummaryRow {
  std::string metric;  ///< the catalog name, e.g. ws_connecting
  graph::Tags filter;  ///< empty for the metric's own line
  SummaryMark mark = SummaryMark::kNone;
  std::vector<SummaryColumn> columns;
  bool trend = false;
};

/// The metric rows of the summary, sorted by metric name like k6, each followed by the rows
/// of its thresholds' tag filters.
std::vector<SummaryRow> MetricRows(const SummaryInput& input);

/// Closes by code ("1000", "?" when untagged) -> how many, from ws_close_codes.
std::map<std::string, double> CloseCodeCounts(const SummaryInput& input);

/// The stats a trend row shows for `metric`: `input.trend_stats` when given, else
/// DefaultTrendStats(metric).
std::vector<TrendStat> TrendStatsFor(const SummaryInput& input, const std::string& metric);

}  // namespace wsyaml::metrics
