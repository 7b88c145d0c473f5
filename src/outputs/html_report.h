// `--report FILE.html`: one self-contained HTML file with charts over time and the summary
// tables. No network fetches: CSS and the small script are inline, the charts are inline SVG
// (svg_chart.h, report_charts.h), and a Content-Security-Policy forbids loading anything else.
// Threading: pure functions; call from any thread.
#pragma once

#include <string>

#include "metrics/result.h"
#include "outputs/sink.h"

namespace wsyaml::outputs {

/// The whole report: header with the verdict (and, with `info`, the target and each
/// scenario's load), the charts of ReportCharts, tables (thresholds, checks, trends,
/// counters, gauges, errors) and the text summary. `info` may be null (no run, e.g. merge).
std::string FormatHtmlReport(const metrics::Result& result, const RunInfo* info = nullptr);

}  // namespace wsyaml::outputs
