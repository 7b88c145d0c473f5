// Regexes at run time: templated `regex` matchers and regex captures. Constant patterns were
// compiled once by the compiler; a templated one is rendered per use (inserted values are
// RE2::QuoteMeta'd, so they match literally) and compiled through a small per-thread cache.
// Threading: any thread; the cache is thread_local.
#pragma once

#include <string>
#include <string_view>

#include "engine/template_eval.h"
#include "graph/graph.h"

namespace re2 {
class RE2;
}

namespace wsyaml::engine {

/// True when the matcher's regex (constant or templated) is found in `text`; true when the
/// matcher has no regex.
bool RegexFound(const graph::Matcher& matcher, std::string_view text, const EvalContext& ctx);

/// Group `group` (0 = the whole match) of the first match of `regex` in `text`; empty when
/// the regex is not found or the group did not take part in the match.
std::string RegexGroup(const re2::RE2& regex, int group, std::string_view text);

}  // namespace wsyaml::engine
