// Internal to the compiler: the diagnostics sink and the state shared by its passes.
// Not thread-safe; one Context per Compile() call.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "scenario/compiler.h"

namespace wsyaml::scenario {

/// The most errors reported for one file; the rest are summarized in one line.
inline constexpr int kMaxErrors = 20;

/// Collects diagnostics with the source line attached.
class Reporter {
 public:
  /// `text` is the whole scenario source, used to fill Diagnostic::source_line.
  Reporter(std::string file, std::string_view text);

  /// Records an error at `pos`. Past kMaxErrors, errors are counted but not kept.
  void Error(graph::SourcePos pos, std::string message, std::string hint = {});
  /// Records a warning at `pos`.
  void Warning(graph::SourcePos pos, std::string message, std::string hint = {});

  /// Number of errors reported so far, kept or not.
  int error_count() const { return error_count_; }
  /// All diagnostics, sorted by position, with a "too many errors" note when capped.
  std::vector<Diagnostic> Take();

 private:
  void Add(Diagnostic::Severity severity, graph::SourcePos pos, std::string message,
           std::string hint);

  std::string file_;
  std::vector<std::string> lines_;
  std::vector<Diagnostic> diagnostics_;
  int error_count_ = 0;
};

/// Levenshtein distance between two short strings.
int EditDistance(std::string_view a, std::string_view b);

/// "did you mean 'x'?" for the closest candidate within a small distance, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

/// Parses a duration range `2s..8s` or a single duration; false with `error` and `hint` set.
bool ParseDurationRange(std::string_view text, graph::DurationRange* range, std::string* error,
                        std::string* hint);

/// Reads a regular file of at most kMaxFileBytes (devices and directories are refused);
/// false with `error` set.
bool ReadSmallFile(const std::string& path, std::string* content, std::string* error);
/// The largest payload or data file the compiler reads.
inline constexpr size_t kMaxFileBytes = 64u << 20;

/// Where a template is evaluated: which run-time names exist there.
struct TemplateScope {
  bool msg = false;   ///< ${msg...} (inside an on-message body)
  bool sent = false;  ///< ${sent...} (inside a reply matcher)
  /// The protocol of the connection the steps act on (which matchers apply).
  graph::Protocol protocol = graph::Protocol::kRaw;
};

/// A name referenced somewhere that must be defined somewhere (checked after all steps).
struct Reference {
  std::string name;
  graph::SourcePos pos;
};

/// Everything the passes share.
struct Context {
  Context(const CompileOptions& options, std::string_view text)
      : options(options), reporter(options.file_name, text) {}

  const CompileOptions& options;
  Reporter reporter;
  graph::TestPlan plan;
  /// Files the scenario reads (data, payload and TLS files), as written in it.
  std::vector<std::string> files_read;
  /// The file has a `target:` (when it failed to compile, relative URLs are not blamed).
  bool target_written = false;
  /// Variable name -> slot; mirrors plan.var_names.
  std::map<std::string, int> slots;
  /// Names usable in templates right now (vars so far, set and capture names).
  std::set<std::string> visible_vars;
  /// Every name declared under vars (top level and scenarios), for "defined later" hints.
  std::set<std::string> declared_vars;
  /// Names of timers and handlers (every, after, on-*) defined anywhere.
  std::set<std::string> timer_names;
  /// Names of connections (connect `name`).
  std::set<std::string> connection_names;
  /// Every `name` a step gives (used as the `name` tag of samples).
  std::set<std::string> step_names;
  /// Keys used in connect and scenario `tags`.
  std::set<std::string> tag_keys;
  std::vector<Reference> cancel_refs;
  std::vector<Reference> to_refs;

  /// The slot of a variable, creating it when new.
  int Slot(const std::string& name);
};

}  // namespace wsyaml::scenario
