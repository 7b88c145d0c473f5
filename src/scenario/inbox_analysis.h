// Internal to the compiler: which connections keep an inbox for `expect`.
#pragma once

#include "graph/graph.h"

namespace wsyaml::scenario {

/// Sets Connect::keeps_inbox and inbox_matchers on every connect of `steps` (a scenario's
/// steps) on whose connections an `expect` may run: one in its own program, or in the steps
/// that follow a connect without steps (they run on its connection until the next such
/// connect).
void MarkInboxes(graph::StepList* steps);

}  // namespace wsyaml::scenario
