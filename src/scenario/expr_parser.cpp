// The expression grammar of `${...}`: tokens, precedence climbing, names, compile-time types.
#include "scenario/expr_parser.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>

#include "scenario/expr_functions.h"

namespace wsyaml::scenario {

namespace {

using graph::Expr;
using graph::Op;
using graph::ValueType;
using Kind = graph::Expr::Kind;

struct Token {
  enum class Type { kEnd, kNumber, kText, kIdent, kPunct };
  Type type = Type::kEnd;
  std::string text;  // identifier, punctuation, or the decoded string
  double number = 0;
  size_t offset = 0;
};

const char* const kPuncts[] = {"${", "??", "||", "&&", "==", "!=", "<=", ">=", "?",
                               ":",  "<",  ">",  "!",  "+",  "-",  "*",  "/",  "%",
                               ".",  "[",  "]",  "(",  ")",  "{",  "}",  ","};

class Parser {
 public:
  Parser(Context& ctx, std::string_view body, const ExprSource& source, const TemplateScope& scope)
      : ctx_(ctx), body_(body), source_(source), scope_(scope) {}

  bool Parse(Expr* out) {
    if (!Next()) return false;
    if (!Ternary(out)) return false;
    if (tok_.type != Token::Type::kEnd) return Fail(tok_.offset, "unexpected '" + tok_.text + "'");
    for (size_t offset : unset_env_) {
      Fail(offset, "environment variable '" + std::string(EnvName(offset)) + "' is not set",
           "set it, or give a default: env.NAME ?? \"value\"");
    }
    return unset_env_.empty();
  }

 private:
  graph::SourcePos PosAt(size_t offset) const {
    return PosIn(source_.where, source_.text, source_.offset + offset);
  }

  bool Fail(size_t offset, std::string message, std::string hint = {}) {
    ctx_.reporter.Error(PosAt(offset), std::move(message), std::move(hint));
    return false;
  }

  // A call that is the whole hole is blamed at its `${`, as templates always did.
  bool FailCall(size_t offset, std::string message, std::string hint = {}) {
    bool whole = body_.find_first_not_of(" \t") == offset && source_.offset >= 2;
    graph::SourcePos pos =
        whole ? PosIn(source_.where, source_.text, source_.offset - 2) : PosAt(offset);
    ctx_.reporter.Error(pos, std::move(message), std::move(hint));
    return false;
  }

  Expr Node(Kind kind, size_t offset) const {
    Expr e;
    e.kind = kind;
    graph::SourcePos p = PosAt(offset);
    e.pos = {p.line, p.column};
    return e;
  }

  std::string_view EnvName(size_t offset) const {
    size_t start = offset + 4, end = start;
    while (end < body_.size() &&
           (std::isalnum(static_cast<unsigned char>(body_[end])) || body_[end] == '_'))
      ++end;
    return body_.substr(start, end - start);
  }

  bool Next() {
    size_t i = pos_;
    while (i < body_.size() && std::isspace(static_cast<unsigned char>(body_[i]))) ++i;
    tok_ = Token{};
    tok_.offset = i;
    if (i >= body_.size()) {
      pos_ = i;
      return true;
    }
    char c = body_[i];
    if (std::isdigit(static_cast<unsigned char>(c))) return LexNumber(i);
    if (c == '"' || c == '\'') return LexString(i);
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = i;
      while (end < body_.size() &&
             (std::isalnum(static_cast<unsigned char>(body_[end])) || body_[end] == '_'))
        ++end;
      tok_.type = Token::Type::kIdent;
      tok_.text = std::string(body_.substr(i, end - i));
      pos_ = end;
      return true;
    }
    for (const char* p : kPuncts) {
      std::string_view punct(p);
      if (body_.compare(i, punct.size(), punct) == 0) {
        tok_.type = Token::Type::kPunct;
        tok_.text = std::string(punct);
        pos_ = i + punct.size();
        return true;
      }
    }
    return Fail(i, "unexpected character '" + std::string(1, c) + "' in expression");
  }

  bool LexNumber(size_t i) {
    std::string text(body_.substr(i));
    char* end = nullptr;
    tok_.number = std::strtod(text.c_str(), &end);
    size_t n = static_cast<size_t>(end - text.c_str());
    if (text.find_first_of("xXnNiI") < n) n = text.find_first_of("xXnNiI");  // no hex, nan, inf
    tok_.type = Token::Type::kNumber;
    tok_.number = std::strtod(text.substr(0, n).c_str(), nullptr);
    pos_ = i + n;
    return true;
  }

