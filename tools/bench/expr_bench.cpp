// Micro benchmark: the cost of evaluating one compiled expression (or rendering one template)
// against a parsed message, e.g. `msg.seq != last[msg.symbol] + 1`. Prints ns per evaluation
// as the minimum over repetitions (the least disturbed run on a shared machine).
//
//   expr_bench                          the four cases of docs/performance.md
//   expr_bench [--rounds N] [--reps R] [TEMPLATE...]   e.g. '${msg.price > 0}' 'id-${vu}'
//
// Instructions per evaluation: run under cachegrind with two --rounds values and --reps 1;
// the difference of the totals divided by the difference of the rounds (docs/performance.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/expr_eval.h"
#include "scenario/compiler.h"

using namespace wsyaml;

namespace {

// Compiles `tmpl` as the text of a log step inside an on-message handler.
bool CompileCase(const std::string& tmpl, scenario::CompileResult* r) {
  std::string quoted;
  for (char c : tmpl) quoted += c == '"' ? std::string("\\\"") : std::string(1, c);
  std::string yaml =
      "target: builtin:echo\nvars: {last: {}}\nsteps:\n  - connect: /\n"
      "  - on-message:\n      do:\n        - log: \"" +
      quoted + "\"\n";
  scenario::CompileOptions options;
  options.file_name = "bench.yaml";
  *r = scenario::Compile(yaml, options);
  for (const auto& d : r->diagnostics) std::fprintf(stderr, "%s", d.Format().c_str());
  return r->ok();
}

// One round: a template that is one expression is evaluated; any other one is rendered.
int RunOnce(const graph::Template& tmpl, const engine::EvalContext& ctx) {
  const graph::Segment& seg = tmpl.segments[0];
  if (tmpl.segments.size() == 1 && seg.kind == graph::Segment::Kind::kExpr) {
    engine::Value v;
    engine::EvalError error;
    return engine::Evaluate(*seg.expr, ctx, &v, &error) && v.type() == engine::Value::Type::kBool &&
           v.boolean();
  }
  return static_cast<int>(engine::Render(tmpl, ctx).size());
}

int Bench(const std::string& text, long rounds, int reps) {
  scenario::CompileResult r;
  if (!CompileCase(text, &r)) return 1;
  const auto& on = std::get<graph::OnMessage>(r.plan->scenarios[0].steps[1].action);
  const graph::Template& tmpl = std::get<graph::Log>(on.body[0].action).text;
  std::vector<nlohmann::json> vars(r.plan->var_names.size());
  vars[0] = {{"AAPL", 41}, {"MSFT", 7}};
  std::string message = R"({"type":"u","symbol":"AAPL","seq":42,"price":10.5,"id":"o-1","qty":3})";
  engine::MessageView msg(message, false);
  engine::EvalContext ctx;
  ctx.vu = 3;
  ctx.iter = 12345;
  ctx.vars = &vars;
  ctx.msg = &msg;
  msg.Json();  // parsed once per message in a run, whatever evaluates on it
  double best = 1e300;
  long sink = 0;
  for (int rep = 0; rep < reps; ++rep) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < rounds; ++i) sink += RunOnce(tmpl, ctx);
    double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
        static_cast<double>(rounds);
    best = std::min(best, ns);
  }
  std::printf("%-52s %7.1f ns (min of %d x %ld; sink %ld)\n", text.c_str(), best, reps, rounds,
              sink);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  long rounds = 200000;
  int reps = 25;
  std::vector<std::string> cases;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1L, std::atol(argv[++i]));
    } else if (arg == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      cases.push_back(arg);
    }
  }
  if (cases.empty()) {
    cases = {"${msg.seq != last[msg.symbol] + 1}",
             "${msg.price > 0 && has(msg.id) && msg.qty <= 100}", "${last[msg.symbol] + 1}",
             "id-${vu}-${iter}"};
  }
  for (const std::string& c : cases)
    if (int rc = Bench(c, rounds, reps)) return rc;
  return 0;
}
