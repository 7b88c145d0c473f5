// The expression functions: names, arity, result types, and the checks the compiler can make.
#include <re2/re2.h>

#include "scenario/expr_functions.h"

namespace wsyaml::scenario {

namespace {

using graph::Function;
using graph::ValueType;

constexpr ExprFunctionInfo kFunctions[] = {
    {"randomInt", Function::kRandomInt, 2, 2, ValueType::kNumber},
    {"randomString", Function::kRandomString, 1, 1, ValueType::kText},
    {"randomItem", Function::kRandomItem, 1, -1, ValueType::kUnknown},
    {"uuid", Function::kUuid, 0, 0, ValueType::kText},
    {"timestamp", Function::kTimestamp, 0, 0, ValueType::kNumber},
    {"len", Function::kLen, 1, 1, ValueType::kNumber},
    {"has", Function::kHas, 1, 1, ValueType::kBool},
    {"int", Function::kInt, 1, 1, ValueType::kNumber},
    {"float", Function::kFloat, 1, 1, ValueType::kNumber},
    {"str", Function::kStr, 1, 1, ValueType::kText},
    {"lower", Function::kLower, 1, 1, ValueType::kText},
    {"upper", Function::kUpper, 1, 1, ValueType::kText},
    {"trim", Function::kTrim, 1, 1, ValueType::kText},
    {"split", Function::kSplit, 2, 2, ValueType::kList},
    {"join", Function::kJoin, 2, 2, ValueType::kText},
    {"startsWith", Function::kStartsWith, 2, 2, ValueType::kBool},
    {"endsWith", Function::kEndsWith, 2, 2, ValueType::kBool},
    {"matches", Function::kMatches, 2, 2, ValueType::kBool},
    {"min", Function::kMin, 1, -1, ValueType::kNumber},
    {"max", Function::kMax, 1, -1, ValueType::kNumber},
    {"abs", Function::kAbs, 1, 1, ValueType::kNumber},
    {"keys", Function::kKeys, 1, 1, ValueType::kList},
    {"parseJson", Function::kParseJson, 1, 1, ValueType::kUnknown},
    {"toJson", Function::kToJson, 1, 1, ValueType::kText},
    {"now", Function::kNow, 0, 0, ValueType::kNumber},
};

// The type each argument must have (kUnknown = any); the last entry repeats.
std::vector<ValueType> ArgTypes(Function f) {
  switch (f) {
    case Function::kRandomInt:
    case Function::kRandomString:
    case Function::kAbs:
    case Function::kMin:
    case Function::kMax:
      return {ValueType::kNumber};
    case Function::kLower:
    case Function::kUpper:
    case Function::kTrim:
    case Function::kSplit:
    case Function::kStartsWith:
    case Function::kEndsWith:
    case Function::kMatches:
    case Function::kParseJson:
      return {ValueType::kText};
    case Function::kJoin:
      return {ValueType::kList, ValueType::kText};
    case Function::kKeys:
      return {ValueType::kMap};
    default:
      return {ValueType::kUnknown};
  }
}

}  // namespace

const ExprFunctionInfo* FindFunction(std::string_view name) {
  for (const auto& f : kFunctions)
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<std::string> FunctionNames() {
  std::vector<std::string> names;
  for (const auto& f : kFunctions) names.emplace_back(f.name);
  return names;
}

const char* TypeName(ValueType type) {
  switch (type) {
    case ValueType::kUnknown:
      return "any";
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "bool";
    case ValueType::kNumber:
      return "number";
    case ValueType::kText:
      return "text";
    case ValueType::kList:
      return "list";
    case ValueType::kMap:
      return "map";
  }
  return "?";
}

std::string CheckCall(graph::Expr* call) {
  const std::vector<ValueType> want = ArgTypes(call->function);
  for (size_t i = 0; i < call->args.size(); ++i) {
    ValueType w = want[std::min(i, want.size() - 1)];
    ValueType got = call->args[i].type;
    bool one_list = (call->function == Function::kMin || call->function == Function::kMax) &&
                    call->args.size() == 1 && got == ValueType::kList;  // min([3, 1])
    if (one_list) continue;
    if (w != ValueType::kUnknown && got != ValueType::kUnknown && got != w) {
      return std::string(graph::FunctionName(call->function)) + "() takes " + TypeName(w) +
             (want.size() > 1 ? " as argument " + std::to_string(i + 1) : std::string()) +
             ", got " + TypeName(got);
    }
  }
  if (call->function == Function::kHas) {
    auto k = call->args[0].kind;
    if (k != graph::Expr::Kind::kMsg && k != graph::Expr::Kind::kSent &&
        k != graph::Expr::Kind::kVar && k != graph::Expr::Kind::kMember &&
        k != graph::Expr::Kind::kIndex)
      return "has() takes a field, e.g. has(msg.error)";
  }
  if (call->function == Function::kMatches && call->args[1].kind == graph::Expr::Kind::kText) {
    auto re = std::make_shared<const re2::RE2>(call->args[1].text, re2::RE2::Quiet);
    if (!re->ok()) return "bad regex in matches(): " + re->error();
    call->regex = std::move(re);
  }
  return {};
}

std::string TypeBinary(graph::Expr* node) {
  using graph::Op;
  ValueType a = node->args[0].type, b = node->args[1].type;
  auto fits = [](ValueType t, ValueType want) { return t == ValueType::kUnknown || t == want; };
  auto mismatch = [&](const char* want) {
    return std::string("needs ") + want + ", got " + TypeName(a) + " and " + TypeName(b);
  };
  const bool known = a != ValueType::kUnknown && b != ValueType::kUnknown;
  auto ordered = [](ValueType t) {
    return t == ValueType::kUnknown || t == ValueType::kNumber || t == ValueType::kText;
  };
  node->type = ValueType::kBool;
  switch (node->op) {
    case Op::kOr:
    case Op::kAnd:
      return fits(a, ValueType::kBool) && fits(b, ValueType::kBool) ? "" : mismatch("bools");
    case Op::kEq:
    case Op::kNe:
      return {};
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return (known && a != b) || !ordered(a) || !ordered(b) ? mismatch("two numbers or two texts")
                                                             : "";
    case Op::kIn:
      return b == ValueType::kNull || b == ValueType::kBool || b == ValueType::kNumber
                 ? mismatch("a list, map or text on the right")
                 : "";
    case Op::kAdd:
      if (a == ValueType::kText || b == ValueType::kText) {
        node->type = ValueType::kText;
      } else if (a == ValueType::kList && b == ValueType::kList) {
        node->type = ValueType::kList;
      } else if (known && !(a == ValueType::kNumber && b == ValueType::kNumber)) {
        return mismatch("numbers, texts or lists");
      } else {
        node->type = known ? ValueType::kNumber : ValueType::kUnknown;
      }
      return {};
    default:
      node->type = ValueType::kNumber;
      return fits(a, ValueType::kNumber) && fits(b, ValueType::kNumber) ? "" : mismatch("numbers");
  }
}

}  // namespace wsyaml::scenario
