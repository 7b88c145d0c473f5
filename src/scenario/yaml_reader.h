// Internal to the compiler: typed reads of yaml-cpp nodes that report errors with positions.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "scenario/context.h"
#include "scenario/templates.h"

namespace wsyaml::scenario {

/// The 1-based position of a node (yaml-cpp marks are 0-based).
graph::SourcePos Pos(const YAML::Node& node);
/// Where a scalar's text starts, for template error columns.
ScalarPos Where(const YAML::Node& node);
/// True when the scalar was quoted in the source ("5" rather than 5).
bool IsQuoted(const YAML::Node& node);
/// A short name of the node's type for messages: "a mapping", "a list", "text".
std::string Describe(const YAML::Node& node);

/// Reports unknown keys (with did-you-mean) and duplicate keys of a mapping. `what` names
/// the mapping in messages ("connect"); an empty `allowed` accepts any key (duplicates are
/// still reported). False when any key is wrong.
/// Most nodes a scenario may have once YAML aliases are expanded: far above any real scenario,
/// far below what makes compiling slow. Nested aliases multiply (9 levels of 9 = 387 million).
inline constexpr size_t kMaxExpandedNodes = 200000;

/// False, with `*where` set to the node where the count passed `limit`, when `root` has more
/// than `limit` nodes with aliases expanded. Stops counting at the limit: linear in it.
bool ExpandedSizeWithin(const YAML::Node& root, size_t limit, YAML::Node* where);

/// Reports a parse error of yaml-cpp at its position: nesting past its depth limit with the
/// limit, other syntax errors as "YAML syntax: ..." with a hint where one helps.
void ReportYamlError(Context& ctx, const YAML::ParserException& e, std::string_view text);

/// yaml-cpp ends a quoted scalar left open at the end of the file without an error, so the
/// rest of the file silently becomes its text. Reports that quote and returns true when the
/// last quoted scalar of `text` is not closed.
bool ReportUnterminatedQuote(Context& ctx, const YAML::Node& root, std::string_view text);

bool CheckKeys(Context& ctx, const YAML::Node& map, const std::vector<std::string>& allowed,
               const std::string& what);

/// Reports that `node` should be `expected` (e.g. "a mapping"); always returns false.
bool WrongType(Context& ctx, const YAML::Node& node, const std::string& what,
               const std::string& expected, std::string hint = {});

/// Reads a scalar as text.
bool ReadString(Context& ctx, const YAML::Node& node, const std::string& what, std::string* out);
/// Reads an integer >= `min`.
bool ReadInt(Context& ctx, const YAML::Node& node, const std::string& what, int min, int* out);
/// Reads a number (may be fractional).
bool ReadDouble(Context& ctx, const YAML::Node& node, const std::string& what, double* out);
/// Reads true/false.
bool ReadBool(Context& ctx, const YAML::Node& node, const std::string& what, bool* out);
/// Reads a duration with a unit.
bool ReadDuration(Context& ctx, const YAML::Node& node, const std::string& what,
                  graph::Micros* out);
/// Reads a duration that must be longer than 0, for options where 0 is meaningless;
/// `zero_hint` says what 0 would do and what to write instead.
bool ReadPositiveDuration(Context& ctx, const YAML::Node& node, const std::string& what,
                          const std::string& zero_hint, graph::Micros* out);
/// Reads a duration or a range `2s..8s`.
bool ReadRange(Context& ctx, const YAML::Node& node, const std::string& what,
               graph::DurationRange* out);
/// Reads a scalar as a template with holes escaped by `escape`.
bool ReadTemplate(Context& ctx, const YAML::Node& node, const std::string& what,
                  graph::Escape escape, const TemplateScope& scope, graph::Template* out);

/// Reads a mapping of names to templates (headers). `example` is shown when it is not a map.
bool ReadTemplateMap(Context& ctx, const YAML::Node& node, const std::string& what,
                     const std::string& example, const TemplateScope& scope,
                     std::vector<std::pair<std::string, graph::Template>>* out);

}  // namespace wsyaml::scenario
