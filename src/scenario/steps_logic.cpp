// Logic steps: if and check, and the conditions they (and where, while) are written with.
#include "scenario/expr_parser.h"
#include "scenario/step_compiler.h"
#include "scenario/templates.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

bool ReadCondition(Context& ctx, const YAML::Node& node, const std::string& what,
                   const TemplateScope& scope, graph::Expr* out) {
  if (!node.IsScalar() || !IsSingleHole(node.Scalar())) {
    ctx.reporter.Error(Pos(node), what + " must be one ${expr} that is true or false",
                       "e.g. " + what + ": \"${msg.seq == last + 1}\"");
    return false;
  }
  const std::string& text = node.Scalar();
  ExprSource source{text, Where(node), 2};
  return CompileCondition(ctx, std::string_view(text).substr(2, text.size() - 3), source, scope,
                          out);
}

bool StepCompiler::If(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                      graph::Step* out) {
  graph::If step;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "if", "a mapping",
                     "e.g. if: {condition: \"${x > 0}\", then: [...], else: [...]}");
  }
  bool ok = CheckKeys(ctx_, value, {"condition", "then", "else"}, "if");
  if (auto v = value["condition"]) {
    ok = ReadCondition(ctx_, v, "condition", scope.templates, &step.condition) && ok;
  } else {
    ctx_.reporter.Error(Pos(key), "if needs a condition",
                        "e.g. if: {condition: \"${x > 0}\", then: [...]}");
    ok = false;
  }
  if (auto v = value["then"]) {
    ok = CompileList(v, scope, &step.then) && ok;
  } else {
    ctx_.reporter.Error(Pos(key), "if needs then: [steps]");
    ok = false;
  }
  if (auto v = value["else"]) ok = CompileList(v, scope, &step.else_) && ok;
  out->action = std::move(step);
  return ok;
}

bool StepCompiler::Check(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                         graph::Step* out) {
  graph::Check step;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "check", "a mapping",
                     "e.g. check: {name: positive, that: \"${msg.balance >= 0}\"}");
  }
  bool ok = CheckKeys(ctx_, value, {"name", "that", "message"}, "check");
  ok = ReadName(value, &step.name) && ok;
  if (auto v = value["that"]) {
    ok = ReadCondition(ctx_, v, "that", scope.templates, &step.that) && ok;
    if (v.IsScalar()) step.source = v.Scalar();
  } else {
    ctx_.reporter.Error(Pos(key), "check needs that: ${condition}",
                        "e.g. check: {name: positive, that: \"${msg.balance >= 0}\"}");
    ok = false;
  }
  if (auto v = value["message"]) {
    ok = ReadTemplate(ctx_, v, "message", graph::Escape::kNone, scope.templates, &step.message) &&
         ok;
  }
  if (step.name.empty()) step.name = "check at line " + std::to_string(Pos(key).line);
  out->action = std::move(step);
  return ok;
}

}  // namespace wsyaml::scenario
