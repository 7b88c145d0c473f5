// The chart sections of the HTML report, drawn from a result's timeline and histograms.
// Threading: pure functions; call from any thread.
#pragma once

#include <string>

#include "metrics/result.h"

namespace wsyaml::outputs {

/// Most values of one tag (e.g. `name`) that get charts of their own; the rest are in the
/// tables.
inline constexpr size_t kMaxTagCharts = 16;

/// The report's charts: load (VUs with vus_max, open sockets, messages per second overall
/// and per name), errors per second by kind, checks per second, and per trend: p50/p95/p99
/// over time with its thresholds as lines coloured by verdict, its latency histogram, then the
/// same per value of `name` and (with more than one) `scenario`.
std::string ReportCharts(const metrics::Result& result);

}  // namespace wsyaml::outputs