  bool LexString(size_t i) {
    char quote = body_[i];
    std::string out;
    for (size_t j = i + 1; j < body_.size(); ++j) {
      char c = body_[j];
      if (c == quote) {
        tok_.type = Token::Type::kText;
        tok_.text = std::move(out);
        pos_ = j + 1;
        return true;
      }
      if (c == '\\' && j + 1 < body_.size()) {
        char e = body_[++j];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      } else {
        out += c;
      }
    }
    return Fail(i, "unterminated string in expression", "close it with " + std::string(1, quote));
  }

  bool Is(const char* punct) const {
    return tok_.type == Token::Type::kPunct && tok_.text == punct;
  }

  bool Expect(const char* punct) {
    if (!Is(punct)) {
      return Fail(tok_.offset,
                  std::string("expected '") + punct + "', got " +
                      (tok_.type == Token::Type::kEnd ? "the end" : "'" + tok_.text + "'"));
    }
    return Next();
  }

  static bool Fits(const Expr& e, ValueType want) {
    return e.type == ValueType::kUnknown || e.type == want;
  }

  bool Ternary(Expr* out) {
    size_t at = tok_.offset;
    if (!Coalesce(out)) return false;
    if (!Is("?")) return true;
    if (!Fits(*out, ValueType::kBool))
      return Fail(at, std::string("the condition of ?: needs bool, got ") + TypeName(out->type));
    Expr node = Node(Kind::kCond, at);
    node.args.resize(3);
    node.args[0] = std::move(*out);
    if (!Next() || !Ternary(&node.args[1]) || !Expect(":") || !Ternary(&node.args[2])) return false;
    node.type = node.args[1].type == node.args[2].type ? node.args[1].type : ValueType::kUnknown;
    *out = std::move(node);
    return true;
  }

  bool Coalesce(Expr* out) {
    size_t at = tok_.offset;
    if (!Binary(0, out)) return false;
    while (Is("??")) {
      if (out->kind == Kind::kNull && unset_env_.count(at)) unset_env_.erase(at);
      Expr node = Node(Kind::kCoalesce, at);
      node.args.resize(2);
      node.args[0] = std::move(*out);
      if (!Next() || !Binary(0, &node.args[1])) return false;
      node.type = node.args[0].type == node.args[1].type ? node.args[0].type : ValueType::kUnknown;
      if (node.args[0].kind == Kind::kNull) node.type = node.args[1].type;
      *out = std::move(node);
    }
    return true;
  }

  struct BinOp {
    const char* text;
    Op op;
    int level;
  };

  const BinOp* CurrentOp() const {
    static const BinOp kOps[] = {
        {"||", Op::kOr, 0}, {"&&", Op::kAnd, 1}, {"==", Op::kEq, 2}, {"!=", Op::kNe, 2},
        {"<", Op::kLt, 3},  {"<=", Op::kLe, 3},  {">", Op::kGt, 3},  {">=", Op::kGe, 3},
        {"in", Op::kIn, 4}, {"+", Op::kAdd, 5},  {"-", Op::kSub, 5}, {"*", Op::kMul, 6},
        {"/", Op::kDiv, 6}, {"%", Op::kMod, 6},
    };
    if (tok_.type != Token::Type::kPunct &&
        !(tok_.type == Token::Type::kIdent && tok_.text == "in"))
      return nullptr;
    for (const auto& op : kOps)
      if (tok_.text == op.text) return &op;
    return nullptr;
  }

  bool Binary(int level, Expr* out) {
    if (level > 6) return Unary(out);
    size_t at = tok_.offset;
    if (!Binary(level + 1, out)) return false;
    for (const BinOp* op = CurrentOp(); op && op->level == level; op = CurrentOp()) {
      size_t op_at = tok_.offset;
      Expr node = Node(Kind::kBinary, at);
      node.op = op->op;
      node.args.resize(2);
      node.args[0] = std::move(*out);
      if (!Next() || !Binary(level + 1, &node.args[1])) return false;
      std::string error = TypeBinary(&node);
      if (!error.empty()) return Fail(op_at, "'" + std::string(op->text) + "' " + error);
      *out = std::move(node);
    }
    return true;
  }

  bool Unary(Expr* out) {
    size_t at = tok_.offset;
    if (Is("!") || Is("-")) {
      Expr node = Node(Kind::kUnary, at);
      node.op = Is("!") ? Op::kNot : Op::kNeg;
      node.args.resize(1);
      if (!Next() || !Unary(&node.args[0])) return false;
      ValueType want = node.op == Op::kNot ? ValueType::kBool : ValueType::kNumber;
      if (!Fits(node.args[0], want)) {
        return Fail(at,
                    std::string(node.op == Op::kNot ? "'!'" : "'-'") + " needs " + TypeName(want) +
                        ", got " + TypeName(node.args[0].type),
                    node.op == Op::kNot ? "e.g. !has(msg.error), or x != \"\"" : "");
      }
      node.type = want;
      if (node.op == Op::kNeg && node.args[0].kind == Kind::kNumber) {
        node.args[0].number = -node.args[0].number;
        node.args[0].pos = node.pos;
        *out = std::move(node.args[0]);
        return true;
      }
      *out = std::move(node);
      return true;
    }
    return Postfix(out);
  }

