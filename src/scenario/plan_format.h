// Renders a compiled plan for `wsyaml plan`: indented text, or Graphviz dot.
// Pure functions; safe to call from any thread.
#pragma once

#include <string>

#include "graph/graph.h"

namespace wsyaml::scenario {

/// The event graph of `plan` as indented text (`dot` false) or as a Graphviz digraph.
std::string FormatPlan(const graph::TestPlan& plan, bool dot);

/// A template written back in scenario syntax: `Croc ${vu}:${conn}`.
std::string TemplateSource(const graph::Template& t, const graph::TestPlan& plan);

/// A load profile in words, as `plan` shows it: "10 VUs for 30s, graceful stop 30s".
std::string FormatLoad(const graph::LoadProfile& load);

/// A duration in the scenario syntax: `1m30s`, `250ms`.
std::string FormatDuration(graph::Micros d);

}  // namespace wsyaml::scenario
