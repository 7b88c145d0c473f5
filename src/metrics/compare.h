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
  bool few_samples = false;  ///< a latency figure not judged: too few samples on a side
  bool regression = false;   ///< worse than the tolerance allows
};

/// What counts as a regression. Two back-to-back runs of the same test differ by chance: a
/// p(99) of 12 samples is their maximum, and a 1 ms loopback latency doubles from one run to
/// the next. So a latency figure is judged only with enough samples on both sides and only
/// when it moved by more than an absolute amount as well as by more than the tolerance.
struct CompareOptions {
  double tolerance = 0.1;           ///< allowed relative worsening, 0.1 = 10%
  uint64_t min_samples = 100;       ///< latency rows with fewer samples on a side: not judged
  double min_difference_us = 1000;  ///< latency worsening at or below this: not a regression
};

/// All rows plus the verdict.
struct CompareReport {
  std::vector<CompareRow> rows;
  CompareOptions options;  ///< the figures the verdict used
  size_t regressions = 0;  ///< rows with regression set
};

/// Compares every metric (trends per tag set: avg, med, p(90), p(95), p(99), max; counters
/// and their rates; gauges), every check, error kind and threshold. Regressions: a latency
/// percentile (med, p(90), p(95), p(99)) more than `tolerance` and more than
/// `min_difference_us` above the base, with `min_samples` on both sides; a count of failed
/// checks or errors more than `tolerance` above the base (any increase from zero); a
/// threshold that passed in the base and fails now.
CompareReport CompareResults(const Result& base, const Result& current,
                             const CompareOptions& options);

/// The report as an aligned text table; regressions marked with ✗ and counted at the end.
std::string FormatCompare(const CompareReport& report);

/// Parses "10%", "10" (both mean 10 percent) or "0.1" (a fraction when below 1 without %).
/// False for negative or malformed input.
bool ParseTolerance(const std::string& text, double* tolerance);

}  // namespace wsyaml::metrics
