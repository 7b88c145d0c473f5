// Test support: compile one expression with the real compiler (as the text of a log step in an
// on-message handler) and evaluate it against a fixed message and fixed variables.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/expr_eval.h"
#include "scenario/compiler.h"

namespace wsyaml::engine::testing {

/// The message every expression sees as `msg`.
inline constexpr const char* kExprMessage =
    R"({"symbol":"AAPL","seq":42,"price":10.5,"id":"o-1","qty":3,"n":5,"s":"abc",)"
    R"("num":"42","b":true,"list":[3,1,2],"obj":{"k":"v"},"nul":null,"bad":"(",)"
    R"("long":"a text well beyond the short-string buffer"})";

/// A compiled expression with its variables (`last` = {"AAPL": 41}) and message.
class CompiledExpr {
 public:
  /// Compiles `expr` (the inside of `${...}`); diagnostics() is empty when it compiled.
  explicit CompiledExpr(const std::string& expr, const std::string& message = kExprMessage);

  const std::string& diagnostics() const { return diagnostics_; }
  /// The expression tree, or null when it did not compile to one.
  const graph::Expr* expr() const { return expr_; }
  /// The context: vu 3, iter 7, the variables and the parsed message.
  const EvalContext& context() const { return ctx_; }

  /// Evaluates: the result as compact JSON ("missing" for a missing value), or "error: " and
  /// the formatted error.
  std::string Eval() const;

 private:
  std::string diagnostics_;
  scenario::CompileResult compiled_;
  graph::Expr leaf_;
  const graph::Expr* expr_ = nullptr;
  std::vector<nlohmann::json> vars_;
  std::string text_;
  std::unique_ptr<MessageView> msg_;
  EvalContext ctx_;
};

}  // namespace wsyaml::engine::testing
