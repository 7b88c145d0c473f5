// Internal to the compiler: typed values of vars and set, and set's element targets.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "scenario/context.h"
#include "scenario/expr_parser.h"

namespace wsyaml::scenario {

/// Reads a vars or set value: a plain number (as it renders) becomes a number, a list or map
/// a literal (leaves: numbers, true/false, null, text, or one whole `${expr}`), anything else
/// a template. False after reporting.
bool ReadValue(Context& ctx, const YAML::Node& node, const std::string& what,
               const TemplateScope& scope, graph::Template* out);

/// Reads a set key with `[expr]` or `.name` after the variable (`last[msg.symbol]`).
bool ReadSetTarget(Context& ctx, const YAML::Node& key, const TemplateScope& scope,
                   graph::SetTarget* out);

}  // namespace wsyaml::scenario
