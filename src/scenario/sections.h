// Internal to the compiler: the top-level sections besides steps.
#pragma once

#include <yaml-cpp/yaml.h>

#include "graph/graph.h"
#include "scenario/context.h"

namespace wsyaml::scenario {

/// Compiles `load:` (vus, duration, iterations, stages, rate, max-vus, graceful-stop,
/// iteration-timeout).
bool CompileLoad(Context& ctx, const YAML::Node& node, graph::LoadProfile* out);

/// Compiles `data:` into ctx.plan.feeders, reading files relative to options.base_dir.
void CompileFeeders(Context& ctx, const YAML::Node& node);

/// Compiles `thresholds:` into ctx.plan.thresholds; run after the steps, so tag filters
/// can be checked against the names the steps define.
void CompileThresholds(Context& ctx, const YAML::Node& node);

}  // namespace wsyaml::scenario
