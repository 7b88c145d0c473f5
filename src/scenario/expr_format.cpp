// Expressions back to source text, for `wsyaml plan`.
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "scenario/expr_functions.h"
#include "scenario/templates.h"

namespace wsyaml::scenario {

namespace {

using graph::Expr;
using graph::Op;
using Kind = graph::Expr::Kind;

const char* OpText(Op op) {
  static const char* const kText[] = {
      "!", "-", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"};
  return kText[static_cast<int>(op)];
}

std::string Number(double n) {
  if (std::floor(n) == n && std::fabs(n) < 1e15) return std::to_string(static_cast<long long>(n));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", n);
  return buf;
}

std::string List(const std::vector<Expr>& args, const graph::TestPlan& plan) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + ExprSourceText(args[i], plan);
  return out;
}

std::string PathText(const graph::JsonPath& path) {
  std::string out;
  for (const auto& e : path)
    out += e.index >= 0 ? "[" + std::to_string(e.index) + "]" : "." + e.key;
  return out;
}

}  // namespace

std::string ExprSourceText(const Expr& e, const graph::TestPlan& plan) {
  auto sub = [&](size_t i) {
    const Expr& a = e.args[i];
    bool wrap = a.kind == Kind::kBinary || a.kind == Kind::kCond || a.kind == Kind::kCoalesce;
    return wrap ? "(" + ExprSourceText(a, plan) + ")" : ExprSourceText(a, plan);
  };
  switch (e.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return e.boolean ? "true" : "false";
    case Kind::kNumber:
      return Number(e.number);
    case Kind::kText:
      return nlohmann::json(e.text).dump();
    case Kind::kList:
      return "[" + List(e.args, plan) + "]";
    case Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < e.args.size(); ++i)
        out += (i ? ", " : "") + nlohmann::json(e.keys[i]).dump() + ": " +
               ExprSourceText(e.args[i], plan);
      return out + "}";
    }
    case Kind::kVu:
      return "vu";
    case Kind::kConn:
      return "conn";
    case Kind::kIter:
      return "iter";
    case Kind::kConnProtocol:
      return "conn.protocol";
    case Kind::kVar:
      return e.slot >= 0 && e.slot < static_cast<int>(plan.var_names.size())
                 ? plan.var_names[e.slot]
                 : "var" + std::to_string(e.slot);
    case Kind::kMsg:
      return MsgPathSource(e.path);
    case Kind::kSent:
      return "sent" + PathText(e.path);
    case Kind::kData: {
      bool known = e.slot >= 0 && e.slot < static_cast<int>(plan.feeders.size());
      return "data." + (known ? plan.feeders[e.slot].name : std::string("?")) + "." + e.text;
    }
    case Kind::kUnary:
      return OpText(e.op) + sub(0);
    case Kind::kBinary:
      return sub(0) + " " + OpText(e.op) + " " + sub(1);
    case Kind::kCond:
      return sub(0) + " ? " + sub(1) + " : " + sub(2);
    case Kind::kCoalesce:
      return sub(0) + " ?? " + sub(1);
    case Kind::kMember:
      return sub(0) + "." + e.text;
    case Kind::kIndex:
      return sub(0) + "[" + ExprSourceText(e.args[1], plan) + "]";
    case Kind::kCall:
      return std::string(graph::FunctionName(e.function)) + "(" + List(e.args, plan) + ")";
  }
  return "?";
}

}  // namespace wsyaml::scenario
