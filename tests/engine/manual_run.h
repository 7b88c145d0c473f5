// Test support: compile inline YAML with the real compiler and run it with the real Engine on
// the manual clock against the fake transport in echo-server mode. Returns what the run
// measured (with the same helpers as the end-to-end ScenarioRun) and what the "server" saw.
// A whole run of minutes of virtual time takes milliseconds, the same way every time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "fake_transport.h"
#include "graph/graph.h"
#include "metrics/metrics.h"
#include "metrics/thresholds.h"

namespace wsyaml::engine::testing {

/// The base URL every connection of a manual run goes to.
inline constexpr const char* kEchoBase = "ws://echo.test";

/// How to run.
struct ManualRunOptions {
  /// How long the echo server takes to open, echo a message, answer a ping or a close.
  std::chrono::microseconds delay{std::chrono::milliseconds(1)};
  /// Files written beside the scenario (name, content): feeders, payload files.
  std::vector<std::pair<std::string, std::string>> files;
  int threads = 1;  ///< worker loops (all on the one manual clock)
  /// How the server treats each connection; by default PathPolicy.
  std::function<EchoPolicy(const ConnectRequest&)> policy;
  /// The share of the test to run (--segment i/n); the whole test by default.
  graph::Slice slice;
  /// Called before the run starts, e.g. to schedule Engine::Stop on the manual clock.
  std::function<void(Engine&, ManualScheduler&)> before_run;
};

/// What the run's coordinator saw at one of its one-second ticks.
struct Tick {
  std::chrono::milliseconds elapsed{};  ///< since the start of the run (virtual)
  int64_t vus = 0;                      ///< VUs running then
  metrics::Shard cumulative;            ///< every sample so far
};

/// One finished run on the manual clock.
struct ManualRun {
  std::string diagnostics;  ///< compile errors (then nothing ran); empty when it compiled
  metrics::Shard shard;     ///< every sample of the run
  metrics::TagRegistry tags;
  std::chrono::milliseconds duration{};  ///< virtual duration of the run
  bool interrupted = false;              ///< ended by Engine::Stop
  int vus_max = 0;
  std::vector<metrics::ThresholdResult> thresholds;  ///< the scenario's, evaluated
  std::vector<Tick> ticks;                           ///< one per virtual second
  EchoCounts server;                                 ///< what the echo server saw
  std::vector<std::shared_ptr<FakeSocket>> sockets;  ///< every connection, in connect order
  std::string log;                                   ///< what the run printed on stderr
  TimePoint start;                                   ///< virtual time the run started

  /// Sum of a counter over the tag sets that contain `filter`.
  double Counter(metrics::MetricId id, const graph::Tags& filter = {}) const;
  /// Samples of a trend over the tag sets that contain `filter`.
  uint64_t Samples(metrics::MetricId id, const graph::Tags& filter = {}) const;
  /// Smallest and largest sample of a trend (µs, within the histogram's 1%).
  double MinMicros(metrics::MetricId id, const graph::Tags& filter = {}) const;
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
  /// Sum of a counter at tick `i` (cumulative since the start).
  double CounterAt(size_t i, metrics::MetricId id) const;

  /// The path (and query) connection `i` asked for, e.g. "/room?x=1".
  std::string Path(size_t i) const;
  /// The messages the client sent on connection `i`: a text as itself, a binary one as
  /// "binary:HEX" (as the e2e recorder peer writes them).
  std::vector<std::string> Sent(size_t i) const;
  /// Virtual time from the start of the run to connection `i`'s connect.
  std::chrono::milliseconds ConnectedAt(size_t i) const;
};

/// The default policy, after the e2e servers' paths: /close-after/N echoes N messages then
/// closes with 4001 "server done"; /drop-after/N echoes N then drops the socket (1006);
/// /silent never completes the handshake; /refused is refused; /status/NNN is a refused
/// upgrade with status NNN (kHandshake). Any other path is a plain echo.
EchoPolicy PathPolicy(const ConnectRequest& request);

/// Compiles `yaml` and runs it on the manual clock against the echo server.
ManualRun RunManual(const std::string& yaml, const ManualRunOptions& options = {});

}  // namespace wsyaml::engine::testing
