// `--report FILE.html`: one self-contained HTML file with charts over time and the summary
// tables. No network fetches: CSS and the small script are inline, the charts are inline SVG
// drawn here, and a Content-Security-Policy forbids loading anything else.
// Threading: pure functions; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "metrics/result.h"

namespace wsyaml::metrics {

/// One line of a chart.
struct ChartLine {
  std::string name;            ///< legend label
  std::string color;           ///< CSS colour, e.g. "#1f77b4"
  std::vector<double> values;  ///< one per x; NaN leaves a gap
};

/// An inline SVG line chart (class "chart", data-chart=`id`) over `xs` (seconds); y labels
/// formatted by `format`. A chart without values shows "no data".
std::string SvgLineChart(const std::string& id, const std::vector<double>& xs,
                         const std::vector<ChartLine>& lines, std::string (*format)(double));

/// The whole report: header with the verdict, charts (VUs, open sockets, messages per second
/// in and out, errors per second, p50/p95/p99 of each latency metric), tables (thresholds,
/// checks, trends, counters, gauges, errors, close codes) and the text summary.
std::string FormatHtmlReport(const Result& result);

}  // namespace wsyaml::metrics
