// if, check, matcher where, repeat while and the scopes of state (per connection, per
// iteration, per VU) on the manual clock against the echo server.
#include <gtest/gtest.h>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using metrics::MetricId;

TEST(LogicRun, IfTakesThenOrElseAndAWrongTypeTakesNeither) {
  // Echoed updates 1, 2, 5, "x": 1 and 2 in order, 5 a gap, "x" a text (neither branch).
  ManualRun run = RunManual(R"(name: if
target: builtin:echo
vars: {last: 0, ok: 0, gaps: 0}
steps:
  - connect: /
  - on-message:
      match: {json: {t: u}}
      do:
        - if:
            condition: ${msg.seq - last == 1}
            then: [{set: {ok: "${ok + 1}"}}]
            else: [{set: {gaps: "${gaps + 1}"}}]
        - set: {last: "${msg.seq}"}
  - send: {json: {t: u, seq: 1}}
  - send: {json: {t: u, seq: 2}}
  - send: {json: {t: u, seq: 5}}
  - send: {json: {t: u, seq: x}}
  - sleep: 100ms
  - if:
      condition: ${gaps > 0}
      then:
        - send: "ok=${ok} gaps=${gaps}"
        - expect: {match: {text: "ok=2 gaps=1"}, within: 1s, name: counted}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Passes("counted"), 1u) << run.LastFailure("counted");
  EXPECT_EQ(run.Errors("expression"), 1u) << run.DescribeErrors();
  EXPECT_NE(run.DescribeErrors().find("if: line 10, column"), std::string::npos)
      << run.DescribeErrors();
}

TEST(LogicRun, CheckCountsPassesAndFailuresLikeEveryCheck) {
  ManualRun run = RunManual(R"(name: check
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /
  - on-message:
      match: {json: {}}
      do:
        - check:
            name: balance-positive
            that: ${msg.balance >= 0}
            message: "balance went negative: ${msg.balance}"
        - check: {name: no-message, that: "${has(msg.balance) || true}"}
  - send: {json: {balance: 5}}
  - send: {json: {balance: -3}}
  - send: {json: {balance: "lots"}}
  - send: {json: {balance: 0}}
  - sleep: 100ms
  - close
thresholds:
  checks{name:balance-positive}: ["rate == 0.5"]
)");
  ASSERT_EQ(run.diagnostics, "");
  // Per VU: 5 and 0 pass, -3 fails, a text fails (never a silent pass).
  EXPECT_EQ(run.Passes("balance-positive"), 4u);
  EXPECT_EQ(run.Fails("balance-positive"), 4u);
  EXPECT_EQ(run.Passes("no-message"), 8u);
  std::string last = run.LastFailure("balance-positive");
  EXPECT_TRUE(last == "balance went negative: -3" ||
              last.find("${msg.balance >= 0}: line 11, column") != std::string::npos)
      << last;
  ASSERT_EQ(run.thresholds.size(), 1u);
  EXPECT_TRUE(run.thresholds[0].passed) << run.thresholds[0].observed;
  EXPECT_EQ(run.Errors("expression"), 0u) << run.DescribeErrors();
}

TEST(LogicRun, ATypeErrorInACheckFailsItWithThePositionAndTheValue) {
  ManualRun run = RunManual(R"(name: check-error
target: builtin:echo
steps:
  - connect: /
  - send: {json: {balance: "lots"}}
  - expect: {match: {json: {}}, within: 1s, capture: {b: msg.balance}}
  - check: {name: typed, that: "${b >= 0}"}
  - check: {name: default-message, that: "${b == 'none'}"}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Fails("typed"), 1u);
  EXPECT_NE(run.LastFailure("typed").find("line 7, column"), std::string::npos)
      << run.LastFailure("typed");
  EXPECT_NE(run.LastFailure("typed").find("\"lots\""), std::string::npos)
      << run.LastFailure("typed");
  EXPECT_EQ(run.LastFailure("default-message"), "${b == 'none'} is false");
}