  bool Postfix(Expr* out) {
    size_t at = tok_.offset;
    if (!Primary(out)) return false;
    while (true) {
      if (Is(".")) {
        if (!Next()) return false;
        if (tok_.type != Token::Type::kIdent)
          return Fail(tok_.offset, "expected a field name after '.'");
        Expr node = Node(Kind::kMember, at);
        node.text = tok_.text;
        node.args.push_back(std::move(*out));
        *out = std::move(node);
        if (!Next()) return false;
      } else if (Is("[")) {
        Expr node = Node(Kind::kIndex, at);
        node.args.resize(2);
        node.args[0] = std::move(*out);
        if (!Next() || !Ternary(&node.args[1]) || !Expect("]")) return false;
        *out = std::move(node);
      } else {
        return true;
      }
    }
  }

  bool Primary(Expr* out) {
    size_t at = tok_.offset;
    switch (tok_.type) {
      case Token::Type::kEnd:
        return Fail(at, "expected a value, got the end of the expression");
      case Token::Type::kNumber:
        *out = Node(Kind::kNumber, at);
        out->number = tok_.number;
        out->type = ValueType::kNumber;
        return Next();
      case Token::Type::kText:
        *out = Node(Kind::kText, at);
        out->text = tok_.text;
        out->type = ValueType::kText;
        return Next();
      case Token::Type::kIdent:
        return Identifier(out);
      case Token::Type::kPunct:
        break;
    }
    if (Is("(")) return Next() && Ternary(out) && Expect(")");
    if (Is("${")) return Next() && Ternary(out) && Expect("}");
    if (Is("[")) return List(out);
    if (Is("{")) return Map(out);
    return Fail(at, "expected a value, got '" + tok_.text + "'");
  }

  bool List(Expr* out) {
    *out = Node(Kind::kList, tok_.offset);
    out->type = ValueType::kList;
    if (!Next()) return false;
    while (!Is("]")) {
      out->args.emplace_back();
      if (!Ternary(&out->args.back())) return false;
      if (!Is("]") && !Expect(",")) return false;
    }
    return Next();
  }

  bool Map(Expr* out) {
    *out = Node(Kind::kMap, tok_.offset);
    out->type = ValueType::kMap;
    if (!Next()) return false;
    while (!Is("}")) {
      if (tok_.type != Token::Type::kIdent && tok_.type != Token::Type::kText)
        return Fail(tok_.offset, "expected a key (a name or \"text\") in the map");
      out->keys.push_back(tok_.text);
      out->args.emplace_back();
      if (!Next() || !Expect(":") || !Ternary(&out->args.back())) return false;
      if (!Is("}") && !Expect(",")) return false;
    }
    return Next();
  }

  bool Identifier(Expr* out);
  bool Call(const std::string& name, size_t at, Expr* out);
  bool Name(size_t at, Expr* out);
  size_t PathEnd(const std::string& head, size_t i) const;

