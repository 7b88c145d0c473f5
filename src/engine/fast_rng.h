// A cheap xorshift RNG for WebSocket masking keys, shared by the transport and the benchmark
// clients (tools/bench) so they mask frames at the same cost. Header-only, no dependencies.
#pragma once

#include <cstdint>
#include <random>

namespace wsyaml::engine {

/// Masking keys need not be cryptographic (RFC 6455 asks only that they be unpredictable to
/// intermediaries); std::random_device per frame is a syscall on the hot path.
class FastRng {
 public:
  FastRng() : state_(std::random_device{}() | 1ULL) {}
  /// The next 32 random bits.
  uint32_t operator()() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<uint32_t>(state_ >> 16);
  }

 private:
  uint64_t state_;
};

}  // namespace wsyaml::engine
