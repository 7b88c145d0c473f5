// What a VU needs from the worker thread that runs it. Threading: one per worker thread;
// only the atomics in LiveCounters are read from other threads (progress line).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/connection.h"
#include "engine/handshake_queue.h"
#include "engine/scheduler.h"
#include "graph/graph.h"
#include "metrics/metrics.h"

namespace wsyaml::engine {

/// Totals shared by all workers for the live progress line (relaxed atomics).
struct LiveCounters {
  std::atomic<int64_t> vus{0};            ///< VUs inside an iteration now
  std::atomic<int64_t> open_sockets{0};   ///< WebSockets open now
  std::atomic<int64_t> msgs_sent{0};      ///< messages sent so far
  std::atomic<int64_t> msgs_received{0};  ///< messages received so far
  std::atomic<int64_t> errors{0};         ///< errors so far
  std::atomic<int64_t> iterations{0};     ///< completed iterations so far
};

/// Where `log` steps and --debug lines go. Thread-safe.
class Logger {
 public:
  enum class Level { kDebug, kInfo, kWarn, kError };
  /// Prints `time level [vu V conn C] text` to stderr (conn < 0: no conn part).
  static void Line(Level level, int vu, int conn, const std::string& text);
};

/// `text` with every occurrence of each non-empty secret replaced by ***.
std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets);

/// The name an error is counted under in the summary and result files: the kind's name, then
/// the HTTP status when there is one ("timeout", "handshake 404").
std::string ErrorLabel(ErrorKind kind, int http_status);

/// Per-worker services for VUs. Not thread-safe; lives on its worker thread.
struct WorkerContext {
  Scheduler* scheduler = nullptr;
  Transport* transport = nullptr;
  /// This thread's samples. VUs keep series pointers into it (Shard::Resolve): it must stay
  /// the same object, never reassigned, while they run.
  metrics::Shard* shard = nullptr;
  metrics::TagRegistry* tags = nullptr;
  LiveCounters* live = nullptr;
  const graph::TestPlan* plan = nullptr;
  /// Target base URLs (ws:// or wss://, no trailing slash), taken in turn by connections.
  std::vector<std::string> base_urls;
  size_t next_base_url = 0;
  bool debug = false;
  /// Values never printed in --debug or log lines (env values marked secret).
  std::vector<std::string> secrets;
  std::mt19937_64 rng{std::random_device{}()};
  /// Shared row cursors of sequential feeders (one per feeder), or null.
  std::vector<std::atomic<uint64_t>>* feeder_cursors = nullptr;
  std::unordered_map<const void*, uint32_t> tag_cache;  ///< step/connect -> interned tag set
  /// Caps the handshakes in flight on this worker thread.
  HandshakeQueue handshakes;

  /// The tag set of an error sample: `base` plus kind, and status when `http_status` != 0.
  uint32_t ErrorTags(uint32_t base, ErrorKind kind, int http_status);
  /// `base` plus one more tag (e.g. code=1000), interned once.
  uint32_t WithTag(uint32_t base, const std::string& key, const std::string& value);
  std::map<std::pair<uint32_t, std::string>, uint32_t> error_tag_cache;

  /// The tag set of a connection whose tags hold templates, rendered to `tags`; cached by
  /// the rendered values.
  uint32_t RenderedTags(const graph::Scenario& scenario, const graph::Tags& tags);
  std::map<graph::Tags, uint32_t> rendered_tag_cache;

  /// The tag set id for `key` (a step), built once from `tags` plus the scenario's tags.
  uint32_t TagsFor(const void* key, const graph::Scenario& scenario, const graph::Tags& tags,
                   const std::string& name = {});
};

}  // namespace wsyaml::engine
