// Which connections keep an inbox, and for which matchers. A fiber (the main steps, or a
// connection's program) runs its expects on its current connection, which a connect without
// steps replaces. Scanning a step list backwards, the expects that may run after each point
// on the current connection are known at each connect. The set may hold an expect that in
// fact never runs (a repeat that runs zero rounds): then a message is kept for nothing, never
// missed.
#include "scenario/inbox_analysis.h"

#include <algorithm>
#include <variant>

namespace wsyaml::scenario {

namespace {

using Matchers = std::vector<const graph::Matcher*>;

void Add(Matchers* to, const Matchers& from) {
  for (const graph::Matcher* m : from)
    if (std::find(to->begin(), to->end(), m) == to->end()) to->push_back(m);
}

void SetInbox(graph::Connect& c, const Matchers& matchers) {
  c.keeps_inbox = !matchers.empty();
  c.inbox_matchers.clear();
  for (const graph::Matcher* m : matchers) c.inbox_matchers.push_back(*m);
}

Matchers Scan(graph::StepList& steps, Matchers after);

// One step seen from behind: the expects that may run on the current connection from before
// it, given those that may run after it.
struct StepScan {
  Matchers after;

  Matchers operator()(graph::Expect& e) const {
    Matchers out = after;
    Add(&out, {&e.match});
    return out;
  }
  Matchers operator()(graph::Connect& c) const {
    if (c.has_steps) {
      // Its program is a fiber of its own, starting on this connection.
      SetInbox(c, Scan(c.steps, {}));
      return after;
    }
    SetInbox(c, after);
    return {};  // the steps before it ran on the connection it replaces
  }
  Matchers operator()(graph::Repeat& r) const {
    // The end of the body is followed by its start again: two passes reach the fixed point.
    Matchers start = Scan(r.body, after);
    Add(&start, after);
    start = Scan(r.body, start);
    Add(&start, after);  // zero rounds are possible (`for`)
    return start;
  }
  // Handler and timer bodies run to completion (no expect) but may open connections.
  Matchers operator()(graph::OnMessage& h) const { return Body(h.body); }
  Matchers operator()(graph::OnEvent& h) const { return Body(h.body); }
  Matchers operator()(graph::Every& e) const { return Body(e.body); }
  Matchers operator()(graph::After& a) const { return Body(a.body); }
  template <typename Other>
  Matchers operator()(Other&) const {
    return after;
  }

  Matchers Body(graph::StepList& body) const {
    Scan(body, {});
    return after;
  }
};

Matchers Scan(graph::StepList& steps, Matchers after) {
  for (auto it = steps.rbegin(); it != steps.rend(); ++it)
    after = std::visit(StepScan{after}, it->action);
  return after;
}

}  // namespace

void MarkInboxes(graph::StepList* steps) { Scan(*steps, {}); }

}  // namespace wsyaml::scenario
