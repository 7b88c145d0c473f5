#include "outputs/sink_set.h"

#include <cmath>

namespace wsyaml::outputs {

bool SinkSet::Open(const RunInfo& info, std::string* error) {
  info_ = info;
  for (auto& sink : sinks_)
    if (!sink->Open(info, error)) return false;
  return true;
}

void SinkSet::OnTick(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& cumulative,
                     const metrics::TagRegistry& tags, bool final) {
  if (!live()) return;
  metrics::Shard interval = cumulative.Since(previous_);
  std::vector<metrics::ThresholdResult> thresholds;
  if (info_.plan)
    thresholds = metrics::EvaluateThresholds(info_.plan->thresholds, cumulative, tags, elapsed_s);
  Snapshot snapshot;
  snapshot.elapsed_s = elapsed_s;
  snapshot.interval_s = elapsed_s - previous_elapsed_s_;
  snapshot.unix_ms = start_unix_ms + static_cast<int64_t>(std::llround(elapsed_s * 1000));
  snapshot.interval = &interval;
  snapshot.cumulative = &cumulative;
  snapshot.tags = &tags;
  snapshot.thresholds = &thresholds;
  snapshot.final = final;
  for (auto& sink : sinks_) sink->OnSnapshot(snapshot);
  if (!final) previous_ = cumulative;
  previous_elapsed_s_ = elapsed_s;
}

bool SinkSet::live() const {
  for (const auto& sink : sinks_)
    if (sink->live()) return true;
  return false;
}

bool SinkSet::Finish(const Final& final, std::string* error) {
  bool ok = true;
  for (auto& sink : sinks_) {
    std::string sink_error;
    if (!sink->Finish(final, &sink_error)) {
      *error = sink_error;
      ok = false;
    }
  }
  return ok;
}

}  // namespace wsyaml::outputs
