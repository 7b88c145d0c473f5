#include "compile_helpers.h"

#include "scenario/expr_functions.h"

namespace wsyaml::scenario::testing {

namespace {

std::string PathText(const graph::JsonPath& path) {
  std::string out;
  for (const auto& e : path)
    out += e.index >= 0 ? "[" + std::to_string(e.index) + "]" : "." + e.key;
  return out;
}

const char* EscapeName(graph::Escape e) {
  switch (e) {
    case graph::Escape::kNone:
      return "";
    case graph::Escape::kJsonString:
      return "/s";
    case graph::Escape::kJsonValue:
      return "/v";
    case graph::Escape::kRegex:
      return "/re";
  }
  return "?";
}

}  // namespace

std::string Render(const graph::Template& t) {
  using Kind = graph::Segment::Kind;
  std::string out;
  for (const auto& s : t.segments) {
    std::string hole;
    switch (s.kind) {
      case Kind::kLiteral:
        out += s.text;
        continue;
      case Kind::kVu:
        hole = "vu";
        break;
      case Kind::kConn:
        hole = "conn";
        break;
      case Kind::kIter:
        hole = "iter";
        break;
      case Kind::kVar:
        hole = "var:" + std::to_string(s.slot);
        break;
      case Kind::kMsg:
        hole = "msg" + PathText(s.path);
        break;
      case Kind::kSent:
        hole = "sent" + PathText(s.path);
        break;
      case Kind::kData:
        hole = "data:" + std::to_string(s.slot) + "." + s.text;
        break;
      case Kind::kConnProtocol:
        hole = "conn.protocol";
        break;
      case Kind::kExpr:
        hole = "expr:" + ExprSourceText(*s.expr, graph::TestPlan{});
        break;
      case Kind::kCall: {
        hole = std::string(graph::FunctionName(s.function)) + "(";
        for (size_t i = 0; i < s.args.size(); ++i) hole += (i ? "," : "") + Render(s.args[i]);
        hole += ")";
        break;
      }
    }
    out += "{" + hole + EscapeName(s.escape) + "}";
  }
  return out;
}

}  // namespace wsyaml::scenario::testing
