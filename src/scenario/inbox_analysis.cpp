// Which connections keep an inbox. A fiber (the main steps, or a connection's program) runs
// its expects on its current connection, which a connect without steps replaces. Scanning a
// step list backwards, "may an expect run after this point on the current connection" is
// known at each connect. The answer may be "yes" for an expect that in fact never runs (a
// repeat that runs zero rounds): then an inbox is kept for nothing, never missing.
#include "scenario/inbox_analysis.h"

#include <variant>

namespace wsyaml::scenario {

namespace {

bool Scan(graph::StepList& steps, bool expect_after);

// One step seen from behind: whether an expect may run on the current connection before it,
// given whether one may run after it.
struct StepScan {
  bool after;

  bool operator()(graph::Expect&) const { return true; }
  bool operator()(graph::Connect& c) const {
    if (c.has_steps) {
      // Its program is a fiber of its own, starting on this connection.
      c.keeps_inbox = Scan(c.steps, false);
      return after;
    }
    c.keeps_inbox = after;
    return false;  // the steps before it ran on the connection it replaces
  }
  bool operator()(graph::Repeat& r) const {
    // The end of the body is followed by its start again: two passes reach the fixed point.
    bool start = Scan(r.body, after);
    start = Scan(r.body, after || start);
    return after || start;  // zero rounds are possible (`for`)
  }
  // Handler and timer bodies run to completion (no expect) but may open connections.
  bool operator()(graph::OnMessage& h) const { return Body(h.body); }
  bool operator()(graph::OnEvent& h) const { return Body(h.body); }
  bool operator()(graph::Every& e) const { return Body(e.body); }
  bool operator()(graph::After& a) const { return Body(a.body); }
  template <typename Other>
  bool operator()(Other&) const {
    return after;
  }

  bool Body(graph::StepList& body) const {
    Scan(body, false);
    return after;
  }
};

bool Scan(graph::StepList& steps, bool expect_after) {
  for (auto it = steps.rbegin(); it != steps.rend(); ++it)
    expect_after = std::visit(StepScan{expect_after}, it->action);
  return expect_after;
}

}  // namespace

void MarkInboxes(graph::StepList* steps) { Scan(*steps, false); }

}  // namespace wsyaml::scenario
