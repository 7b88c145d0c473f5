// The inside of one `${...}`: today's forms (a name or fixed path, env.X:-default, the five
// old functions with bare-word arguments) keep their reading; anything else goes to the
// expression parser. templates.cpp finds the holes and calls CompileHole for each.
#include "scenario/template_holes.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "scenario/expr_parser.h"
#include "scenario/templates.h"

namespace wsyaml::scenario {

namespace {

using graph::Escape;
using graph::Function;
using graph::Segment;
using graph::SourcePos;

struct FunctionInfo {
  const char* name;
  Function function;
  int min_args;
  int max_args;  // -1 = any number
};

// The widest randomInt bounds: 2^53 - 1, exact in a double and in every JSON reader.
constexpr long long kMaxRandomInt = (1LL << 53) - 1;

constexpr FunctionInfo kFunctions[] = {
    {"randomInt", Function::kRandomInt, 2, 2},    {"randomString", Function::kRandomString, 1, 1},
    {"randomItem", Function::kRandomItem, 1, -1}, {"uuid", Function::kUuid, 0, 0},
    {"timestamp", Function::kTimestamp, 0, 0},
};

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!IsIdentChar(c)) return false;
  return true;
}

// A number as written in a function argument: -3, 1.5, 1e11.
bool IsNumberLiteral(std::string_view s) {
  std::string text(s);
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() &&
         (std::isdigit(static_cast<unsigned char>(text.back())) || text.back() == '.') &&
         text.find_first_of("xXnN") == std::string::npos;
}

