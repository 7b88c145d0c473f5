// Typed reads of yaml-cpp nodes; every failure becomes a diagnostic at the node.
#include "scenario/yaml_reader.h"

#include <cerrno>
#include <cstdlib>
#include <set>

#include <yaml-cpp/depthguard.h>

namespace wsyaml::scenario {

graph::SourcePos Pos(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

bool IsQuoted(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "!"; }

ScalarPos Where(const YAML::Node& node) { return ScalarPos{Pos(node), IsQuoted(node)}; }

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    default:
      return "nothing";
  }
}

namespace {

bool CountNodes(const YAML::Node& node, size_t limit, size_t* count, YAML::Node* where) {
  if (++*count > limit) {
    *where = node;
    return false;
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node)
      if (!CountNodes(item, limit, count, where)) return false;
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!CountNodes(it->first, limit, count, where)) return false;
      if (!CountNodes(it->second, limit, count, where)) return false;
    }
  }
  return true;
}

// Where the quoted scalar that starts last in the file is (an unclosed one runs to the end).
// Marks, not nodes: assigning to a yaml-cpp Node writes through to the node it refers to.
void FindLastQuoted(const YAML::Node& node, YAML::Mark* last, int depth = 0) {
  if (depth > 1000) return;
  if (node.IsScalar()) {
    if (IsQuoted(node) && node.Mark().pos > last->pos) *last = node.Mark();
  } else if (node.IsSequence()) {
    for (const YAML::Node& item : node) FindLastQuoted(item, last, depth + 1);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      FindLastQuoted(it->first, last, depth + 1);
      FindLastQuoted(it->second, last, depth + 1);
    }
  }
}

}  // namespace

void ReportYamlError(Context& ctx, const YAML::ParserException& e, std::string_view text) {
  graph::SourcePos pos{e.mark.line + 1, e.mark.column + 1};
  if (e.mark.line < 0) pos = {};
  if (const auto* deep = dynamic_cast<const YAML::DeepRecursion*>(&e)) {
    // yaml-cpp counts the top-level mapping as the first level.
    ctx.reporter.Error(pos,
                       "the scenario nests lists and mappings too deeply: the YAML reader "
                       "stops at " +
                           std::to_string(deep->depth() - 1) + " levels",
                       "real scenarios nest a few dozen levels at most; flatten the structure");
    return;
  }
  std::string hint;
  if (e.msg.find("flow") != std::string::npos && text.find("${") != std::string_view::npos)
    hint = "inside {...} or [...], quote values that contain ${...}: \"${name}\"";
  ctx.reporter.Error(pos, "YAML syntax: " + e.msg, hint);
}

bool ReportUnterminatedQuote(Context& ctx, const YAML::Node& root, std::string_view text) {
  YAML::Mark last = YAML::Mark::null_mark();
  FindLastQuoted(root, &last);
  if (last.pos < 0) return false;
  size_t i = static_cast<size_t>(last.pos);
  if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) return false;
  const char quote = text[i];
  for (++i; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character never closes
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside single quotes
      } else {
        return false;
      }
    }
  }
  ctx.reporter.Error(graph::SourcePos{last.line + 1, last.column + 1},
                     std::string("unterminated ") + (quote == '"' ? "double" : "single") +
                         " quote: the text runs to the end of the file",
                     std::string("close it with ") + quote +
                         "; quoted text may span lines, so everything after the open quote "
                         "became part of it");
  return true;
}

bool ExpandedSizeWithin(const YAML::Node& root, size_t limit, YAML::Node* where) {
  size_t count = 0;
  return CountNodes(root, limit, &count, where);
}

bool CheckKeys(Context& ctx, const YAML::Node& map, const std::vector<std::string>& allowed,
               const std::string& what) {
  bool ok = true;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      ctx.reporter.Error(Pos(key), "keys of " + what + " must be plain names");
      ok = false;
      continue;
    }
    const std::string& name = key.Scalar();
    if (!seen.insert(name).second) {
      ctx.reporter.Error(Pos(key), "duplicate key '" + name + "' in " + what,
                         "YAML keeps only one of them; remove or rename one");
      ok = false;
      continue;
    }
    bool known = allowed.empty();
    for (const auto& a : allowed) known = known || a == name;
    if (!known) {
      std::string hint = DidYouMean(name, allowed);
      if (hint.empty()) {
        hint = "known keys:";
        for (const auto& a : allowed) hint += " " + a;
      }
      ctx.reporter.Error(Pos(key), "unknown key '" + name + "' in " + what, hint);
      ok = false;
    }
  }
  return ok;
}

