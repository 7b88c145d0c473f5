// Internal to the compiler: `${...}` templates -> graph::Segment lists, compiled once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "graph/json_escape.h"
#include "scenario/context.h"

namespace wsyaml::scenario {

/// Where a scalar's text starts in the source, and whether it was quoted
/// (the first character then sits one column after the scalar's mark).
struct ScalarPos {
  graph::SourcePos pos;
  bool quoted = false;
};

/// The position of the byte `offset` into the text of a scalar that starts at `where`.
graph::SourcePos PosIn(ScalarPos where, std::string_view text, size_t offset);

/// Compiles `text` into a template whose holes use `escape`; errors go to the reporter.
graph::Template CompileTemplate(Context& ctx, std::string_view text, ScalarPos where,
                                graph::Escape escape, const TemplateScope& scope);

/// Appends the segments of `text` to `out`, merging adjacent literals. With
/// `json_string`, literal text is JSON-escaped (for the inside of a JSON string) and
/// holes get Escape::kJsonString. Returns false after reporting an error.
bool AppendTemplate(Context& ctx, std::string_view text, ScalarPos where, bool json_string,
                    graph::Escape escape, const TemplateScope& scope,
                    std::vector<graph::Segment>* out);

/// True when `text` is exactly one `${...}` hole (e.g. `${n}`), nothing around it.
bool IsSingleHole(std::string_view text);

/// Appends `text` JSON-string-escaped (without quotes) to `out`.
using graph::AppendJsonEscaped;

/// Parses `.a.b[0]` (what follows `msg`) into a path; false with `error` set.
bool ParseJsonPath(std::string_view text, graph::JsonPath* path, std::string* error);

/// Parses `msg` or `msg.a.b[0]` as written in capture and measure (or `args[i]...`, socket.io's
/// arguments); false with `error` set.
bool ParseMsgPath(std::string_view text, graph::JsonPath* path, std::string* error);

/// The first key of a message path into socket.io's arguments: ${args[i]} is msg path
/// `$args[i]` (MessageView::At reads it from ProtocolMeta::args_json).
inline constexpr std::string_view kArgsKey = "$args";

/// A message path as written: `msg.a[0]`, or `args[1].b` for one into the arguments.
std::string MsgPathSource(const graph::JsonPath& path);

/// Resolves a name or fixed path (`vu`, `msg.a[0]`, `data.F.C`, a variable) as a template hole
/// does, reporting the same errors; `env.X` sets `env_value`, or `env_unset` without an error.
bool ResolveName(Context& ctx, std::string_view text, graph::SourcePos pos,
                 const TemplateScope& scope, graph::Segment* out, std::string* env_value,
                 bool* env_unset);

/// The expression leaf for a name segment (kVu, kVar, kMsg...).
graph::Expr SegmentToExpr(const graph::Segment& seg);

/// Adds `text` as a literal segment, merging with a preceding literal.
void AppendLiteral(std::string text, std::vector<graph::Segment>* out);

}  // namespace wsyaml::scenario
