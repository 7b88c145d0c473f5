// Internal to the compiler: YAML values -> compact JSON templates; message matchers.
#pragma once

#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/graph.h"
#include "scenario/context.h"

namespace wsyaml::scenario {

/// Appends `value` as compact JSON (keys in source order) to `out`. String leaves are
/// templated: a hole inside a string is Escape::kJsonString between literal quotes; a leaf
/// that is exactly one `${...}` is Escape::kJsonValue without quotes. Unquoted YAML
/// numbers, booleans and null stay JSON numbers, booleans and null.
bool AppendJson(Context& ctx, const YAML::Node& value, const TemplateScope& scope,
                std::vector<graph::Segment>* out);

/// True when `text` is a JSON number (what an unquoted YAML number is written as).
bool IsJsonNumber(const std::string& text);

/// Compiles a `match:` mapping (text, contains, regex, json, binary).
bool CompileMatcher(Context& ctx, const YAML::Node& node, const TemplateScope& scope,
                    graph::Matcher* out);

/// Compiles `capture: {NAME: msg.path, ...}`.
bool CompileCaptures(Context& ctx, const YAML::Node& node, std::vector<graph::Capture>* out);

}  // namespace wsyaml::scenario
