// `wsyaml compare`: two results side by side, regressions marked — an offline regression gate.
// Threading: pure functions; call from any thread.
#pragma once

#include <string>
#include <vector>

#include "metrics/result.h"

namespace wsyaml::metrics {

/// One compared figure.
struct CompareRow {
  std::string section;       ///< "trend", "counter", "gauge", "check", "error", "threshold"
  std::string name;          ///< e.g. "ws_reply_time{name:echo} p(95)", "check reply ok fails"
  std::string base;          ///< formatted base value ("—" when absent)
  std::string current;       ///< formatted new value ("—" when absent)
  double base_value = 0;     ///< raw value (µs for times)
  double current_value = 0;  ///< raw value
  std::string change;        ///< "+12.5%", "±0%", "new", "gone"
  bool gated = false;        ///< this figure can be a regression
  bool regression = false;   ///< worse than the tolerance allows
};

/// All rows plus the verdict.
struct CompareReport {
  std::vector<CompareRow> rows;
  double tolerance = 0.1;  ///< allowed relative worsening, 0.1 = 10%
  size_t regressions = 0;  ///< rows with regression set
};

/// Compares every metric (trends per tag set: avg, med, p(90), p(95), p(99), max; counters
/// and their rates; gauges), every check, error kind and threshold. Regressions: a latency
/// percentile (med, p(90), p(95), p(99)) or a count of failed checks or errors more than
/// `tolerance` above the base (any increase from zero), or a threshold that passed in the
/// base and fails now.
CompareReport CompareResults(const Result& base, const Result& current, double tolerance);

/// The report as an aligned text table; regressions marked with ✗ and counted at the end.
std::string FormatCompare(const CompareReport& report);

/// Parses "10%", "10" (both mean 10 percent) or "0.1" (a fraction when below 1 without %).
/// False for negative or malformed input.
bool ParseTolerance(const std::string& text, double* tolerance);

}  // namespace wsyaml::metrics
