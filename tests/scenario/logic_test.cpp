// if, check, where, while, connect vars and vu-vars as compiled: the graph they give, their
// plan lines, and every error they add at its line:column.
#include "compile_helpers.h"

#include "scenario/plan_format.h"

namespace wsyaml::scenario::testing {
namespace {

#define H "target: builtin:echo\nvars: {n: 5, last: {}}\nsteps:\n  - connect: /\n"

TEST(Logic, IfAndCheckCompileToTheirSteps) {
  graph::TestPlan plan = MustCompile(H R"(  - if:
      condition: ${n > 1}
      then: [{log: big}, {sleep: 1s}]
      else: [{log: small}]
  - check: {name: positive, that: "${n >= 0}", message: "n=${n}"}
  - check: {that: "${has(last.a)}"}
)");
  const auto& steps = Steps(plan);
  ASSERT_EQ(steps.size(), 4u);
  const auto& branch = std::get<graph::If>(steps[1].action);
  EXPECT_EQ(branch.then.size(), 2u);
  EXPECT_EQ(branch.else_.size(), 1u);
  EXPECT_EQ(branch.condition.type, graph::ValueType::kBool);
  const auto& check = std::get<graph::Check>(steps[2].action);
  EXPECT_EQ(check.name, "positive");
  EXPECT_EQ(check.source, "${n >= 0}");
  EXPECT_EQ(Render(check.message), "n={var:0}");
  EXPECT_EQ(std::get<graph::Check>(steps[3].action).name, "check at line 10");
  std::string text = FormatPlan(plan, false);
  EXPECT_NE(text.find("if ${n > 1}"), std::string::npos) << text;
  EXPECT_NE(text.find("then:"), std::string::npos) << text;
  EXPECT_NE(text.find("else:"), std::string::npos) << text;
  EXPECT_NE(text.find("check 'positive' ${n >= 0} message \"n=${n}\""), std::string::npos) << text;
}

TEST(Logic, WhereWhileAndScopesCompile) {
  graph::TestPlan plan = MustCompile(R"(target: builtin:echo
vu-vars: {token: abc, runs: 0}
vars: {n: 5}
steps:
  - connect:
      url: /
      count: 3
      vars: {seen: 0, n: "${conn}"}
      steps:
        - expect: {match: {json: {t: u}, where: "${msg.seq > seen}"}, within: 1s}
        - repeat: {times: 10, while: "${seen < 3}", do: [{set: {seen: "${seen + 1}"}}]}
)");
  const auto& scenario = plan.scenarios.at(0);
  ASSERT_EQ(scenario.vu_vars.size(), 2u);
  EXPECT_EQ(plan.var_names[scenario.vu_vars[0].slot], "token");
  const auto& connect = std::get<graph::Connect>(scenario.steps.at(0).action);
  ASSERT_EQ(connect.vars.size(), 2u);
  EXPECT_EQ(plan.var_names[connect.vars[1].slot], "n");  // shadows the iteration's n
  EXPECT_EQ(connect.vars[1].slot, scenario.vars.at(0).slot);
  const auto& expect = std::get<graph::Expect>(connect.steps.at(0).action);
  ASSERT_TRUE(expect.match.where);
  const auto& repeat = std::get<graph::Repeat>(connect.steps.at(1).action);
  ASSERT_TRUE(repeat.while_);
  std::string text = FormatPlan(plan, false);
  EXPECT_NE(text.find("vu-var token = \"abc\""), std::string::npos) << text;
  EXPECT_NE(text.find("var seen=\"${0}\" var n=\"${conn}\""), std::string::npos) << text;
  EXPECT_NE(text.find("where ${msg.seq > seen}"), std::string::npos) << text;
  EXPECT_NE(text.find("repeat x10 while ${seen < 3}"), std::string::npos) << text;
}

struct BadLogic {
  const char* steps;  ///< after H: line 5 is the first
  int line;
  int column;
  const char* fragment;
};

TEST(Logic, EveryNewErrorAtItsPosition) {
  const BadLogic cases[] = {
      {"  - if: {then: [close]}\n", 5, 5, "if needs a condition"},
      {"  - if: {condition: \"${n > 1}\"}\n", 5, 5, "if needs then"},
      {"  - if: {condition: n > 1, then: [close]}\n", 5, 21, "one ${expr} that is true or false"},
      {"  - if: {condition: \"${1 + n * 2}\", then: [close]}\n", 5, 24,
       "must be a bool, this is number"},
      {"  - if: {condition: \"${n > 1}\", then: [close], els: []}\n", 5, 48, "els"},
      {"  - on-message:\n      do:\n        - if: {condition: \"${msg.a}\", then: [{sleep: 1s}]}\n",
       7, 47, "'sleep' waits, so it cannot be used inside an on-message handler"},
      {"  - if: {condition: \"${msg.a == 1}\", then: [close]}\n", 5, 24, "msg"},
      {"  - check: {name: c}\n", 5, 5, "check needs that"},
      {"  - check: {that: \"${'a' + 'b'}\"}\n", 5, 22, "must be a bool, this is text"},
      {"  - check: {that: \"${n > 0}\", mesage: x}\n", 5, 31, "mesage"},
      {"  - expect: {match: {where: \"${len(last)}\"}}\n", 5, 32, "must be a bool"},
      {"  - expect: {match: {where: \"${msg.a +}\"}}\n", 5, 39, "expected a value"},
      {"  - repeat: {while: \"${n > 0}\", do: [close]}\n", 5, 5, "needs a bound: times or for"},
      {"  - repeat: {times: 3, while: \"${2}\", do: [close]}\n", 5, 34,
       "must be a bool, this is number"},
      {"  - connect: {url: /, vars: [a, b]}\n", 5, 29, "vars must be a mapping"},
      {"  - connect: {url: /, vars: {x: \"${nn}\"}}\n", 5, 34, "did you mean 'n'"},
  };
  for (const auto& c : cases) {
    CompileResult r = CompileText(H + std::string(c.steps));
    ASSERT_FALSE(r.ok()) << c.steps;
    ASSERT_FALSE(r.diagnostics.empty()) << c.steps;
    const Diagnostic& d = r.diagnostics[0];
    EXPECT_EQ(d.line, c.line) << c.steps << "\n" << AllDiagnostics(r);
    EXPECT_EQ(d.column, c.column) << c.steps << "\n" << AllDiagnostics(r);
    EXPECT_NE((d.message + " " + d.hint).find(c.fragment), std::string::npos) << c.steps << "\n"
                                                                              << AllDiagnostics(r);
  }
}

TEST(Logic, ANameIsEitherAVuVarOrAVar) {
  CompileResult r = CompileText(R"(target: builtin:echo
vu-vars: {token: abc}
vars: {n: 1, token: x}
steps: [{log: "${token}"}]
)");
  ASSERT_FALSE(r.ok());
  const Diagnostic& d = r.diagnostics.at(0);
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.column, 14);
  EXPECT_NE(d.message.find("'token' is both in vars and in vu-vars"), std::string::npos)
      << AllDiagnostics(r);
  CompileResult scenarios = CompileText(R"(target: builtin:echo
vu-vars: {token: abc}
scenarios:
  a: {vu-vars: {count: 0}, vars: {n: "${token}"}, steps: [{log: "${count} ${n}"}]}
  b: {vars: {count: 1}, steps: [{log: "${count}"}]}
)");
  EXPECT_TRUE(scenarios.ok()) << AllDiagnostics(scenarios);
}

}  // namespace
}  // namespace wsyaml::scenario::testing
