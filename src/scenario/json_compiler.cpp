// JSON payloads and matchers: YAML values rendered as compact JSON with escaped holes.
#include "scenario/json_compiler.h"

#include <re2/re2.h>

#include <set>

#include "scenario/literal_checks.h"
#include "scenario/templates.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

using graph::Escape;
using graph::Segment;

bool IsYamlBool(const std::string& s, bool* value) {
  if (s == "true" || s == "True" || s == "TRUE") return (*value = true);
  if (s == "false" || s == "False" || s == "FALSE") return !(*value = false);
  return false;
}

bool IsYamlNull(const std::string& s) {
  return s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty();
}

// A string leaf: `"text ${hole}"`, or a bare kJsonValue hole when it is just `${...}`.
bool AppendJsonString(Context& ctx, const YAML::Node& node, const TemplateScope& scope,
                      std::vector<Segment>* out) {
  const std::string& text = node.Scalar();
  // JSON text is UTF-8 (RFC 8259): a server would reject the frame, a matcher never match.
  if (!CheckUtf8(ctx, node, {}, "JSON text")) return false;
  if (IsSingleHole(text)) {
    std::vector<Segment> hole;
    if (!AppendTemplate(ctx, text, Where(node), false, Escape::kJsonValue, scope, &hole))
      return false;
    if (hole.size() == 1 && hole[0].kind == Segment::Kind::kLiteral) {
      // ${env.X}: known now, so render it as JSON here, keeping numbers bare.
      std::string json;
      if (IsJsonNumber(hole[0].text)) {
        json = hole[0].text;
      } else {
        json = "\"";
        AppendJsonEscaped(hole[0].text, &json);
        json += "\"";
      }
      AppendLiteral(std::move(json), out);
      return true;
    }
    for (auto& s : hole) out->push_back(std::move(s));
    return true;
  }
  AppendLiteral("\"", out);
  size_t first = out->size() - 1;  // the literal holding the quote: text may join it
  bool ok = AppendTemplate(ctx, text, Where(node), true, Escape::kJsonString, scope, out);
  AppendLiteral("\"", out);
  // Text from ${env...} is literal now: it must be UTF-8 too.
  return ok &&
         CheckUtf8(ctx, node, std::vector<Segment>(out->begin() + first, out->end()), "JSON text");
}

// A mapping as a JSON object: plain, UTF-8, unique keys; each value by AppendJson.
bool AppendJsonObject(Context& ctx, const YAML::Node& value, const TemplateScope& scope,
                      std::vector<Segment>* out) {
  bool ok = true;
  AppendLiteral("{", out);
  bool first = true;
  std::set<std::string> seen;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar() || key.Scalar().find("${") != std::string::npos) {
      ctx.reporter.Error(Pos(key), "JSON keys must be plain text, without ${...}");
      ok = false;
      continue;
    }
    if (!CheckUtf8(ctx, key, {}, "JSON key")) {
      ok = false;
      continue;
    }
    if (!seen.insert(key.Scalar()).second) {
      ctx.reporter.Error(Pos(key), "duplicate key '" + key.Scalar() + "' in json",
                         "YAML keeps only one of them; remove or rename one");
      ok = false;
      continue;
    }
    std::string k = first ? "\"" : ",\"";
    first = false;
    AppendJsonEscaped(key.Scalar(), &k);
    k += "\":";
    AppendLiteral(std::move(k), out);
    ok = AppendJson(ctx, it->second, scope, out) && ok;
  }
  AppendLiteral("}", out);
  return ok;
}

}  // namespace

bool IsJsonNumber(const std::string& text) {
  static const re2::RE2 kNumber(R"(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
  return re2::RE2::FullMatch(text, kNumber);
}

bool AppendJson(Context& ctx, const YAML::Node& value, const TemplateScope& scope,
                std::vector<Segment>* out) {
  if (value.IsNull()) {
    AppendLiteral("null", out);
    return true;
  }
  if (value.IsScalar()) {
    const std::string& s = value.Scalar();
    bool b = false;
    if (!IsQuoted(value)) {
      if (IsJsonNumber(s)) {
        AppendLiteral(s, out);
        return true;
      }
      if (IsYamlBool(s, &b)) {
        AppendLiteral(b ? "true" : "false", out);
        return true;
      }
      if (IsYamlNull(s)) {
        AppendLiteral("null", out);
        return true;
      }
    }
    return AppendJsonString(ctx, value, scope, out);
  }
  bool ok = true;
  if (value.IsSequence()) {
    AppendLiteral("[", out);
    bool first = true;
    for (const auto& item : value) {
      if (!first) AppendLiteral(",", out);
      first = false;
      ok = AppendJson(ctx, item, scope, out) && ok;
    }
    AppendLiteral("]", out);
    return ok;
  }
  return AppendJsonObject(ctx, value, scope, out);
}

}  // namespace wsyaml::scenario
