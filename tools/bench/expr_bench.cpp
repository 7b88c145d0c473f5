// Micro benchmark: the cost of evaluating one compiled expression against a parsed message,
// e.g. `msg.seq != last[msg.symbol] + 1`. Prints ns per evaluation.
#include <chrono>
#include <cstdio>
#include <string>

#include "engine/expr_eval.h"
#include "scenario/compiler.h"

using namespace wsyaml;

int main(int argc, char** argv) {
  std::string expr = argc > 1 ? argv[1] : "msg.seq != last[msg.symbol] + 1";
  std::string yaml =
      "target: builtin:echo\nvars: {last: {}}\nsteps:\n  - connect: /\n"
      "  - on-message:\n      do:\n        - log: \"${" +
      expr + "}\"\n";
  scenario::CompileOptions options;
  options.file_name = "bench.yaml";
  scenario::CompileResult r = scenario::Compile(yaml, options);
  if (!r.ok()) {
    for (const auto& d : r.diagnostics) std::fprintf(stderr, "%s", d.Format().c_str());
    return 1;
  }
  const auto& on = std::get<graph::OnMessage>(r.plan->scenarios[0].steps[1].action);
  const auto& seg = std::get<graph::Log>(on.body[0].action).text.segments[0];
  if (seg.kind != graph::Segment::Kind::kExpr) return 2;
  std::vector<nlohmann::json> vars(r.plan->var_names.size());
  vars[0] = {{"AAPL", 41}, {"MSFT", 7}};
  std::string text = R"({"type":"u","symbol":"AAPL","seq":42,"price":10.5})";
  engine::MessageView msg(text, false);
  engine::EvalContext ctx;
  ctx.vars = &vars;
  ctx.msg = &msg;
  msg.Json();  // parsed once per message in a run, whatever evaluates on it
  constexpr int kRounds = 2000000;
  int trues = 0;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    engine::Value v;
    engine::EvalError error;
    if (engine::Evaluate(*seg.expr, ctx, &v, &error) && v.type() == engine::Value::Type::kBool)
      trues += v.boolean();
  }
  double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kRounds;
  std::printf("%s: %.1f ns per evaluation (%d true)\n", expr.c_str(), ns, trues);
  return 0;
}
