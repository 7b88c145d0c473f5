// The scenario compiler: YAML text -> checked graph::TestPlan, or diagnostics with positions.
// The only layer that includes yaml-cpp. Pure functions; safe to call from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace wsyaml::scenario {

/// One problem found in a scenario, with where it is and how to fix it.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string file;
  int line = 0;    ///< 1-based; 0 when the problem has no position (e.g. missing file)
  int column = 0;  ///< 1-based
  std::string message;
  std::string hint;         ///< "did you mean 'on-message'?"; may be empty
  std::string source_line;  ///< the text of `line`, for the caret display

  /// `file:line:col: error: message`, then the source line, a caret, and the hint.
  std::string Format() const;
  /// The first line of Format() alone.
  std::string Headline() const;
};

/// Command-line values that replace the file's (`wsyaml run --vus 3 ...`). The compiler
/// applies them to every scenario and checks them like the file's own values. Unset = as in
/// the file.
struct Overrides {
  std::optional<int> vus;  ///< VUs of every scenario; stages become constant VUs
  /// Iterations per VU; every scenario becomes per-VU iterations (the file's duration, if
  /// any, no longer applies unless `duration` is also given).
  std::optional<int> iterations;
  std::optional<graph::Micros> duration;       ///< how long (a maximum with iterations)
  std::optional<graph::Micros> graceful_stop;  ///< time running iterations get at the end
  std::optional<std::string> target;           ///< replaces `target:`
};

/// What the compiler needs besides the text.
struct CompileOptions {
  std::string file_name = "<input>";  ///< used in diagnostics
  std::string base_dir = ".";         ///< relative feeder and payload files are read from here
  /// Values for ${env.NAME}: the process environment overlaid with -e NAME=VALUE.
  std::map<std::string, std::string> env;
  Overrides overrides;  ///< --vus, --iterations, --duration, --graceful-stop, --target
};

/// The outcome of a compile: a plan when there is no error, and every diagnostic found.
struct CompileResult {
  std::optional<graph::TestPlan> plan;
  std::vector<Diagnostic> diagnostics;  ///< errors and warnings, in source order
  /// Files the scenario reads (data, payload and TLS files), as written in it: relative to
  /// the scenario's directory, or absolute. What must travel with it (e.g. `wsyaml k8s`).
  std::vector<std::string> files_read;

  /// True when there is a plan (no errors; warnings allowed).
  bool ok() const { return plan.has_value(); }
};

/// Compiles scenario text. Never throws.
CompileResult Compile(std::string_view text, const CompileOptions& options);

/// Reads and compiles a file; a missing file is a diagnostic without position.
/// options.file_name and base_dir are set from `path` when left at their defaults.
CompileResult CompileFile(const std::string& path, CompileOptions options);

/// Parses a duration such as `250ms`, `2s`, `1m30s`, `1h`; nullopt with `error` set otherwise.
std::optional<graph::Micros> ParseDuration(std::string_view text, std::string* error);

/// The process environment as a map (for CompileOptions::env).
std::map<std::string, std::string> ProcessEnvironment();

/// Overlays `-e NAME=VALUE` pairs on `env`; false with `error` set on a pair without a name.
bool OverlayEnvPairs(const std::vector<std::string>& pairs, std::map<std::string, std::string>* env,
                     std::string* error);

}  // namespace wsyaml::scenario
