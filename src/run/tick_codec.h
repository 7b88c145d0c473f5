// A worker process's tick (`run --procs` with live outputs): its cumulative shard and the tag
// sets it uses, in a compact binary form for its parent (the same binary on the same host: no
// byte-order or version concerns). Costs: docs/reports.md, "Worker processes: live".
// Threading: plain functions.
#pragma once

#include <cstdint>
#include <string>

#include "metrics/metrics.h"

namespace wsyaml::run {

/// A decoded tick.
struct Tick {
  int64_t start_unix_ms = 0;  ///< the worker's start, ms since the Unix epoch
  double elapsed_s = 0;       ///< since its start, s
  metrics::Shard shard;       ///< everything so far; tag ids of the registry decoded into
};

/// A tick's bytes, `kind` first (the message kind of the channel it goes over).
std::string EncodeTick(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& shard,
                       const metrics::TagRegistry& tags, char kind);
/// Reads a tick from message[at...]: its tag sets interned into *tags, the shard's ids are
/// those of *tags. False when the bytes are not a whole tick.
bool DecodeTick(const std::string& message, size_t at, metrics::TagRegistry* tags, Tick* out);

}  // namespace wsyaml::run
