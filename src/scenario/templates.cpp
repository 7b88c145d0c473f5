// `${...}` templates: finding the holes (template_holes.cpp compiles each), literals and
// escapes, JSON paths. Compiled once into segments.
#include "scenario/templates.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <re2/re2.h>

#include "scenario/template_holes.h"

namespace wsyaml::scenario {

using graph::Escape;
using graph::Segment;
using graph::SourcePos;

std::string_view TrimBlank(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsDecimal(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

SourcePos PosIn(ScalarPos where, std::string_view text, size_t offset) {
  SourcePos pos = where.pos;
  if (pos.line == 0) return pos;
  pos.column += where.quoted ? 1 : 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

namespace {

// Index just past the `}` closing the `${` whose body starts at `begin`; npos if none.
size_t FindClose(std::string_view text, size_t begin) {
  int depth = 1;
  int parens = 0;
  char quote = 0;
  for (size_t i = begin; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (parens > 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (c == '(') {
      ++parens;
    } else if (c == ')') {
      parens = parens > 0 ? parens - 1 : 0;
    } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ++depth;
      ++i;
    } else if (c == '{') {  // a map literal {k: v}
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

graph::Expr SegmentToExpr(const Segment& seg) {
  using K = graph::Expr::Kind;
  graph::Expr e;
  switch (seg.kind) {
    case Segment::Kind::kVu:
      e.kind = K::kVu;
      e.type = graph::ValueType::kNumber;
      break;
    case Segment::Kind::kConn:
      e.kind = K::kConn;
      e.type = graph::ValueType::kNumber;
      break;
    case Segment::Kind::kIter:
      e.kind = K::kIter;
      e.type = graph::ValueType::kNumber;
      break;
    case Segment::Kind::kConnProtocol:
      e.kind = K::kConnProtocol;
      e.type = graph::ValueType::kText;
      break;
    case Segment::Kind::kVar:
      e.kind = K::kVar;
      break;
    case Segment::Kind::kData:
      e.kind = K::kData;
      e.type = graph::ValueType::kText;
      break;
    case Segment::Kind::kMsg:
    case Segment::Kind::kSent:
      e.kind = seg.kind == Segment::Kind::kMsg ? K::kMsg : K::kSent;
      e.path = seg.path;
      break;
    default:
      break;
  }
  e.slot = seg.slot;
  e.text = seg.text;
  return e;
}

void AppendLiteral(std::string text, std::vector<Segment>* out) {
  if (text.empty()) return;
  if (!out->empty() && out->back().kind == Segment::Kind::kLiteral) {
    out->back().text += text;
    return;
  }
  Segment s;
  s.text = std::move(text);
  out->push_back(std::move(s));
}

bool AppendTemplate(Context& ctx, std::string_view text, ScalarPos where, bool json_string,
                    Escape escape, const TemplateScope& scope, std::vector<Segment>* out) {
  auto literal = [&](std::string_view piece) {
    std::string lit;
    if (json_string) {
      AppendJsonEscaped(piece, &lit);
    } else {
      lit = std::string(piece);
    }
    AppendLiteral(std::move(lit), out);
  };
  bool ok = true;
  size_t i = 0;
  while (i < text.size()) {
    size_t hole = text.find('$', i);
    if (hole == std::string_view::npos) {
      literal(text.substr(i));
      break;
    }
    if (text.compare(hole, 3, "$${") == 0) {  // escaped: a literal "${"
      literal(text.substr(i, hole - i));
      literal("${");
      i = hole + 3;
      continue;
    }
    if (text.compare(hole, 2, "${") != 0) {
      literal(text.substr(i, hole + 1 - i));
      i = hole + 1;
      continue;
    }
    literal(text.substr(i, hole - i));
    size_t close = FindClose(text, hole + 2);
    if (close == std::string_view::npos) {
      ctx.reporter.Error(PosIn(where, text, hole), "unterminated ${ in template",
                         "close it with }, or write $${ for a literal ${");
      return false;
    }
    Segment segment;
    segment.escape = json_string ? Escape::kJsonString : escape;
    std::string env_value;
    std::string_view body = text.substr(hole + 2, close - hole - 3);
    ExprSource source{text, where, hole + 2};
    if (!CompileHole(ctx, scope, body, PosIn(where, text, hole), source, &segment, &env_value)) {
      ok = false;
    } else if (segment.kind == Segment::Kind::kLiteral) {
      // ${env...}: resolved now, so the value is literal text.
      if (json_string || escape == Escape::kNone) {
        literal(env_value);
      } else if (escape == Escape::kRegex) {
        AppendLiteral(re2::RE2::QuoteMeta(env_value), out);
      } else {
        AppendLiteral(env_value, out);
      }
    } else {
      out->push_back(std::move(segment));
    }
    i = close;
  }
  return ok;
}

graph::Template CompileTemplate(Context& ctx, std::string_view text, ScalarPos where, Escape escape,
                                const TemplateScope& scope) {
  graph::Template t;
  t.pos = where.pos;
  AppendTemplate(ctx, text, where, false, escape, scope, &t.segments);
  return t;
}

bool IsSingleHole(std::string_view text) {
  return text.size() >= 3 && text.compare(0, 2, "${") == 0 && FindClose(text, 2) == text.size();
}

bool ParseJsonPath(std::string_view text, graph::JsonPath* path, std::string* error) {
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '.') {
      size_t start = ++i;
      while (i < text.size() && text[i] != '.' && text[i] != '[') ++i;
      if (start == i) {
        *error = "empty field name in path \"" + std::string(text) + "\"";
        return false;
      }
      path->push_back(graph::PathElem{std::string(text.substr(start, i - start)), -1});
    } else if (text[i] == '[') {
      size_t close = text.find(']', i);
      std::string_view digits =
          close == std::string_view::npos ? "" : text.substr(i + 1, close - i - 1);
      if (digits.empty() || digits.size() > 9 || !IsDecimal(digits) || digits[0] == '-' ||
          digits.find('.') != std::string_view::npos) {
        *error = "expected an array index like [0] in path \"" + std::string(text) + "\"";
        return false;
      }
      path->push_back(graph::PathElem{"", std::stoi(std::string(digits))});
      i = close + 1;
    } else {
      *error = "unexpected '" + std::string(1, text[i]) + "' in path \"" + std::string(text) + "\"";
      return false;
    }
  }
  return true;
}

bool ParseMsgPath(std::string_view text, graph::JsonPath* path, std::string* error) {
  text = TrimBlank(text);
  if (text.compare(0, 4, "args") == 0 && (text.size() == 4 || text[4] == '[' || text[4] == '.')) {
    path->assign(1, graph::PathElem{std::string(kArgsKey)});
    graph::JsonPath rest;
    if (!ParseJsonPath(text.substr(4), &rest, error)) return false;
    path->insert(path->end(), rest.begin(), rest.end());
    return true;
  }
  if (text.compare(0, 3, "msg") != 0 || (text.size() > 3 && text[3] != '.' && text[3] != '[')) {
    *error = "expected msg or msg.path (e.g. msg.user.id), got \"" + std::string(text) + "\"";
    return false;
  }
  return ParseJsonPath(text.substr(3), path, error);
}

std::string MsgPathSource(const graph::JsonPath& path) {
  bool args = !path.empty() && path.front().index < 0 && path.front().key == kArgsKey;
  std::string out = args ? "args" : "msg";
  for (size_t i = args ? 1 : 0; i < path.size(); ++i)
    out += path[i].index >= 0 ? "[" + std::to_string(path[i].index) + "]" : "." + path[i].key;
  return out;
}

}  // namespace wsyaml::scenario
