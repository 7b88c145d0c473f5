// Expressions and state end to end on the manual clock: typed vars, set into map elements,
// the type rule in JSON and text, and run-time type errors counted as ws_errors{kind:expression}.
#include <gtest/gtest.h>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

TEST(ExpressionRun, SetIntoAMapElementAndTheTypeRule) {
  ManualRun run = RunManual(R"(name: expr
target: builtin:echo
vars: {last: {}, seen: 0, price: abc}
steps:
  - connect: /
  - set: {"last['AAPL']": "${41}", seen: "${seen + 1}"}
  - set: {"last.AAPL": "${last['AAPL'] + 1}"}
  - send: {json: {n: "${last.AAPL}", s: "${seen * 10}", t: "${'x' + str(seen)}", ok: "${seen == 1 && len(keys(last)) == 1}"}}
  - expect: {match: {text: '{"n":42,"s":10,"t":"x1","ok":true}'}, within: 1s, name: rendered}
  - send: "${price > 0}"
  - send: "p=${1.5 * 2} q=${[1, 'a']} r=${10 / 4} m=${last}"
  - expect: {match: {text: 'p=3 q=[1,"a"] r=2.5 m={"AAPL":42}'}, within: 1s, name: text-rule}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Passes("rendered"), 1u) << run.LastFailure("rendered");
  EXPECT_EQ(run.Passes("text-rule"), 1u) << run.LastFailure("text-rule");
  EXPECT_EQ(run.Errors("expression"), 1u) << run.DescribeErrors();
  EXPECT_EQ(run.server.frames_in, 2);
}

TEST(ExpressionRun, PerSymbolSequenceStateFromMessages) {
  // Each echoed update stores its seq per symbol; a gap is detected with an expression.
  ManualRun run = RunManual(R"(name: seq
target: builtin:echo
vars: {last: {}, gaps: 0}
steps:
  - connect: /
  - on-message:
      match: {json: {type: u}}
      do:
        - set: {gaps: "${has(last[msg.symbol]) && msg.seq != last[msg.symbol] + 1 ? gaps + 1 : gaps}"}
        - set: {"last[msg.symbol]": "${msg.seq}"}
  - send: {json: {type: u, symbol: A, seq: 1}}
  - send: {json: {type: u, symbol: B, seq: 7}}
  - send: {json: {type: u, symbol: A, seq: 2}}
  - send: {json: {type: u, symbol: A, seq: 4}}
  - sleep: 100ms
  - send: "gaps=${gaps} last=${toJson(last)}"
  - expect: {match: {text: 'gaps=1 last={"A":4,"B":7}'}, within: 1s, name: gaps}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Passes("gaps"), 1u) << run.LastFailure("gaps");
}

}  // namespace
}  // namespace wsyaml::engine::testing
