// The expression grammar: precedence (shown by the parenthesized plan form), literals, the
// old forms keeping their reading, and compile-time errors at their line:column.
#include "compile_helpers.h"

#include "scenario/expr_functions.h"

namespace wsyaml::scenario::testing {
namespace {

#define H "target: builtin:echo\nvars: {n: 5, last: {}, s: abc}\nsteps:\n  - connect: /\n"

// The single hole of `- log: "<expr>"` as compiled.
std::string Hole(const std::string& expr) {
  graph::TestPlan plan = MustCompile(H "  - log: \"" + expr + "\"\n");
  const auto& steps = Steps(plan);
  if (steps.size() < 2) return "?";
  return Render(std::get<graph::Log>(steps[1].action).text);
}

TEST(Expressions, PrecedenceLowestFirst) {
  struct Case {
    const char* expr;
    const char* compiled;
  } cases[] = {
      {"${n + 2 * 3}", "{expr:var0 + (2 * 3)}"},
      {"${(n + 2) * 3}", "{expr:(var0 + 2) * 3}"},
      {"${n > 1 && n < 9 || false}", "{expr:((var0 > 1) && (var0 < 9)) || false}"},
      {"${n == 5 ? 'a' : 'b'}", "{expr:(var0 == 5) ? \"a\" : \"b\"}"},
      {"${last.x ?? n - 1}", "{expr:var1.x ?? (var0 - 1)}"},
      {"${!has(last.x)}", "{expr:!has(var1.x)}"},
      {"${-n % 4}", "{expr:-var0 % 4}"},
      {"${'a' in [s, 'b']}", "{expr:\"a\" in [var2, \"b\"]}"},
      {"${{k: n}}", "{expr:{\"k\": var0}}"},
      {"${last[s]}", "{expr:var1[var2]}"},
      {"${n}", "{var:0}"},
      {"${vu}", "{vu}"},
      {"${randomItem(red, green)}", "{randomItem(red,green)}"},
      {"${len(s) >= 3}", "{expr:len(var2) >= 3}"},
  };
  for (const auto& c : cases) EXPECT_EQ(Hole(c.expr), std::string(c.compiled)) << c.expr;
}

struct BadExpr {
  const char* log;
  int column;
  const char* fragment;
};

TEST(Expressions, CompileErrorsAtTheirPosition) {
  const BadExpr cases[] = {
      {"${nn + 1}", 13, "did you mean 'n'"},
      {"${n + lenn(s)}", 17, "unknown function 'lenn'"},
      {"${len(s, s)}", 11, "takes 1 argument, got 2"},
      {"${'a' * 2}", 17, "needs numbers, got text and number"},
      {"${!'x'}", 13, "'!' needs bool, got text"},
      {"${1 < 'a'}", 15, "two numbers or two texts"},
      {"${matches(s, '(')}", 11, "bad regex"},
      {"${n +}", 16, "expected a value"},
      {"${(n}", 15, "expected ')'"},
      {"${n > 1 ? 2}", 22, "expected ':'"},
      {"${upper(5)}", 11, "takes text, got number"},
  };
  for (const auto& c : cases) {
    CompileResult r = CompileText(H "  - log: \"" + std::string(c.log) + "\"\n");
    ASSERT_FALSE(r.ok()) << c.log;
    ASSERT_FALSE(r.diagnostics.empty()) << c.log;
    const Diagnostic& d = r.diagnostics[0];
    EXPECT_EQ(d.line, 5) << c.log << "\n" << AllDiagnostics(r);
    EXPECT_EQ(d.column, c.column) << c.log << "\n" << AllDiagnostics(r);
    EXPECT_NE((d.message + d.hint).find(c.fragment), std::string::npos) << c.log << "\n"
                                                                        << AllDiagnostics(r);
  }
}

TEST(Expressions, SetTargetsAndTypedVars) {
  graph::TestPlan plan =
      MustCompile(H "  - set: {\"last[s]\": \"${n + 1}\", \"last.a.b\": 2, n: \"${n * 2}\"}\n");
  const auto& set = std::get<graph::Set>(Steps(plan)[1].action);
  ASSERT_EQ(set.targets.size(), 3u);
  EXPECT_EQ(set.targets[0].keys.size(), 1u);
  EXPECT_EQ(set.targets[1].keys.size(), 2u);
  EXPECT_EQ(set.targets[1].keys[0].text, "a");
  EXPECT_TRUE(set.targets[2].keys.empty());
  EXPECT_EQ(Render(plan.scenarios[0].vars[0].value), "{expr:5}");
  CompileResult bad = CompileText(H "  - set: {\"s[0].x[n]\": 1, \"'a'[0]\": 2}\n");
  ASSERT_EQ(bad.diagnostics.size(), 1u) << AllDiagnostics(bad);
  EXPECT_NE(bad.diagnostics[0].message.find("a variable or an element"), std::string::npos);
}

}  // namespace
}  // namespace wsyaml::scenario::testing