// Splits function arguments at top-level commas.
std::vector<std::pair<size_t, std::string_view>> SplitArgs(std::string_view args) {
  std::vector<std::pair<size_t, std::string_view>> out;
  if (TrimBlank(args).empty()) return out;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i <= args.size(); ++i) {
    char c = i < args.size() ? args[i] : ',';
    if (quote) {
      if (c == quote) quote = 0;
      if (i < args.size()) continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(' || c == '{') {
      ++depth;
    } else if (c == ')' || c == '}') {
      --depth;
    } else if (c == ',' && depth <= 0) {
      out.emplace_back(start, args.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

class ExprCompiler {
 public:
  ExprCompiler(Context& ctx, const TemplateScope& scope) : ctx_(ctx), scope_(scope) {}

  // Compiles the body of one `${...}`; `pos` is where its `$` is. Today's forms (a name or
  // path, env.X:-default, randomItem(red, green), randomInt(1, ${max})) keep their reading;
  // anything else is an expression.
  bool Compile(std::string_view body, SourcePos pos, Segment* out, std::string* env_value,
               const ExprSource& source) {
    std::string_view expr = TrimBlank(body);
    size_t paren = expr.find('(');
    if (paren != std::string_view::npos && IsLegacyCall(expr, paren)) {
      return CompileCall(expr, paren, pos, out);
    }
    if (IsLegacyName(expr)) return CompileName(expr, pos, out, env_value);
    graph::Expr tree;
    if (!ParseExpr(ctx_, body, source, scope_, &tree)) return false;
    if (ExprToSegment(tree, out)) return true;
    out->kind = Segment::Kind::kExpr;
    out->expr = std::make_shared<const graph::Expr>(std::move(tree));
    return true;
  }

  // A name, a fixed path, or env.X[:-default], as today's templates read them.
  bool IsLegacyName(std::string_view expr) const {
    if (expr.compare(0, 4, "env.") == 0) {
      size_t end = 4;
      while (end < expr.size() && IsIdentChar(expr[end])) ++end;
      return end == expr.size() || expr.compare(end, 2, ":-") == 0;
    }
    for (size_t i = 0; i < expr.size(); ++i) {
      char c = expr[i];
      if (c == '[') {
        size_t close = expr.find(']', i);
        if (close == std::string_view::npos || close == i + 1 || expr[i + 1] == '-' ||
            !IsDecimal(expr.substr(i + 1, close - i - 1)))
          return false;
        i = close;
      } else if (!IsIdentChar(c) && c != '.') {
        return false;
      }
    }
    if (expr.empty()) return true;  // reported as today: "expected a name"
    // `-msg.n`, `-1`: a minus sign, not a name.
    if (std::isdigit(static_cast<unsigned char>(expr[0])) || expr[0] == '-') return false;
    size_t head_end = expr.find_first_of(".[");
    std::string head(expr.substr(0, head_end));
    // A variable with a path (`last.AAPL`) was an error before: now an expression.
    if (head_end != std::string_view::npos && !IsBuiltinHead(head) && IsKnownName(head))
      return false;
    // `a-1` with an unknown `a-1` but a known `a`: the expression a - 1.
    size_t dash = head.find('-');
    return dash == std::string::npos || IsBuiltinHead(head) || IsKnownName(head) ||
           !(IsKnownName(head.substr(0, dash)) || IsBuiltinHead(head.substr(0, dash)));
  }

  static bool IsBuiltinHead(std::string_view head) {
    return head == "msg" || head == "sent" || head == "data" || head == "vu" || head == "conn" ||
           head == "iter" || head == "args";
  }

  // One of today's functions whose arguments are all in today's forms: quoted text, a
  // number, a nested ${...}, or bare words (a name or text).
  bool IsLegacyCall(std::string_view expr, size_t paren) const {
    std::string name(TrimBlank(expr.substr(0, paren)));
    bool known = false;
    for (const auto& f : kFunctions) known = known || name == f.name;
    if (!known || expr.back() != ')') return false;
    std::string_view args = expr.substr(paren + 1, expr.size() - paren - 2);
    for (const auto& [offset, raw] : SplitArgs(args)) {
      std::string_view arg = TrimBlank(raw);
      bool quoted = arg.size() >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg.back() == arg[0] &&
                    arg.find(arg[0], 1) == arg.size() - 1;
      if (quoted || arg.find("${") != std::string_view::npos || IsNumberLiteral(arg)) continue;
      // A path (`msg.n`, `last.x`) was an error in randomInt and randomString: now an
      // expression. Other bare words keep today's reading (and errors).
      std::string_view head = arg.substr(0, arg.find_first_of(".["));
      bool path = head.size() < arg.size() && (IsBuiltinHead(head) || IsKnownName(head));
      if ((name == "randomInt" || name == "randomString") && path) return false;
      for (char c : arg)
        if (!IsIdentChar(c) && c != '.' && c != ' ') return false;
      if (arg.find(" - ") != std::string_view::npos) return false;
    }
    return true;
  }

  // The segment kinds of today for a bare name or path: cheaper to render than a tree.
  static bool ExprToSegment(const graph::Expr& e, Segment* out) {
    using K = graph::Expr::Kind;
    switch (e.kind) {
      case K::kVu:
        out->kind = Segment::Kind::kVu;
        return true;
      case K::kConn:
        out->kind = Segment::Kind::kConn;
        return true;
      case K::kIter:
        out->kind = Segment::Kind::kIter;
        return true;
      case K::kConnProtocol:
        out->kind = Segment::Kind::kConnProtocol;
        return true;
      case K::kVar:
      case K::kData:
        out->kind = e.kind == K::kVar ? Segment::Kind::kVar : Segment::Kind::kData;
        out->slot = e.slot;
        out->text = e.text;
        return true;
      case K::kMsg:
      case K::kSent:
        out->kind = e.kind == K::kMsg ? Segment::Kind::kMsg : Segment::Kind::kSent;
        out->path = e.path;
        return true;
      default:
        return false;
    }
  }

  // For the expression parser: a name or fixed path as today's templates resolve it.
  bool Resolve(std::string_view text, SourcePos pos, Segment* out, std::string* env_value,
               bool* env_unset) {
    if (text.compare(0, 4, "env.") == 0) {
      std::string name(text.substr(4));
      auto it = ctx_.options.env.find(name);
      *env_unset = it == ctx_.options.env.end();
      if (!*env_unset) *env_value = it->second;
      return true;
    }
    return CompileName(text, pos, out, env_value);
  }

  bool IsKnownName(std::string_view name) const {
    return name == "vu" || name == "conn" || name == "iter" ||
           ((name == "msg" || name == "args") && scope_.msg) ||
           ctx_.visible_vars.count(std::string(name)) > 0;
  }

 private:
  bool Fail(SourcePos pos, std::string message, std::string hint = {}) {
    ctx_.reporter.Error(pos, std::move(message), std::move(hint));
    return false;
  }

  bool CompileName(std::string_view expr, SourcePos pos, Segment* out, std::string* env_value) {
    size_t end = 0;
    while (end < expr.size() && IsIdentChar(expr[end])) ++end;
    std::string head(expr.substr(0, end));
    std::string_view rest = expr.substr(end);
    if (head.empty())
      return Fail(pos, "expected a name inside ${}, got \"" + std::string(expr) + "\"");
    if (head == "env") return CompileEnv(rest, pos, env_value);
    if (head == "msg" || head == "sent") {
      bool allowed = head == "msg" ? scope_.msg : scope_.sent;
      if (!allowed) {
        return Fail(pos,
                    "${" + head + "} is only available " +
                        (head == "msg" ? std::string("inside an on-message handler")
                                       : std::string("in a reply matcher")),
                    head == "msg" ? "use capture: {NAME: msg.path} to keep a value for later" : "");
      }
      out->kind = head == "msg" ? Segment::Kind::kMsg : Segment::Kind::kSent;
      std::string error;
      if (!ParseJsonPath(rest, &out->path, &error)) return Fail(pos, error);
      return true;
    }
    if (head == "data") return CompileData(rest, pos, out);
    if (head == "args" && !ctx_.visible_vars.count(head)) return CompileArgs(rest, pos, out);
    if (head == "conn" && rest == ".protocol") {
      out->kind = Segment::Kind::kConnProtocol;
      return true;
    }
    if (head == "vu" || head == "conn" || head == "iter" || ctx_.visible_vars.count(head)) {
      if (!rest.empty()) {
        return Fail(pos, "'" + head + "' has no fields: \"" + std::string(expr) + "\"",
                    head == "conn" ? "the only field of conn is ${conn.protocol}" : "");
      }
      if (head == "vu") out->kind = Segment::Kind::kVu;
      if (head == "conn") out->kind = Segment::Kind::kConn;
      if (head == "iter") out->kind = Segment::Kind::kIter;
      if (out->kind == Segment::Kind::kLiteral) {
        out->kind = Segment::Kind::kVar;
        out->slot = ctx_.Slot(head);
      }
      return true;
    }
    std::vector<std::string> known = {"vu", "conn", "iter", "env", "data"};
    if (scope_.msg) known.insert(known.end(), {"msg", "args"});
    if (scope_.sent) known.push_back("sent");
    known.insert(known.end(), ctx_.visible_vars.begin(), ctx_.visible_vars.end());
    std::string hint = DidYouMean(head, known);
    if (ctx_.declared_vars.count(head)) {
      return Fail(pos, "'" + head + "' is used before it is defined",
                  "vars are evaluated in order; move '" + head + "' above the one that uses it");
    }
    if (hint.empty())
      hint = "define it under vars:, or use vu, conn, iter, env.NAME, data.FEED.COLUMN";
    return Fail(pos, "unknown name '" + head + "' in template", hint);
  }

  bool CompileEnv(std::string_view rest, SourcePos pos, std::string* env_value) {
    if (rest.empty() || rest[0] != '.')
      return Fail(pos, "expected ${env.NAME}", "e.g. ${env.TARGET:-builtin:echo}");
    rest.remove_prefix(1);
    size_t sep = rest.find(":-");
    std::string name(TrimBlank(rest.substr(0, sep)));
    if (!IsIdentifier(name)) return Fail(pos, "bad environment variable name '" + name + "'");
    auto it = ctx_.options.env.find(name);
    if (it != ctx_.options.env.end()) {
      *env_value = it->second;
    } else if (sep != std::string_view::npos) {
      *env_value = std::string(rest.substr(sep + 2));
    } else {
      return Fail(
          pos, "environment variable '" + name + "' is not set",
          "set it, pass -e " + name + "=VALUE, or give a default: ${env." + name + ":-VALUE}");
    }
    return true;
  }

  // ${args[i]}: socket.io's arguments, a path into the message's meta (see kArgsKey).
  bool CompileArgs(std::string_view rest, SourcePos pos, Segment* out) {
    if (!scope_.msg) {
      return Fail(pos, "${args} is only available inside an on-message handler",
                  "use capture: {NAME: args[1]} to keep a value for later");
    }
    out->kind = Segment::Kind::kMsg;
    std::string error;
    if (!ParseMsgPath("args" + std::string(rest), &out->path, &error)) return Fail(pos, error);
    return true;
  }

  bool CompileData(std::string_view rest, SourcePos pos, Segment* out) {
    std::string_view parts = rest.empty() ? rest : rest.substr(1);
    size_t dot = parts.find('.');
    if (rest.empty() || rest[0] != '.' || dot == std::string_view::npos)
      return Fail(pos, "expected ${data.FEED.COLUMN}");
    std::string feed(parts.substr(0, dot));
    std::string column(parts.substr(dot + 1));
    const auto& feeders = ctx_.plan.feeders;
    for (size_t i = 0; i < feeders.size(); ++i) {
      if (feeders[i].name != feed) continue;
      bool found = feeders[i].columns.empty();  // unreadable file: already reported
      std::vector<std::string> columns = feeders[i].columns;
      for (const auto& c : columns) found = found || c == column;
      if (!found) {
        return Fail(pos, "feeder '" + feed + "' has no column '" + column + "'",
                    DidYouMean(column, columns));
      }
      out->kind = Segment::Kind::kData;
      out->slot = static_cast<int>(i);
      out->text = column;
      return true;
    }
    std::vector<std::string> names;
    for (const auto& f : feeders) names.push_back(f.name);
    std::string hint = DidYouMean(feed, names);
    return Fail(pos, "unknown feeder '" + feed + "'",
                hint.empty() ? "declare it under data: {" + feed + ": {csv: FILE}}" : hint);
  }

  bool CompileCall(std::string_view expr, size_t paren, SourcePos pos, Segment* out) {
    std::string name(TrimBlank(expr.substr(0, paren)));
    if (expr.back() != ')') return Fail(pos, "expected ')' at the end of " + name + "(...)");
    const FunctionInfo* info = nullptr;
    std::vector<std::string> names;
    for (const auto& f : kFunctions) {
      names.push_back(f.name);
      if (name == f.name) info = &f;
    }
    if (!info) {
      std::string hint = DidYouMean(name, names);
      return Fail(
          pos, "unknown function '" + name + "'",
          hint.empty() ? "functions: randomInt, randomString, randomItem, uuid, timestamp" : hint);
    }
    std::string_view args = expr.substr(paren + 1, expr.size() - paren - 2);
    auto parts = SplitArgs(args);
    int n = static_cast<int>(parts.size());
    if (n < info->min_args || (info->max_args >= 0 && n > info->max_args)) {
      std::string want = info->max_args < 0 ? "at least " + std::to_string(info->min_args)
                                            : std::to_string(info->min_args);
      return Fail(pos, name + "() takes " + want + " argument" +
                           (info->min_args == 1 && info->max_args == 1 ? "" : "s") + ", got " +
                           std::to_string(n));
    }
    out->kind = Segment::Kind::kCall;
    out->function = info->function;
    SourcePos args_pos = pos;
    args_pos.column += static_cast<int>(2 + paren + 1);  // past "${" and "("

    for (const auto& [offset, text] : parts) {
      SourcePos arg_pos = args_pos;
      size_t lead = 0;
      while (lead < text.size() && std::isspace(static_cast<unsigned char>(text[lead]))) ++lead;
      arg_pos.column += static_cast<int>(offset + lead);
      graph::Template arg;
      if (!CompileArg(text, arg_pos, info->function, &arg)) return false;
      out->args.push_back(std::move(arg));
    }
    if (info->function == Function::kRandomInt || info->function == Function::kRandomString)
      return CheckWholeArgs(out);
    return true;
  }

  // Arguments known now (literals, ${env...}) of randomInt and randomString: whole numbers
  // in range, rewritten in plain digits (1e3 -> 1000) for the engine. Others are run time.
  bool CheckWholeArgs(Segment* call) {
    const bool is_int = call->function == Function::kRandomInt;
    std::vector<long long> values;
    for (auto& arg : call->args) {
      if (!arg.IsConstant()) continue;
      std::string text;
      for (const auto& s : arg.segments) text += s.text;
      const std::string what = is_int ? "randomInt(a, b)" : "randomString(n)";
      char* end = nullptr;
      double value = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value))
        return Fail(arg.pos, what + " takes numbers, got \"" + text + "\"");
      if (value != std::floor(value))
        return Fail(arg.pos, what + " takes whole numbers, got " + text,
                    is_int ? "e.g. randomInt(1, 6)" : "e.g. randomString(8)");
      if (is_int && std::fabs(value) > kMaxRandomInt) {
        return Fail(arg.pos,
                    "randomInt(a, b) takes numbers from -" + std::to_string(kMaxRandomInt) +
                        " to " + std::to_string(kMaxRandomInt) + ", got " + text,
                    "2^53 - 1: the largest whole number every JSON reader keeps exactly");
      }
      if (!is_int && value < 0) return Fail(arg.pos, "randomString(n) needs n >= 0, got " + text);
      if (!is_int && value > graph::kMaxRandomString) {
        return Fail(arg.pos,
                    "randomString(n) makes at most " + std::to_string(graph::kMaxRandomString) +
                        " characters (1 MiB), got " + text,
                    "for a larger message, repeat the template or send a file: send: {file: "
                    "big.bin}");
      }
      values.push_back(static_cast<long long>(value));
      arg.segments.assign(1, Segment{});
      arg.segments[0].text = std::to_string(values.back());
    }
    if (is_int && values.size() == 2 && values[0] > values[1]) {
      return Fail(call->args[0].pos,
                  "randomInt(a, b) needs a <= b, got randomInt(" + std::to_string(values[0]) +
                      ", " + std::to_string(values[1]) + "): the range is empty",
                  "write the smaller number first: randomInt(" + std::to_string(values[1]) + ", " +
                      std::to_string(values[0]) + ")");
    }
    return true;
  }

  bool CompileArg(std::string_view raw, SourcePos pos, Function function, graph::Template* arg) {
    std::string_view text = TrimBlank(raw);
    arg->pos = pos;
    bool numeric = function == Function::kRandomInt || function == Function::kRandomString;
    if (text.empty()) return Fail(pos, "empty argument");
    if (text.size() >= 2 && (text[0] == '"' || text[0] == '\'') && text.back() == text[0]) {
      text = text.substr(1, text.size() - 2);
    } else if (text.find("${") != std::string_view::npos) {
      return AppendTemplate(ctx_, text, ScalarPos{pos, false}, false, Escape::kNone, scope_,
                            &arg->segments);
    } else if (IsKnownName(text)) {
      std::string hole = "${" + std::string(text) + "}";
      return AppendTemplate(ctx_, hole, ScalarPos{pos, false}, false, Escape::kNone, scope_,
                            &arg->segments);
    } else if (numeric && !IsNumberLiteral(text)) {
      return Fail(pos, "expected a number or ${name}, got \"" + std::string(text) + "\"");
    }
    if (numeric && !IsNumberLiteral(text))
      return Fail(pos, "expected a number, got \"" + std::string(text) + "\"");
    AppendLiteral(std::string(text), &arg->segments);
    if (arg->segments.empty()) arg->segments.push_back(Segment{});
    return true;
  }

  Context& ctx_;
  const TemplateScope& scope_;
};

}  // namespace

bool ResolveName(Context& ctx, std::string_view text, SourcePos pos, const TemplateScope& scope,
                 Segment* out, std::string* env_value, bool* env_unset) {
  ExprCompiler compiler(ctx, scope);
  return compiler.Resolve(text, pos, out, env_value, env_unset);
}

bool CompileHole(Context& ctx, const TemplateScope& scope, std::string_view body, SourcePos pos,
                 const ExprSource& source, Segment* out, std::string* env_value) {
  ExprCompiler compiler(ctx, scope);
  return compiler.Compile(body, pos, out, env_value, source);
}

}  // namespace wsyaml::scenario