  Context& ctx_;
  std::string_view body_;
  const ExprSource& source_;
  const TemplateScope& scope_;
  size_t pos_ = 0;
  Token tok_;
  std::set<size_t> unset_env_;
};

bool Parser::Identifier(Expr* out) {
  size_t at = tok_.offset;
  std::string name = tok_.text;
  if (name == "true" || name == "false") {
    *out = Node(Kind::kBool, at);
    out->boolean = name == "true";
    out->type = ValueType::kBool;
    return Next();
  }
  if (name == "null") {
    *out = Node(Kind::kNull, at);
    out->type = ValueType::kNull;
    return Next();
  }
  if (!Next()) return false;
  if (Is("(")) return Call(name, at, out);
  return Name(at, out);
}

bool Parser::Call(const std::string& name, size_t at, Expr* out) {
  const ExprFunctionInfo* info = FindFunction(name);
  if (!info) {
    std::string hint = DidYouMean(name, FunctionNames());
    return FailCall(at, "unknown function '" + name + "'",
                    hint.empty()
                        ? "functions: len, has, int, float, str, lower, upper, trim, split, "
                          "join, startsWith, endsWith, matches, min, max, abs, keys, "
                          "parseJson, toJson, now, randomInt, randomString, randomItem, "
                          "uuid, timestamp"
                        : hint);
  }
  *out = Node(Kind::kCall, at);
  out->function = info->function;
  out->type = info->result;
  if (!Next()) return false;
  while (!Is(")")) {
    out->args.emplace_back();
    if (!Ternary(&out->args.back())) return false;
    if (!Is(")") && !Expect(",")) return false;
  }
  int n = static_cast<int>(out->args.size());
  if (n < info->min_args || (info->max_args >= 0 && n > info->max_args)) {
    std::string want = info->max_args < 0 ? "at least " + std::to_string(info->min_args)
                                          : std::to_string(info->min_args);
    return FailCall(at, name + "() takes " + want + " argument" + (want == "1" ? "" : "s") +
                            ", got " + std::to_string(n));
  }
  std::string error = CheckCall(out);
  if (!error.empty()) return FailCall(at, error);
  return Next();
}

// A name and the fixed path after it (msg.a.b[0], data.F.C, conn.protocol), resolved as the
// old templates resolve it, so both spellings mean the same and report the same errors.
bool Parser::Name(size_t at, Expr* out) {
  const size_t ident_end =
      at + body_.substr(at).find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
  std::string head(body_.substr(at, ident_end - at));
  size_t end = PathEnd(head, ident_end);
  std::string text(body_.substr(at, end - at));
  graph::Segment seg;
  std::string env_value;
  bool env_unset = false;
  if (!ResolveName(ctx_, text, PosAt(at), scope_, &seg, &env_value, &env_unset)) return false;
  if (head == "env") {
    *out = Node(env_unset ? Kind::kNull : Kind::kText, at);
    out->type = env_unset ? ValueType::kNull : ValueType::kText;
    out->text = env_value;
    if (env_unset) unset_env_.insert(at);
  } else {
    Expr leaf = SegmentToExpr(seg);
    leaf.pos = Node(Kind::kNull, at).pos;
    *out = std::move(leaf);
  }
  if (end == ident_end) return true;  // tok_ already follows the name
  pos_ = end;
  return Next();
}

// Where the fixed path after `head` ends: `.name` and `[digits]` for msg and sent, `.F.C` for
// data, `.NAME` for env, `.protocol` for conn; nothing for other names.
size_t Parser::PathEnd(const std::string& head, size_t i) const {
  auto word_end = [&](size_t j) {
    while (j < body_.size() && (std::isalnum(static_cast<unsigned char>(body_[j])) ||
                                body_[j] == '_' || body_[j] == '-'))
      ++j;
    return j;
  };
  auto dotted = [&](size_t j) {
    return j + 1 < body_.size() && body_[j] == '.' &&
           (std::isalpha(static_cast<unsigned char>(body_[j + 1])) || body_[j + 1] == '_');
  };
  if (head == "env" && dotted(i)) return word_end(i + 1);
  if (head == "conn" && body_.compare(i, 9, ".protocol") == 0 && word_end(i + 1) == i + 9)
    return i + 9;
  if (head == "data") {
    for (int part = 0; part < 2 && dotted(i); ++part) i = word_end(i + 1);
    return i;
  }
  if (head != "msg" && head != "sent" && head != "args") return i;
  while (i < body_.size()) {
    if (dotted(i)) {
      i = word_end(i + 1);
    } else if (body_[i] == '[' && i + 1 < body_.size() &&
               std::isdigit(static_cast<unsigned char>(body_[i + 1]))) {
      size_t j = i + 1;
      while (j < body_.size() && std::isdigit(static_cast<unsigned char>(body_[j]))) ++j;
      if (j >= body_.size() || body_[j] != ']') return i;
      i = j + 1;
    } else {
      return i;
    }
  }
  return i;
}

}  // namespace

bool ParseExpr(Context& ctx, std::string_view body, const ExprSource& source,
               const TemplateScope& scope, graph::Expr* out) {
  Parser parser(ctx, body, source, scope);
  return parser.Parse(out);
}

bool CompileCondition(Context& ctx, std::string_view body, const ExprSource& source,
                      const TemplateScope& scope, graph::Expr* out) {
  if (!ParseExpr(ctx, body, source, scope, out)) return false;
  if (out->type == ValueType::kUnknown || out->type == ValueType::kBool) return true;
  ctx.reporter.Error(PosIn(source.where, source.text, source.offset),
                     std::string("a condition must be a bool, this is ") + TypeName(out->type),
                     "compare it, e.g. ${x == \"yes\"} or ${len(x) > 0}");
  return false;
}

}  // namespace wsyaml::scenario
