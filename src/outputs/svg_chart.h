// Inline SVG charts for the HTML report: lines over time with horizontal rules (thresholds),
// and bar histograms on a log axis. The page's script reads the data-* attributes for the
// hover tooltip (time and value of each line under the pointer).
// Threading: pure functions; call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "metrics/histogram.h"

namespace wsyaml::outputs {

/// One line of a chart.
struct ChartLine {
  std::string name;            ///< legend label
  std::string color;           ///< CSS colour, e.g. "#1f77b4"
  std::vector<double> values;  ///< one per x; NaN leaves a gap
};

/// A horizontal line across a chart at `value`, e.g. a threshold.
struct ChartRule {
  std::string label;  ///< shown beside the line and in its tooltip
  std::string color;  ///< CSS colour
  double value = 0;   ///< in the chart's unit
};

/// How a chart's values read: the tooltip formats them the same way as the axis.
enum class ChartUnit { kCount, kMicros };

/// A line chart over time.
struct LineChart {
  std::string id;                ///< data-chart attribute, unique in the page
  std::vector<double> xs;        ///< seconds since the start, one per point
  std::vector<ChartLine> lines;  ///< drawn in order
  std::vector<ChartRule> rules;  ///< drawn dashed across the plot
  ChartUnit unit = ChartUnit::kCount;
};

/// The chart as an inline SVG (class "chart"). A chart without values shows "no data"; a
/// rule far above the data (over 4x its maximum) is drawn at the top edge, labelled "above".
std::string SvgLineChart(const LineChart& chart);

/// A latency histogram as inline SVG bars (class "chart histogram"): the buckets regrouped
/// into 10 bins per decade on a log time axis, each bar with a <title> of its range and
/// count; p50/p95/p99 marked with vertical lines.
std::string SvgHistogram(const std::string& id, const metrics::Histogram& histogram);

/// A value in the chart's unit, as the axis shows it.
std::string FormatChartValue(ChartUnit unit, double value);

}  // namespace wsyaml::outputs
