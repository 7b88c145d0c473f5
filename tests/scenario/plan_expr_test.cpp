// `wsyaml plan` output for expressions: each `${...}` printed back as source, with operators
// nested in parentheses, literals as JSON, names resolved to variables, feeders and paths.
#include "compile_helpers.h"
#include "scenario/plan_format.h"

namespace wsyaml::scenario::testing {
namespace {

constexpr const char* kScenario = R"(name: exprs
target: builtin:echo
vars: {last: {}, seen: 0, names: [a, b]}
steps:
  - connect: /
  - set: {seen: "${(seen + 1) * 2 - -1}"}
  - on-message:
      do:
        - set: {"last[msg.symbol]": "${msg.seq}", "last.n[0]": "${1}"}
        - log: "gap ${msg.seq != last[msg.symbol] + 1 ? 'yes' : 'no'} ${-msg.n ?? 0}"
        - send: {json: {ok: "${!(msg.a && msg.b) || 'x' in names}", n: "${len(msg.list) % 3}"}}
        - log: "${upper(trim(msg.name)) + str(max(1, 2.5, -3))} ${{k: [1, null, true]}.k[0]}"
)";

TEST(PlanExprTest, ExpressionsPrintBackAsSource) {
  auto plan = MustCompile(kScenario);
  plan.source_file = "exprs.yaml";
  EXPECT_EQ(FormatPlan(plan, false),
            "plan exprs from exprs.yaml\n"
            "target builtin:echo\n"
            "scenario default: 1 VUs x 1 iterations, graceful stop 30s\n"
            "  var last = \"${{}}\"\n"
            "  var seen = \"${0}\"\n"
            "  var names = \"${[\"a\", \"b\"]}\"\n"
            "  5:5  connect / (waits until open)\n"
            "  6:5  set seen=\"${((seen + 1) * 2) - -1}\"\n"
            "  7:5  on-message any message\n"
            "      9:11  set last[msg.symbol]=\"${msg.seq}\" last[\"n\"][0]=\"${1}\"\n"
            "      10:11  log info \"gap ${(msg.seq != (last[msg.symbol] + 1)) ? \"yes\" : "
            "\"no\"} ${-msg.n ?? 0}\"\n"
            "      11:11  send json {\"ok\":${!(msg.a && msg.b) || (\"x\" in names)},"
            "\"n\":${len(msg.list) % 3}}\n"
            "      12:11  log info \"${upper(trim(msg.name)) + str(max(1, 2.5, -3))} "
            "${{\"k\": [1, null, true]}.k[0]}\"\n");
}

TEST(PlanExprTest, PrintedExpressionsCompileToTheSameText) {
  // What plan prints is valid source: compiled again, it prints the same.
  auto plan = MustCompile(kScenario);
  std::string once = FormatPlan(plan, false);
  for (const char* expr :
       {"((seen + 1) * 2) - -1", "(msg.seq != (last[msg.symbol] + 1)) ? \"yes\" : \"no\"",
        "!(msg.a && msg.b) || (\"x\" in names)", "{\"k\": [1, null, true]}.k[0]"}) {
    EXPECT_NE(once.find(expr), std::string::npos) << expr;
    std::string yaml = std::string(kScenario) + "        - log: '${" + expr + "}'\n";
    std::string twice = FormatPlan(MustCompile(yaml), false);
    EXPECT_NE(twice.find(std::string("log info \"${") + expr + "}\""), std::string::npos) << twice;
  }
}

}  // namespace
}  // namespace wsyaml::scenario::testing
