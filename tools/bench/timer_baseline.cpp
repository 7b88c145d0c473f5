// timer_baseline: the naive way to run many periodic timers — one asio::steady_timer per
// timer, each re-armed from its own deadline — as the yardstick for the engine's coalesced
// timers. First deadlines are spread evenly over one interval, as wsyaml spreads VU starts.
// Prints fires, CPU seconds and lateness (wake-up time minus deadline) as one JSON line.
// Usage: timer_baseline --timers 10000 --interval-ms 1000 --duration 20
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "bench_common.h"

namespace {

using Clock = std::chrono::steady_clock;

class Timers {
 public:
  Timers(int count, Clock::duration interval, Clock::time_point end)
      : interval_(interval), end_(end) {
    timers_.reserve(static_cast<size_t>(count));
    Clock::time_point start = Clock::now();
    for (int i = 0; i < count; ++i) {
      timers_.push_back(std::make_unique<asio::steady_timer>(io_));
      Arm(static_cast<size_t>(i), start + interval + interval * i / count);
    }
  }

  void Run() { io_.run(); }
  uint64_t fires() const { return fires_; }
  std::vector<int64_t>* lateness_us() { return &lateness_us_; }

 private:
  void Arm(size_t index, Clock::time_point deadline) {
    if (deadline > end_) return;
    asio::steady_timer& timer = *timers_[index];
    timer.expires_at(deadline);
    timer.async_wait([this, index, deadline](const std::error_code& ec) {
      if (ec) return;
      ++fires_;
      lateness_us_.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - deadline).count());
      Arm(index, deadline + interval_);
    });
  }

  asio::io_context io_;
  std::vector<std::unique_ptr<asio::steady_timer>> timers_;
  Clock::duration interval_;
  Clock::time_point end_;
  uint64_t fires_ = 0;
  std::vector<int64_t> lateness_us_;
};

}  // namespace

int main(int argc, char** argv) {
  int count = 0;
  long interval_ms = 0;
  double duration_s = 0;
  try {
    count = std::stoi(wsbench::Flag(argc, argv, "--timers", "10000"));
    interval_ms = std::stol(wsbench::Flag(argc, argv, "--interval-ms", "1000"));
    duration_s = std::stod(wsbench::Flag(argc, argv, "--duration", "20"));
  } catch (const std::exception&) {
    count = 0;
  }
  if (count <= 0 || count > 1000000 || interval_ms <= 0 || duration_s <= 0 || duration_s > 3600) {
    std::fprintf(stderr, "usage: timer_baseline --timers N --interval-ms MS --duration SECONDS\n");
    return 2;
  }
  double cpu_before = wsbench::CpuSeconds();
  Clock::time_point end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(duration_s));
  Timers timers(count, std::chrono::milliseconds(interval_ms), end);
  timers.Run();
  double cpu = wsbench::CpuSeconds() - cpu_before;
  std::vector<int64_t>* lateness = timers.lateness_us();
  int64_t p50 = wsbench::Percentile(lateness, 0.50);
  int64_t p99 = wsbench::Percentile(lateness, 0.99);
  int64_t max = lateness->empty() ? 0 : lateness->back();
  std::printf(
      "{\"tool\":\"timer_baseline\",\"timers\":%d,\"interval_ms\":%ld,\"seconds\":%.1f,"
      "\"fires\":%llu,\"cpu_s\":%.4f,\"cpu_us_per_fire\":%.3f,\"lateness_p50_us\":%lld,"
      "\"lateness_p99_us\":%lld,\"lateness_max_us\":%lld}\n",
      count, interval_ms, duration_s, static_cast<unsigned long long>(timers.fires()), cpu,
      timers.fires() ? cpu * 1e6 / static_cast<double>(timers.fires()) : 0.0,
      static_cast<long long>(p50), static_cast<long long>(p99), static_cast<long long>(max));
  return 0;
}
