// The live dashboard's update message: one JSON object per snapshot, made on the coordinator
// thread and pushed to every open page (its shape is documented in docs/reports.md).
// Threading: a pure function over the snapshot; call from the thread that owns it.
#pragma once

#include <deque>
#include <string>

#include "outputs/sink.h"

namespace wsyaml::outputs {

/// One second of the run for the page.
struct DashboardUpdate {
  std::string message;  ///< the update sent to every open page
  /// {"t": elapsed_s, "chart": {...}}: what the page's charts draw for this second (also in
  /// the message as "chart"), kept for pages that open later.
  std::string point;
};

/// The update for `snapshot` of the run `info`: gauges now, counters (total and per second),
/// trend percentiles per metric and `name` tag (total and in the interval), errors by kind,
/// checks, the thresholds judged now, and the chart point. Times in milliseconds.
DashboardUpdate MakeDashboardUpdate(const Snapshot& snapshot, const RunInfo& info);

/// {"type": "history", "points": [...]}: the chart points so far, oldest first, for a page
/// that opens mid-run.
std::string FormatDashboardHistory(const std::deque<std::string>& points);

}  // namespace wsyaml::outputs
