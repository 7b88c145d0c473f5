#include "engine/load_profile.h"

#include <algorithm>
#include <cmath>

namespace wsyaml::engine {
namespace {

constexpr graph::Micros kDefaultMaxDuration = std::chrono::minutes(10);

graph::Micros StagesDuration(const std::vector<graph::Stage>& stages) {
  graph::Micros total{0};
  for (const auto& stage : stages) total += stage.duration;
  return total;
}

double Seconds(graph::Micros d) { return static_cast<double>(d.count()) / 1e6; }

}  // namespace

graph::Micros ScenarioDuration(const graph::LoadProfile& load) {
  using Kind = graph::LoadProfile::Kind;
  if (load.kind == Kind::kRampingVus) return StagesDuration(load.stages);
  if (load.kind == Kind::kArrivalRate && !load.rate_stages.empty())
    return StagesDuration(load.rate_stages);
  return load.duration.count() > 0 ? load.duration : kDefaultMaxDuration;
}

int MaxVus(const graph::LoadProfile& load) {
  using Kind = graph::LoadProfile::Kind;
  if (load.kind == Kind::kArrivalRate) return std::max(load.max_vus, load.vus);
  int most = load.vus;
  if (load.kind == Kind::kRampingVus)
    for (const auto& stage : load.stages) most = std::max(most, stage.target);
  return most;
}

int RampingTarget(const graph::LoadProfile& load, graph::Micros t) {
  double from = load.vus;
  for (const auto& stage : load.stages) {
    if (t < stage.duration) {
      double f = stage.duration.count() > 0 ? Seconds(t) / Seconds(stage.duration) : 1.0;
      return static_cast<int>(std::lround(from + (stage.target - from) * f));
    }
    t -= stage.duration;
    from = stage.target;
  }
  return static_cast<int>(std::lround(from));
}

graph::Micros NextRampingChange(const graph::LoadProfile& load, graph::Micros t) {
  double from = load.vus;
  graph::Micros stage_start{0};
  for (const auto& stage : load.stages) {
    graph::Micros stage_end = stage_start + stage.duration;
    if (t < stage_end) {
      double to = stage.target;
      if (to != from) {
        int now = RampingTarget(load, t);
        double next = to > from ? now + 0.5 : now - 0.5;
        double f = (next - from) / (to - from);
        graph::Micros at = stage_start + graph::Micros(static_cast<int64_t>(std::ceil(
                                             f * static_cast<double>(stage.duration.count()))));
        if (at <= t) at = t + graph::Micros(1);
        if (at < stage_end) return at;
      }
      return stage_end;
    }
    stage_start = stage_end;
    from = stage.target;
  }
  return graph::Micros::max();
}

double ArrivalsUntil(const graph::LoadProfile& load, graph::Micros t) {
  double per_s = Seconds(load.rate_per);
  if (per_s <= 0) return 0;
  if (load.rate_stages.empty()) return load.rate / per_s * Seconds(t);
  double total = 0;
  double from = load.rate;
  for (const auto& stage : load.rate_stages) {
    double len = Seconds(stage.duration);
    double to = stage.target;
    double span = std::min(Seconds(t), len);
    if (span > 0 && len > 0) {
      // Area under a line from `from` to the value at `span` (a trapezoid).
      double at_span = from + (to - from) * span / len;
      total += (from + at_span) / 2 * span / per_s;
    }
    if (Seconds(t) <= len) return total;
    t -= stage.duration;
    from = to;
  }
  return total;
}

}  // namespace wsyaml::engine
