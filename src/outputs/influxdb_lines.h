// InfluxDB line protocol for one snapshot of a run: one point per metric per tag set per
// interval (the snapshot's second), as `--out influxdb=URL` writes it (docs/reports.md).
// Threading: pure functions; call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "outputs/sink.h"

namespace wsyaml::outputs {

/// A measurement name: commas and spaces escaped with a backslash.
std::string EscapeInfluxMeasurement(const std::string& text);
/// A tag key, tag value or field key: commas, equals signs and spaces escaped.
std::string EscapeInfluxKey(const std::string& text);

/// The points of one snapshot's interval, one line each ("name,tag=v field=1 TIME"), all at
/// `timestamp_ms` (ms since the Unix epoch; write with precision=ms). Counters: value = the
/// interval's sum. Gauges: value = now. Trends (in ms): value = mean, count, sum, min, max,
/// med, p90, p95, p99. Checks: one point per check name (tag `check`): value = pass rate,
/// passes, fails. Errors are ws_errors points by their `kind` tag. Empty tag values are left
/// out (line protocol has none); newlines become spaces. No field is a string.
std::vector<std::string> FormatInfluxLines(const Snapshot& snapshot, int64_t timestamp_ms);

}  // namespace wsyaml::outputs
