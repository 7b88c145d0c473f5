#include "expr_fixture.h"

#include <variant>

#include "scenario/templates.h"

namespace wsyaml::engine::testing {

CompiledExpr::CompiledExpr(const std::string& expr, const std::string& message) : text_(message) {
  std::string quoted;
  for (char c : expr) quoted += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
  std::string yaml =
      "target: builtin:echo\nvars: {last: {}}\nsteps:\n  - connect: /\n"
      "  - on-message:\n      do:\n        - log: \"${" +
      quoted + "}\"\n";
  scenario::CompileOptions options;
  options.file_name = "expr.yaml";
  compiled_ = scenario::Compile(yaml, options);
  for (const auto& d : compiled_.diagnostics) diagnostics_ += d.Format();
  if (!compiled_.ok()) return;
  const auto& on = std::get<graph::OnMessage>(compiled_.plan->scenarios[0].steps[1].action);
  const graph::Template& tmpl = std::get<graph::Log>(on.body[0].action).text;
  const graph::Segment& seg = tmpl.segments.size() == 1 ? tmpl.segments[0] : graph::Segment{};
  if (seg.kind == graph::Segment::Kind::kExpr) {
    expr_ = seg.expr.get();
  } else if (seg.kind != graph::Segment::Kind::kLiteral &&
             seg.kind != graph::Segment::Kind::kCall) {
    leaf_ = scenario::SegmentToExpr(seg);  // a bare name or path: the compiler's cheaper form
    expr_ = &leaf_;
  } else {
    diagnostics_ += "not compiled to an expression tree";
    return;
  }
  vars_.resize(compiled_.plan->var_names.size());
  vars_[0] = {{"AAPL", 41}};
  msg_ = std::make_unique<MessageView>(text_, false);
  msg_->Json();  // parsed once per message in a run, before anything evaluates on it
  ctx_.vu = 3;
  ctx_.iter = 7;
  ctx_.vars = &vars_;
  ctx_.msg = msg_.get();
}

std::string CompiledExpr::Eval() const {
  if (!expr_) return "not compiled: " + diagnostics_;
  Value value;
  EvalError error;
  if (!Evaluate(*expr_, ctx_, &value, &error)) return "error: " + error.Format();
  if (value.type() == Value::Type::kMissing) return "missing";
  return value.ToJson().dump();
}

}  // namespace wsyaml::engine::testing
