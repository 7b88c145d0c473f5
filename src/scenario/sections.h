// Internal to the compiler: the top-level sections besides steps.
#pragma once

#include <yaml-cpp/yaml.h>

#include "graph/graph.h"
#include "scenario/context.h"

namespace wsyaml::scenario {

/// Compiles `load:` (vus, duration, iterations, stages, rate, max-vus, graceful-stop,
/// iteration-timeout).
bool CompileLoad(Context& ctx, const YAML::Node& node, graph::LoadProfile* out);

/// What a target may be, for messages.
inline constexpr const char* kTargetForms =
    "builtin:chat, builtin:echo, builtin:chaos, or a ws:// or wss:// URL";
/// True for a target of one of kTargetForms.
bool IsTarget(const std::string& target);

/// Checks CompileOptions::overrides (--vus 0, --duration 0s, ...); false after reporting.
bool CheckOverrides(Context& ctx);

/// Applies CompileOptions::overrides to one scenario's compiled load; `pos` is the
/// scenario's, for errors the combination makes (ramp-up not shorter than --duration).
void ApplyLoadOverrides(Context& ctx, graph::SourcePos pos, graph::LoadProfile* load);

/// Compiles a mapping of NAME: value (`vars`, `vu-vars`, a connect's `vars`) into `out`, in
/// order; each name becomes visible to the values after it. A name already in `other` (the
/// other kind of scenario vars) is an error: one name, one lifetime.
void CompileVars(Context& ctx, const YAML::Node& node, const std::string& what,
                 const std::vector<graph::VarInit>& other, std::vector<graph::VarInit>* out);

/// Compiles `data:` into ctx.plan.feeders, reading files relative to options.base_dir.
void CompileFeeders(Context& ctx, const YAML::Node& node);

/// Compiles `thresholds:` into ctx.plan.thresholds; run after the steps, so tag filters
/// can be checked against the names the steps define.
void CompileThresholds(Context& ctx, const YAML::Node& node);

}  // namespace wsyaml::scenario
