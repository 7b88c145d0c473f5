// What every benchmark program shares, with no WebSocket library: a cheap masking RNG,
// process measurements (CPU seconds, resident memory) and flag helpers. Header-only; every
// program is single-threaded. bench_common.h adds the websocketpp client config.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/fast_rng.h"

namespace wsbench {

/// The engine's masking RNG, so baselines mask frames at the same cost.
using wsyaml::engine::FastRng;

/// User plus system CPU seconds of this process so far.
inline double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// A field of /proc/self/status in KiB: "VmRSS:" (all resident pages) or "RssAnon:" (private
/// memory, without the binary's code pages). 0 when /proc is unreadable.
inline long RssKib(const std::string& field = "VmRSS:") {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + field.size());
  }
  return 0;
}

/// Raises the open-files soft limit to the hard limit; returns the soft limit now in force.
inline long RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<long>(limit.rlim_cur);
}

/// The value at quantile `q` (0..1) of `values`, which it sorts; 0 when empty.
inline int64_t Percentile(std::vector<int64_t>* values, double q) {
  if (values->empty()) return 0;
  std::sort(values->begin(), values->end());
  size_t index = static_cast<size_t>(q * static_cast<double>(values->size() - 1) + 0.5);
  return (*values)[std::min(index, values->size() - 1)];
}

/// The value after `--name` in argv, or `fallback`.
inline std::string Flag(int argc, char** argv, const char* name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

/// Whether `--name` appears in argv.
inline bool HasFlag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

}  // namespace wsbench