bool WrongType(Context& ctx, const YAML::Node& node, const std::string& what,
               const std::string& expected, std::string hint) {
  ctx.reporter.Error(Pos(node), what + " must be " + expected + ", got " + Describe(node),
                     std::move(hint));
  return false;
}

bool ReadString(Context& ctx, const YAML::Node& node, const std::string& what, std::string* out) {
  if (!node.IsScalar()) return WrongType(ctx, node, what, "text");
  *out = node.Scalar();
  return true;
}

bool ReadDouble(Context& ctx, const YAML::Node& node, const std::string& what, double* out) {
  if (!node.IsScalar() || IsQuoted(node)) return WrongType(ctx, node, what, "a number");
  const std::string& s = node.Scalar();
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
    return WrongType(ctx, node, what, "a number");
  *out = value;
  return true;
}

// The largest whole number an option takes (far above any real count of VUs or iterations).
constexpr long kMaxInt = 1000000000L;

bool ReadInt(Context& ctx, const YAML::Node& node, const std::string& what, int min, int* out) {
  if (!node.IsScalar() || IsQuoted(node)) return WrongType(ctx, node, what, "a whole number");
  const std::string& s = node.Scalar();
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || end != s.c_str() + s.size()) return WrongType(ctx, node, what, "a whole number");
  if (errno == ERANGE || value > kMaxInt || value < -kMaxInt) {
    ctx.reporter.Error(Pos(node),
                       what + " must be at most " + std::to_string(kMaxInt) + ", got " + s);
    return false;
  }
  if (value < min) {
    ctx.reporter.Error(Pos(node), what + " must be at least " + std::to_string(min) + ", got " +
                                      std::to_string(value));
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

bool ReadBool(Context& ctx, const YAML::Node& node, const std::string& what, bool* out) {
  if (node.IsScalar() && !IsQuoted(node)) {
    const std::string& s = node.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      *out = true;
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      *out = false;
      return true;
    }
  }
  return WrongType(ctx, node, what, "true or false");
}

bool ReadDuration(Context& ctx, const YAML::Node& node, const std::string& what,
                  graph::Micros* out) {
  if (!node.IsScalar()) return WrongType(ctx, node, what, "a duration like 2s");
  graph::DurationRange range;
  std::string error;
  std::string hint;
  if (!ParseDurationRange(node.Scalar(), &range, &error, &hint)) {
    ctx.reporter.Error(Pos(node), what + ": " + error, hint);
    return false;
  }
  if (range.min != range.max) {
    ctx.reporter.Error(Pos(node), what + " must be one duration, not a range");
    return false;
  }
  *out = range.min;
  return true;
}

bool ReadPositiveDuration(Context& ctx, const YAML::Node& node, const std::string& what,
                          const std::string& zero_hint, graph::Micros* out) {
  if (!ReadDuration(ctx, node, what, out)) return false;
  if (out->count() > 0) return true;
  ctx.reporter.Error(Pos(node), what + " must be longer than 0", zero_hint);
  return false;
}

bool ReadRange(Context& ctx, const YAML::Node& node, const std::string& what,
               graph::DurationRange* out) {
  if (!node.IsScalar()) return WrongType(ctx, node, what, "a duration like 2s or 2s..8s");
  std::string error;
  std::string hint;
  if (!ParseDurationRange(node.Scalar(), out, &error, &hint)) {
    ctx.reporter.Error(Pos(node), what + ": " + error, hint);
    return false;
  }
  return true;
}

bool ReadTemplate(Context& ctx, const YAML::Node& node, const std::string& what,
                  graph::Escape escape, const TemplateScope& scope, graph::Template* out) {
  if (!node.IsScalar()) return WrongType(ctx, node, what, "text");
  int before = ctx.reporter.error_count();
  *out = CompileTemplate(ctx, node.Scalar(), Where(node), escape, scope);
  return ctx.reporter.error_count() == before;
}

bool ReadTemplateMap(Context& ctx, const YAML::Node& node, const std::string& what,
                     const std::string& example, const TemplateScope& scope,
                     std::vector<std::pair<std::string, graph::Template>>* out) {
  if (!node.IsMap()) return WrongType(ctx, node, what, "a mapping", example);
  if (!CheckKeys(ctx, node, {}, what)) return true;
  bool ok = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    graph::Template t;
    const std::string name = it->first.Scalar();
    ok = ReadTemplate(ctx, it->second, what + " " + name, graph::Escape::kNone, scope, &t) && ok;
    out->emplace_back(name, std::move(t));
  }
  return ok;
}

}  // namespace wsyaml::scenario
