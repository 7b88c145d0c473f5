// Test support: write a scenario to a file, run it with the real wsyaml binary, and read back
// what it measured and what the server it talked to saw.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/graph.h"
#include "metrics/result.h"
#include "process_util.h"

namespace wsyaml::testing {

/// One finished `wsyaml run`.
struct ScenarioRun {
  ProcessResult process;   ///< exit code, stdout (summary), stderr (logs, debug)
  metrics::Result result;  ///< the --out json file, when it was written
  bool has_result = false;
  /// The `built-in <kind> server saw: {...}` line of stdout, or null without one.
  nlohmann::json builtin;
  std::string dir;  ///< the temporary directory holding the scenario and outputs

  /// Sum of a counter over the tag sets that contain `filter`.
  double Counter(metrics::MetricId id, const graph::Tags& filter = {}) const;
  /// Samples of a trend over the tag sets that contain `filter`.
  uint64_t Samples(metrics::MetricId id, const graph::Tags& filter = {}) const;
  /// Smallest sample of a trend (µs, within the histogram's 1%), over matching tag sets.
  double MinMicros(metrics::MetricId id, const graph::Tags& filter = {}) const;
  /// Largest sample of a trend (µs, within the histogram's 0.4%).
  double MaxMicros(metrics::MetricId id, const graph::Tags& filter = {}) const;
  /// Passes and fails of the check `name` (0/0 when it never ran).
  uint64_t Passes(const std::string& name) const;
  uint64_t Fails(const std::string& name) const;
  /// The last failure message of check `name`.
  std::string LastFailure(const std::string& name) const;
  /// Count of errors of `kind`.
  uint64_t Errors(const std::string& kind) const;
  /// Every error kind with its count and example, for failure messages.
  std::string DescribeErrors() const;
  /// stdout and stderr, for failure messages.
  std::string Output() const;
};

/// Writes `yaml` to a fresh directory as scenario.yaml (plus `files`: name, content) and runs
/// `wsyaml run scenario.yaml -q --out result=result.json` with `args` appended.
ScenarioRun RunScenario(const std::string& yaml, const std::vector<std::string>& args = {},
                        const std::vector<std::pair<std::string, std::string>>& files = {},
                        std::chrono::seconds limit = std::chrono::seconds(30));

/// Runs an existing scenario file the same way.
ScenarioRun RunScenarioFile(const std::string& path, const std::vector<std::string>& args,
                            std::chrono::seconds limit = std::chrono::seconds(30));

/// A python3-websockets recording peer (tests/e2e/peers/recorder.py) on loopback.
class RecorderPeer {
 public:
  /// Starts it; `subprotocols` are the ones it accepts.
  explicit RecorderPeer(const std::vector<std::string>& subprotocols = {});
  int port() const { return server_.port(); }
  /// ws://127.0.0.1:PORT
  std::string Url() const;
  /// Stops it and returns its `connections` array (empty when it printed nothing).
  nlohmann::json Stop();

 private:
  ServerProcess server_;
};

/// The messages of one recorder connection in order: a text as itself, a binary one as
/// "binary:HEX".
std::vector<std::string> RecordedTexts(const nlohmann::json& connection);

/// `wsyaml serve KIND --port 0` as a child; Stop() returns its counts JSON.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& kind);
  int port() const { return server_.port(); }
  std::string Url() const;
  nlohmann::json Stop();

 private:
  ServerProcess server_;
};

/// The last line of `text` that starts with '{', parsed; null when none parses.
nlohmann::json LastJsonLine(const std::string& text);

/// Number of non-overlapping occurrences of `needle` in `text`.
size_t CountOf(const std::string& text, const std::string& needle);

}  // namespace wsyaml::testing
