// The shape of a load profile over time: pure functions the coordinator follows, kept apart
// so they are tested without threads or sockets.
#pragma once

#include "graph/graph.h"

namespace wsyaml::engine {

/// How long a scenario starts iterations: its duration, or the sum of its stages.
graph::Micros ScenarioDuration(const graph::LoadProfile& load);

/// VUs a scenario allocates: vus, the highest stage target, or max-vus for arrival rates.
int MaxVus(const graph::LoadProfile& load);

/// Ramping VUs: how many VUs should be active at `t`, interpolating linearly from `vus`
/// through each stage's target (rounded to the nearest VU).
int RampingTarget(const graph::LoadProfile& load, graph::Micros t);

/// Ramping VUs: the first time after `t` at which RampingTarget may change (the moment the
/// interpolated target crosses the next half VU, or a stage boundary), or Micros::max() when
/// it never changes again. The coordinator sleeps until then.
graph::Micros NextRampingChange(const graph::LoadProfile& load, graph::Micros t);

/// Arrival rate: the number of iterations that should have started by `t` (fractional),
/// the integral of the rate (constant, or ramping linearly through rate stages).
double ArrivalsUntil(const graph::LoadProfile& load, graph::Micros t);

}  // namespace wsyaml::engine
