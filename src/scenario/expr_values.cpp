// Values of vars and set: a plain number stays a number, a list or map becomes a literal tree,
// text is a template (exactly one `${expr}` keeps the expression's type at run time); and
// set targets: a variable, or an element of one (`last[msg.symbol]`).
#include <cmath>

#include <nlohmann/json.hpp>

#include "scenario/expr_values.h"
#include "scenario/json_compiler.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

using graph::Expr;
using Kind = graph::Expr::Kind;

graph::ExprPos ExprPosOf(const YAML::Node& node) {
  graph::SourcePos p = Pos(node);
  return {p.line, p.column};
}

// A plain YAML number written as it renders (5, -2, 1.5: not 007 or 1.50), so that turning
// it into a number changes nothing where it was used as text before.
bool CanonicalNumber(const YAML::Node& node, double* value) {
  if (IsQuoted(node) || !IsJsonNumber(node.Scalar())) return false;
  const std::string& s = node.Scalar();
  *value = std::strtod(s.c_str(), nullptr);
  nlohmann::json n = *value;
  std::string rendered = *value == std::floor(*value) && std::fabs(*value) < 9e15
                             ? std::to_string(static_cast<long long>(*value))
                             : n.dump();
  return rendered == s;
}

bool LiteralTree(Context& ctx, const YAML::Node& node, const TemplateScope& scope, Expr* out) {
  out->pos = ExprPosOf(node);
  if (node.IsMap() || node.IsSequence()) {
    out->kind = node.IsMap() ? Kind::kMap : Kind::kList;
    out->type = node.IsMap() ? graph::ValueType::kMap : graph::ValueType::kList;
    bool ok = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node& child = node.IsMap() ? it->second : *it;
      if (node.IsMap()) out->keys.push_back(it->first.Scalar());
      out->args.emplace_back();
      ok = LiteralTree(ctx, child, scope, &out->args.back()) && ok;
    }
    return ok;
  }
  const std::string& s = node.IsScalar() ? node.Scalar() : std::string();
  if (node.IsNull() || (!IsQuoted(node) && (s == "null" || s == "~"))) {
    out->kind = Kind::kNull;
    return true;
  }
  if (CanonicalNumber(node, &out->number)) {
    out->kind = Kind::kNumber;
    return true;
  }
  if (!IsQuoted(node) && (s == "true" || s == "false")) {
    out->kind = Kind::kBool;
    out->boolean = s == "true";
    return true;
  }
  if (IsSingleHole(s)) {
    ExprSource source{s, Where(node), 2};
    return ParseExpr(ctx, std::string_view(s).substr(2, s.size() - 3), source, scope, out);
  }
  if (s.find("${") != std::string::npos) {
    ctx.reporter.Error(Pos(node), "inside a list or map, a value is text or one whole ${expr}",
                       "join text in the expression: \"${'id-' + str(vu)}\"");
    return false;
  }
  out->kind = Kind::kText;
  out->text = s;
  return true;
}

}  // namespace

bool ReadValue(Context& ctx, const YAML::Node& node, const std::string& what,
               const TemplateScope& scope, graph::Template* out) {
  Expr literal;
  double number = 0;
  bool tree = node.IsMap() || node.IsSequence();
  if (!tree && !(node.IsScalar() && CanonicalNumber(node, &number)))
    return ReadTemplate(ctx, node, what, graph::Escape::kNone, scope, out);
  if (!LiteralTree(ctx, node, scope, &literal)) return false;
  out->pos = Pos(node);
  graph::Segment seg;
  seg.kind = graph::Segment::Kind::kExpr;
  seg.expr = std::make_shared<const Expr>(std::move(literal));
  out->segments.assign(1, std::move(seg));
  return true;
}

bool ReadSetTarget(Context& ctx, const YAML::Node& key, const TemplateScope& scope,
                   graph::SetTarget* out) {
  const std::string& text = key.Scalar();
  Expr tree;
  ExprSource source{text, Where(key), 0};
  if (!ParseExpr(ctx, text, source, scope, &tree)) return false;
  const Expr* node = &tree;
  std::vector<Expr> keys;
  while (node->kind == Kind::kIndex || node->kind == Kind::kMember) {
    if (node->kind == Kind::kIndex) {
      keys.push_back(node->args[1]);
    } else {
      Expr name;
      name.kind = Kind::kText;
      name.text = node->text;
      name.pos = node->pos;
      keys.push_back(std::move(name));
    }
    node = &node->args[0];
  }
  if (node->kind != Kind::kVar) {
    ctx.reporter.Error(Pos(key), "set takes a variable or an element of one, got \"" + text + "\"",
                       "e.g. set: {count: 1} or set: {\"last[msg.symbol]\": \"${msg.seq}\"}");
    return false;
  }
  out->slot = node->slot;
  out->keys.assign(keys.rbegin(), keys.rend());
  return true;
}

}  // namespace wsyaml::scenario
