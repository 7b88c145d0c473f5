#include "run/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "metrics/thresholds.h"

namespace wsyaml::run {

ProgressOutput StderrProgressOutput() { return {&std::cerr, isatty(STDERR_FILENO) == 1}; }

Progress::Progress(const graph::TestPlan& plan, const engine::LiveCounters& live, bool quiet,
                   ProgressOutput output)
    : live_(live), quiet_(quiet), output_(output), total_s_(0) {
  for (const auto& scenario : plan.scenarios)
    total_s_ = std::max(total_s_, scenario.load.duration.count() / 1e6);
}

void Progress::Tick(std::chrono::milliseconds elapsed, const metrics::Shard&) {
  if (quiet_) return;
  double now_s = elapsed.count() / 1000.0;
  int64_t sent = live_.msgs_sent.load(), received = live_.msgs_received.load();
  double span = std::max(0.001, now_s - last_elapsed_s_);
  double out_rate = (sent - last_sent_) / span, in_rate = (received - last_received_) / span;
  last_sent_ = sent;
  last_received_ = received;
  last_elapsed_s_ = now_s;
  if (!output_.terminal && now_s - last_printed_s_ < 10) return;
  last_printed_s_ = now_s;
  char line[256];
  std::snprintf(line, sizeof line,
                "running %5.0fs/%.0fs  vus %lld  open %lld  msgs/s out %.0f in %.0f  errors %lld",
                now_s, total_s_, static_cast<long long>(live_.vus.load()),
                static_cast<long long>(live_.open_sockets.load()), out_rate, in_rate,
                static_cast<long long>(live_.errors.load()));
  std::ostream& out = *output_.stream;
  if (output_.terminal) {
    out << "\r\033[K" << line;
  } else {
    out << line << '\n';
  }
  out.flush();
  printed_ = true;
}

void Progress::Done() {
  if (printed_ && output_.terminal) *output_.stream << "\r\033[K" << std::flush;
}

AbortWatch::AbortWatch(const graph::TestPlan& plan, std::ostream& report) : report_(report) {
  for (const auto& threshold : plan.thresholds)
    if (threshold.abort_on_fail) watched_.push_back(threshold);
}

bool AbortWatch::ShouldAbort(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative,
                             const metrics::TagRegistry& tags) {
  if (aborted_) return false;
  for (const auto& threshold : watched_) {
    if (std::chrono::duration_cast<graph::Micros>(elapsed) < threshold.delay_abort_eval) continue;
    metrics::ThresholdResult result =
        metrics::EvaluateThreshold(threshold, cumulative, tags, elapsed.count() / 1000.0);
    if (result.has_data && !result.passed) {
      report_ << "\nwsyaml: threshold " << threshold.metric << ": " << threshold.source
              << " failed; aborting the run (abort-on-fail)\n";
      aborted_ = true;
      return true;
    }
  }
  return false;
}

}  // namespace wsyaml::run
