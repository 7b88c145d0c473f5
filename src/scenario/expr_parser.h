// Internal to the compiler: the expression grammar of `${...}` -> graph::Expr trees.
#pragma once

#include <string_view>

#include "graph/graph.h"
#include "scenario/context.h"
#include "scenario/templates.h"

namespace wsyaml::scenario {

/// Where an expression body sits: inside `text` (a scalar starting at `where`), from `offset`.
struct ExprSource {
  std::string_view text;  ///< the whole scalar
  ScalarPos where;        ///< where the scalar starts
  size_t offset = 0;      ///< where the expression body starts in `text`
};

/// Parses and checks the expression `body` (the inside of one `${...}`); errors go to the
/// reporter with their line:column. Returns false after reporting.
bool ParseExpr(Context& ctx, std::string_view body, const ExprSource& source,
               const TemplateScope& scope, graph::Expr* out);

/// Like ParseExpr, and demands a bool (a condition: if, check, where, while): a type the
/// compiler can see that is not bool is an error; unknown types are checked at run time.
bool CompileCondition(Context& ctx, std::string_view body, const ExprSource& source,
                      const TemplateScope& scope, graph::Expr* out);

}  // namespace wsyaml::scenario
