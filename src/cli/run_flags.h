// `wsyaml run` flags as typed and checked options: every flag is parsed and checked here,
// before anything connects, so a bad flag costs one line and exit 2, never a run.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "run/run_options.h"

namespace wsyaml::cli {

/// The flags of `wsyaml run` as CLI11 stores them.
struct RunFlags {
  std::string file;                          ///< "-" = standard input
  std::optional<int> vus;                    ///< --vus
  std::string duration;                      ///< --duration, e.g. 30s; empty = as in the file
  std::string graceful_stop;                 ///< --graceful-stop; empty = as in the file
  std::optional<int> iterations;             ///< --iterations
  std::string target;                        ///< --target; empty = as in the file
  std::vector<std::string> env_pairs;        ///< -e NAME=VALUE
  std::vector<std::string> secret_env;       ///< --secret NAME
  int threads = 0;                           ///< --threads; 0 = automatic
  int procs = 0;                             ///< --procs; 0 = automatic
  std::vector<std::string> local_addresses;  ///< --local-address, ranges allowed
  std::string segment;                       ///< --segment i/n
  std::string start_at;                      ///< --start-at RFC 3339 time or +DURATION
  bool debug = false;
  bool quiet = false;
  bool no_summary = false;
  bool no_thresholds = false;
  std::vector<std::string> outs;  ///< --out KIND=FILE
  std::string junit;              ///< --junit FILE
  std::string report;             ///< --report FILE
  std::string summary_export;     ///< --summary-export FILE
  std::string dashboard;          ///< --dashboard[=HOST:PORT]; empty = no dashboard
  std::string trend_stats;        ///< --summary-trend-stats "avg,min,med,max,p(90),p(95)"
};

/// Parses --start-at: an RFC 3339 time ("2026-12-01T10:00:00Z", "...T11:00:00.5+01:00") or
/// a duration from `now_unix_ms` ("+30s"), into ms since the Unix epoch. False with *error.
bool ParseStartAt(const std::string& text, int64_t now_unix_ms, int64_t* unix_ms,
                  std::string* error);

/// Declares the flags of `run` on `cmd`, stored into `flags`. Options that repeat take one
/// value per use, so flags may come before or after the file.
void DeclareRunFlags(CLI::App* cmd, RunFlags* flags);

/// Checks `flags` and fills `options` (the environment is `environment` overlaid with -e).
/// False with a one-line *error naming the flag.
bool ToRunOptions(const RunFlags& flags, const std::map<std::string, std::string>& environment,
                  run::RunOptions* options, std::string* error);

}  // namespace wsyaml::cli