TEST(LogicRun, WhereMatchesOnlyWhenTrueAndAnErrorIsNoMatch) {
  ManualRun run = RunManual(R"(name: where
target: builtin:echo
vars: {big: 0}
steps:
  - connect: /
  - on-message:
      match: {json: {t: p}, where: "${msg.price > 100 && has(msg.id)}"}
      do: [{set: {big: "${big + 1}"}}]
  - send: {json: {t: p, price: 150, id: 1}}
  - send: {json: {t: p, price: 50, id: 2}}
  - send: {json: {t: p, price: 500}}
  - send: {json: {t: p, price: "high", id: 3}}
  - expect: {match: {json: {t: p}, where: "${msg.price < 100}"}, within: 1s, name: cheap}
  - send:
      json: {op: add, a: 2, b: 3, sum: 5}
      reply: {match: {json: {op: add}, where: "${msg.sum == sent.a + sent.b}"}, within: 1s, name: sum}
  - sleep: 100ms
  - send: "big=${big}"
  - expect: {match: {text: "big=1"}, within: 1s, name: big}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Passes("cheap"), 1u) << run.LastFailure("cheap");
  EXPECT_EQ(run.Passes("sum"), 1u) << run.LastFailure("sum");
  EXPECT_EQ(run.Passes("big"), 1u) << run.LastFailure("big");
  // "high" > 100 fails in the handler's where (the expect had already taken 50).
  EXPECT_EQ(run.Errors("expression"), 1u) << run.DescribeErrors();
  EXPECT_NE(run.DescribeErrors().find("where: line 7"), std::string::npos) << run.DescribeErrors();
}

TEST(LogicRun, RepeatWhileIsCheckedBeforeEachRound) {
  ManualRun run = RunManual(R"(name: while
target: builtin:echo
vars: {n: 0, never: 0, timed: 0}
steps:
  - connect: /
  - repeat:
      times: 100
      while: ${n < 7}
      do: [{set: {n: "${n + 1}"}}]
  - repeat: {times: 5, while: "${false}", do: [{set: {never: 1}}]}
  - repeat:
      for: 10s
      while: ${timed < 3}
      do: [{set: {timed: "${timed + 1}"}}, {sleep: 100ms}]
  - send: "n=${n} never=${never} timed=${timed}"
  - expect: {match: {text: "n=7 never=0 timed=3"}, within: 1s, name: rounds}
  - close
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Passes("rounds"), 1u) << run.LastFailure("rounds");
  EXPECT_LT(run.duration.count(), 1000);  // the for-repeat ended at its while, not at 10s
}

TEST(LogicRun, StatePerConnectionPerIterationAndPerVu) {
  // Two VUs x 3 iterations; each iteration opens two connections with their own `n` and
  // `seen`; `total` is the iteration's (reset each iteration, shared by its connections);
  // `runs` is the VU's (kept across iterations).
  ManualRun run = RunManual(R"(name: scopes
target: builtin:echo
load: {vus: 2, iterations: 3}
vu-vars: {runs: 0}
vars: {n: 100, total: 0}
steps:
  - set: {runs: "${runs + 1}"}
  - connect:
      url: /
      count: 2
      vars: {n: "${conn * 10}", seen: 0}
      steps:
        - on-message:
            match: {json: {t: u}}
            do: [{set: {seen: "${seen + 1}", n: "${n + 1}", total: "${total + 1}"}}]
        - send: {json: {t: u}}
        - send: {json: {t: u}}
        - send: {json: {t: u}}
        - sleep: 100ms
        - send: "c${conn} n=${n} seen=${seen}"
        - expect: {match: {text: "c${conn} n=${conn * 10 + 3} seen=3"}, within: 1s, name: per-conn}
        - close
  - wait: all
  - check: {name: per-iteration, that: "${n == 100 && total == 6}", message: "n=${n} total=${total}"}
  - check: {name: per-vu, that: "${runs == iter + 1}", message: "runs=${runs} iter=${iter}"}
)");
  ASSERT_EQ(run.diagnostics, "");
  EXPECT_EQ(run.Passes("per-conn"), 12u) << run.LastFailure("per-conn");
  EXPECT_EQ(run.Passes("per-iteration"), 6u) << run.LastFailure("per-iteration");
  EXPECT_EQ(run.Passes("per-vu"), 6u) << run.LastFailure("per-vu");
  EXPECT_EQ(run.Errors("expression"), 0u) << run.DescribeErrors();
}

}  // namespace
}  // namespace wsyaml::engine::testing
