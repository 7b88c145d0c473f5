// The whole result of a run: what `--out result=FILE` writes and `merge` / `compare` read.
// Threading: plain data; one owner at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/metrics.h"
#include "metrics/thresholds.h"
#include "metrics/timeseries.h"

namespace wsyaml::metrics {

/// The result file format's name and version, written into every file.
inline constexpr const char* kResultFormat = "wsyaml-result";
inline constexpr int kResultFormatVersion = 1;

/// Everything known about one run (or several merged runs).
struct Result {
  std::string test_name;       ///< the scenario's `name`
  std::string source_file;     ///< the scenario file, as given on the command line
  std::string wsyaml_version;  ///< the tool that produced the result, e.g. "0.1.0"
  int64_t start_unix_ms = 0;   ///< wall-clock start, ms since the Unix epoch
  double duration_s = 0;       ///< wall time of the run, seconds
  int merged_runs = 1;         ///< how many runs were merged into this one
  /// With --start-at: how late the run began after the time asked for, ms (merged: the
  /// latest segment's); 0 when on time or without --start-at.
  int64_t start_late_ms = 0;
  Shard shard;                              ///< merged samples, checks and errors
  TagRegistry tags;                         ///< resolves the shard's tag ids
  std::vector<ThresholdResult> thresholds;  ///< evaluated against `shard`
  TimeSeries timeline;                      ///< one point per second
  /// Stopped by SIGINT or SIGTERM before its end (exit 4): the figures cover only part of
  /// the run, so the summary, JUnit and HTML report mark it as not passed.
  bool interrupted = false;
};

/// The result as JSON: metadata, every series with its tags and histogram buckets, checks,
/// errors, thresholds and the timeline.
nlohmann::ordered_json ToJson(const Result& result);
/// Reads what ToJson wrote. False with a one-line *error on malformed input.
bool FromJson(const nlohmann::json& json, Result* out, std::string* error);

/// Adds `other` into `into` exactly: tag sets re-interned, counts summed, histograms merged,
/// checks and errors summed; start = the earlier, duration = until the later end; timelines
/// aligned by wall-clock second. Thresholds are re-evaluated on the merged data.
void MergeResult(const Result& other, Result* into);

/// Writes `content` to `path`: a regular file (or a new one) atomically — a temporary file in
/// the same directory, fsync, rename — so a killed run never leaves a torn file; through a
/// symbolic link, the file it points to (the link stays); anything else (a terminal, a pipe,
/// /dev/stdout, /dev/null) is written straight, never replaced; `-` is standard output.
/// False with *error on failure (the old file, if any, is left intact).
bool WriteFileAtomically(const std::string& path, const std::string& content, std::string* error);
/// Reads a whole file. False with *error when it cannot be read.
bool ReadFile(const std::string& path, std::string* content, std::string* error);

/// The result file's text: ToJson with the metadata first and one metric, check, error,
/// threshold or second per line.
std::string FormatResultJson(const Result& result);

/// Writes FormatResultJson(result) to `path` atomically.
bool WriteResultFile(const std::string& path, const Result& result, std::string* error);
/// Reads a result file; errors name the file.
bool ReadResultFile(const std::string& path, Result* out, std::string* error);
/// Reads every result in a file that holds one or more, one after another, with any text
/// between them ignored — e.g. the logs of a Kubernetes Job's pods, each of which printed its
/// result (`--out result=-`) among other lines. False with *error naming the file and the
/// result's position when one is malformed or there is none.
bool ReadResults(const std::string& path, std::vector<Result>* out, std::string* error);

}  // namespace wsyaml::metrics
