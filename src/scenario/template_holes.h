// Internal to the compiler: the inside of one `${...}` hole, in today's forms or as an
// expression (template_holes.cpp), and the text helpers templates.cpp shares with it.
#pragma once

#include <string>
#include <string_view>

#include "graph/graph.h"
#include "scenario/context.h"
#include "scenario/expr_parser.h"

namespace wsyaml::scenario {

/// Compiles the body of one `${...}` whose `$` is at `pos` into `out`. `${env...}` leaves
/// `out` a literal and sets `env_value`. Returns false after reporting an error.
bool CompileHole(Context& ctx, const TemplateScope& scope, std::string_view body,
                 graph::SourcePos pos, const ExprSource& source, graph::Segment* out,
                 std::string* env_value);

/// `s` without leading and trailing white space.
std::string_view TrimBlank(std::string_view s);

/// A decimal number as written in a path index or an old-form argument: -3, 1.5 (no exponent).
bool IsDecimal(std::string_view s);

}  // namespace wsyaml::scenario
