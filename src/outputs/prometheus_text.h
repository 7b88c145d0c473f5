// The Prometheus text exposition format (version 0.0.4) of a run's state: what
// `--out prometheus=` serves on /metrics. Names are `wsyaml_` + the metric's own name + its base
// unit and type suffix (docs/reports.md#prometheus): counters `_total` (`_bytes_total` for
// bytes), trends histograms in seconds with fixed buckets, gauges as they are, checks two
// counters per name, thresholds a 1/0 gauge each, and a run-info gauge.
// Threading: pure functions over const data; call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "outputs/sink.h"

namespace wsyaml::outputs {

/// One `le` bound of the trend histograms: as written in the label, and in nanoseconds.
struct PrometheusBucket {
  const char* le;  ///< seconds, as the label shows it ("0.00025")
  uint64_t ns;     ///< the same bound in nanoseconds
};

/// The `le` bounds of every trend histogram, 50 µs to 60 s (and +Inf after them).
extern const PrometheusBucket kPrometheusBuckets[19];

/// A tag key as a Prometheus label name: characters outside [a-zA-Z0-9_] become '_', a
/// leading digit or a `__` (reserved) gets a `tag_` prefix, and so do the names the exposition
/// adds itself (le, result, check, metric, filter, threshold).
std::string PrometheusLabelName(std::string_view key);

/// A label value with `\`, `"` and line feeds escaped, as the format requires.
std::string PrometheusLabelValue(std::string_view value);

/// The exposition text of `snapshot.cumulative` (with its tags and thresholds) and `info`.
/// Every metric family has its HELP and TYPE lines and its series together.
std::string FormatPrometheus(const Snapshot& snapshot, const RunInfo& info);

}  // namespace wsyaml::outputs
