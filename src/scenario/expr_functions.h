// Internal to the compiler: the table of expression functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace wsyaml::scenario {

/// One function: its name, arity (max -1 = any) and result type.
struct ExprFunctionInfo {
  const char* name;
  graph::Function function;
  int min_args;
  int max_args;
  graph::ValueType result;
};

/// The function called `name`, or null.
const ExprFunctionInfo* FindFunction(std::string_view name);
/// Every function name, for did-you-mean hints.
std::vector<std::string> FunctionNames();
/// The name of a value type for messages ("text").
const char* TypeName(graph::ValueType type);
/// Checks a call's argument types that the compiler can see and compiles a constant
/// matches() pattern; returns the error message, or "" when fine.
std::string CheckCall(graph::Expr* call);

/// Sets the result type of a binary node from its operands' types; returns the error
/// ("needs numbers, got text and number"), or "" when the compiler sees nothing wrong.
std::string TypeBinary(graph::Expr* node);

/// The expression as source text, fully parenthesized where operators nest, for `plan`.
std::string ExprSourceText(const graph::Expr& expr, const graph::TestPlan& plan);

}  // namespace wsyaml::scenario
