// The examples of ../shared/SCENARIO.md section 9 ("Logic without code"), pasted as written
// (indentation aside) into one scenario and run on the manual clock against the echo server:
// the issue is done only when the contract's examples run as written.
#include <gtest/gtest.h>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

TEST(ContractExamples, SectionNineRunsAsWritten) {
  ManualRun run = RunManual(R"(name: contract-section-9
target: builtin:echo
load: {vus: 2, iterations: 1}
vars: {last: {}, seen: 0}
steps:
  - connect: /
  - on-message:
      match: {json: {type: trade}, where: "${msg.price > 0 && has(msg.id)}"}
      do:
        - if:
            condition: ${msg.seq != last[msg.symbol] + 1}
            then:
              - fail: "gap on ${msg.symbol}: ${last[msg.symbol]} -> ${msg.seq}"
            else:
              - log: in order
        - check:
            name: balance-positive
            that: ${msg.balance >= 0}
            message: "balance went negative: ${msg.balance}"     # shown on failure
        - set: {"last[msg.symbol]": "${msg.seq}", seen: "${seen + 1}"}
  - send: {json: {type: trade, id: 1, symbol: A, seq: 1, price: 5, balance: 10}}
  - send: {json: {type: trade, id: 2, symbol: A, seq: 2, price: 5, balance: 3}}
  - send: {json: {type: trade, id: 3, symbol: A, seq: 4, price: 5, balance: -1}}
  - send: {json: {type: trade, id: 4, symbol: A, seq: 5, price: 0, balance: -9}}
  - send: {json: {type: trade, symbol: A, seq: 5, price: 7, balance: -9}}
  - send: {json: {type: quote, id: 5, symbol: A, seq: 5, price: 7, balance: -9}}
  - sleep: 100ms
  - send: "seen=${seen} last=${last}"
  - expect: {match: {text: 'seen=3 last={"A":4}'}, within: 1s, name: state}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  // Per VU: `where` keeps trades 1-3 (price 0 and a missing id are not matches, a quote is not
  // a trade). Trade 1 meets an empty `last`: null + 1 is a run-time type error, so neither
  // branch runs and it is counted; trade 2 is in order; trade 3 is a gap (2 -> 4).
  EXPECT_EQ(run.Fails("fail at line 13"), 2u);
  EXPECT_EQ(run.LastFailure("fail at line 13"), "gap on A: 2 -> 4");
  EXPECT_EQ(run.Errors("expression"), 2u) << run.DescribeErrors();
  EXPECT_EQ(run.Passes("balance-positive"), 4u);
  EXPECT_EQ(run.Fails("balance-positive"), 2u);
  EXPECT_EQ(run.LastFailure("balance-positive"), "balance went negative: -1");
  EXPECT_EQ(run.Passes("state"), 2u) << run.LastFailure("state");
}

}  // namespace
}  // namespace wsyaml::engine::testing
