#include "engine/regex_eval.h"

#include <array>
#include <memory>
#include <vector>

#include <re2/re2.h>

namespace wsyaml::engine {

namespace {

// The last few rendered patterns of this thread: a VU that repeats an expect with the same
// ${vu} compiles its pattern once, not per message.
struct RegexCache {
  struct Entry {
    std::string pattern;
    std::unique_ptr<const re2::RE2> regex;
  };
  std::array<Entry, 8> entries;
  size_t next = 0;  ///< the entry replaced next (round robin)

  const re2::RE2* Get(const std::string& pattern) {
    for (const Entry& e : entries)
      if (e.regex && e.pattern == pattern) return e.regex.get();
    re2::RE2::Options options;
    options.set_log_errors(false);
    Entry& e = entries[next];
    next = (next + 1) % entries.size();
    e.pattern = pattern;
    e.regex = std::make_unique<const re2::RE2>(pattern, options);
    return e.regex.get();
  }
};

}  // namespace

bool RegexFound(const graph::Matcher& matcher, std::string_view text, const EvalContext& ctx) {
  const re2::RE2* regex = matcher.regex.get();
  if (!regex && matcher.regex_template) {
    thread_local RegexCache cache;
    regex = cache.Get(Render(*matcher.regex_template, ctx));
  }
  if (!regex) return true;
  // The compiler checked the pattern with each hole as a literal; a quoted value keeps it valid.
  if (!regex->ok()) return false;
  // RE2 runs in time linear in the text, without recursion: no message can hang or crash it.
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *regex);
}

std::string RegexGroup(const re2::RE2& regex, int group, std::string_view text) {
  std::vector<re2::StringPiece> groups(static_cast<size_t>(group) + 1);
  re2::StringPiece input(text.data(), text.size());
  if (!regex.Match(input, 0, input.size(), re2::RE2::UNANCHORED, groups.data(),
                   static_cast<int>(groups.size())))
    return std::string();
  const re2::StringPiece& found = groups[static_cast<size_t>(group)];
  return found.data() ? std::string(found.data(), found.size()) : std::string();
}

}  // namespace wsyaml::engine
