#include "engine/expr_eval.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace wsyaml::engine {

namespace {

using graph::Expr;
using graph::Op;
using Kind = graph::Expr::Kind;
using Type = Value::Type;

// Error messages are built only here, out of line, when an evaluation fails.
[[gnu::cold]] bool Error(const Expr& at, std::string message, EvalError* error) {
  error->pos = at.pos;
  error->message = std::move(message);
  return false;
}

const char* OpText(Op op) {
  static const char* const kText[] = {
      "!", "-", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"};
  return kText[static_cast<int>(op)];
}

// "'op' needs NEEDS, got A[ and B]".
[[gnu::cold]] bool TypeError(const Expr& at, Op op, const char* needs, const Value& a,
                             const Value* b, EvalError* error) {
  std::string message =
      std::string("'") + OpText(op) + "' needs " + needs + ", got " + a.Describe();
  if (b) message += " and " + b->Describe();
  return Error(at, std::move(message), error);
}

[[gnu::cold]] bool IndexError(const Expr& at, const Value& base, const Value& key,
                              EvalError* error) {
  return Error(at, "cannot index " + base.Describe() + " with " + key.Describe(), error);
}

bool Equal(const Value& a, const Value& b) {
  if (a.IsNullish() || b.IsNullish()) return a.IsNullish() && b.IsNullish();
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Type::kBool:
      return a.boolean() == b.boolean();
    case Type::kNumber:
      return a.number() == b.number();
    case Type::kText:
      return a.text() == b.text();
    default:
      return a.json() == b.json();
  }
}

bool Contains(const Value& item, const Value& in, bool* out) {
  if (in.type() == Type::kText) {
    if (item.type() != Type::kText) return false;
    *out = in.text().find(item.text()) != std::string_view::npos;
    return true;
  }
  if (in.type() == Type::kMap) {
    if (item.type() != Type::kText) return false;
    *out = FindKey(in.json(), item.text()) != nullptr;
    return true;
  }
  if (in.type() != Type::kList) return false;
  *out = false;
  for (const auto& element : in.json()) *out = *out || Equal(item, Value::Borrow(&element));
  return true;
}

bool Arithmetic(const Expr& e, const Value& a, const Value& b, Value* out, EvalError* error) {
  if (e.op == Op::kAdd && (a.type() == Type::kText || b.type() == Type::kText)) {
    std::string text;
    a.AppendText(&text);
    b.AppendText(&text);
    *out = Value::OwnText(std::move(text));
    return true;
  }
  if (e.op == Op::kAdd && a.type() == Type::kList && b.type() == Type::kList) {
    nlohmann::json list = a.json();
    for (const auto& x : b.json()) list.push_back(x);
    *out = Value::Own(std::move(list));
    return true;
  }
  if (a.type() != Type::kNumber || b.type() != Type::kNumber)
    return TypeError(e, e.op, "numbers", a.type() != Type::kNumber ? a : b, nullptr, error);
  double x = a.number(), y = b.number();
  switch (e.op) {
    case Op::kAdd:
      *out = Value::Number(x + y);
      return true;
    case Op::kSub:
      *out = Value::Number(x - y);
      return true;
    case Op::kMul:
      *out = Value::Number(x * y);
      return true;
    case Op::kDiv:
    case Op::kMod:
      if (y == 0) return Error(e, std::string("'") + OpText(e.op) + "' by zero", error);
      *out = Value::Number(e.op == Op::kDiv ? x / y : std::fmod(x, y));
      return true;
    default:
      return Error(e, "bad operator", error);
  }
}

bool Compare(const Expr& e, const Value& a, const Value& b, Value* out, EvalError* error) {
  int order = 0;
  if (a.type() == Type::kNumber && b.type() == Type::kNumber) {
    order = a.number() < b.number() ? -1 : a.number() > b.number() ? 1 : 0;
  } else if (a.type() == Type::kText && b.type() == Type::kText) {
    order = a.text().compare(b.text());
  } else if (a.type() == b.type()) {
    return TypeError(e, e.op, "two numbers or two texts", a, nullptr, error);
  } else {
    return TypeError(e, e.op, "two numbers or two texts", a, &b, error);
  }
  bool r = e.op == Op::kLt   ? order < 0
           : e.op == Op::kLe ? order <= 0
           : e.op == Op::kGt ? order > 0
                             : order >= 0;
  *out = Value::Bool(r);
  return true;
}

bool Binary(const Expr& e, const EvalContext& ctx, Value* out, EvalError* error) {
  Value a;
  if (!Evaluate(e.args[0], ctx, &a, error)) return false;
  if (e.op == Op::kAnd || e.op == Op::kOr) {
    if (a.type() != Type::kBool) return TypeError(e.args[0], e.op, "bools", a, nullptr, error);
    if (a.boolean() == (e.op == Op::kOr)) {
      *out = std::move(a);
      return true;
    }
    if (!Evaluate(e.args[1], ctx, out, error)) return false;
    if (out->type() != Type::kBool)
      return TypeError(e.args[1], e.op, "bools", *out, nullptr, error);
    return true;
  }
  Value b;
  if (!Evaluate(e.args[1], ctx, &b, error)) return false;
  switch (e.op) {
    case Op::kEq:
    case Op::kNe:
      *out = Value::Bool(Equal(a, b) == (e.op == Op::kEq));
      return true;
    case Op::kLt:
    case Op::kLe:
    case Op::kGt:
    case Op::kGe:
      return Compare(e, a, b, out, error);
    case Op::kIn: {
      bool found = false;
      if (!Contains(a, b, &found))
        return TypeError(e, e.op, "an item and a list, a key and a map, or two texts", a, &b,
                         error);
      *out = Value::Bool(found);
      return true;
    }
    default:
      return Arithmetic(e, a, b, out, error);
  }
}

bool Unary(const Expr& e, const EvalContext& ctx, Value* out, EvalError* error) {
  Value a;
  if (!Evaluate(e.args[0], ctx, &a, error)) return false;
  if (e.op == Op::kNot) {
    if (a.type() != Type::kBool) return TypeError(e, e.op, "a bool", a, nullptr, error);
    *out = Value::Bool(!a.boolean());
    return true;
  }
  if (a.type() != Type::kNumber) return TypeError(e, e.op, "a number", a, nullptr, error);
  *out = Value::Number(-a.number());
  return true;
}

// base[key] and base.name: missing when absent; a list takes whole numbers, a map text.
bool Element(const Expr& e, Value&& base, const Value& key, Value* out, EvalError* error) {
  if (base.IsNullish()) {
    *out = Value();
    return true;
  }
  const nlohmann::json* found = nullptr;
  if (base.type() == Type::kMap && key.type() == Type::kText) {
    found = FindKey(base.json(), key.text());
  } else if (base.type() == Type::kList && key.type() == Type::kNumber) {
    double i = key.number();
    if (i < 0) i += static_cast<double>(base.json().size());
    bool in_range = i >= 0 && i == std::floor(i) && i < static_cast<double>(base.json().size());
    if (in_range) found = &base.json()[static_cast<size_t>(i)];
  } else if (e.kind != Kind::kMember) {
    return IndexError(e, base, key, error);
  }
  // An element of a computed list or map keeps that storage alive (no copy).
  *out = found ? Value::ElementOf(std::move(base), found) : Value();
  return true;
}

bool Access(const Expr& e, const EvalContext& ctx, Value* out, EvalError* error) {
  Value base;
  if (!Evaluate(e.args[0], ctx, &base, error)) return false;
  Value key;
  if (e.kind == Kind::kMember) {
    key = Value::BorrowText(e.text);
  } else if (!Evaluate(e.args[1], ctx, &key, error)) {
    return false;
  }
  return Element(e, std::move(base), key, out, error);
}

const nlohmann::json* VarAt(const EvalContext& ctx, int slot) {
  if (!ctx.vars || slot < 0 || static_cast<size_t>(slot) >= ctx.vars->size()) return nullptr;
  return &(*ctx.vars)[slot];
}

bool Leaf(const Expr& e, const EvalContext& ctx, Value* out) {
  switch (e.kind) {
    case Kind::kNull:
      *out = Value::Null();
      return true;
    case Kind::kBool:
      *out = Value::Bool(e.boolean);
      return true;
    case Kind::kNumber:
      *out = Value::Number(e.number);
      return true;
    case Kind::kText:
      *out = Value::BorrowText(e.text);
      return true;
    case Kind::kVu:
      *out = Value::Number(ctx.vu);
      return true;
    case Kind::kConn:
      *out = Value::Number(ctx.conn);
      return true;
    case Kind::kIter:
      *out = Value::Number(static_cast<double>(ctx.iter));
      return true;
    case Kind::kConnProtocol:
      *out = Value::BorrowText(ctx.protocol);
      return true;
    case Kind::kVar: {
      *out = Value::Borrow(VarAt(ctx, e.slot));
      return true;
    }
    case Kind::kMsg:
    case Kind::kSent: {
      const MessageView* view = e.kind == Kind::kMsg ? ctx.msg : ctx.sent;
      if (!view) {
        *out = Value();
      } else if (e.path.empty()) {
        *out = Value::BorrowText(view->text());
      } else {
        *out = Value::Borrow(view->At(e.path));
      }
      return true;
    }
    case Kind::kData: {
      *out = Value();
      if (!ctx.feeders || !ctx.rows || e.slot < 0 ||
          static_cast<size_t>(e.slot) >= ctx.rows->size() || !(*ctx.rows)[e.slot])
        return true;
      const graph::Feeder& feeder = (*ctx.feeders)[e.slot];
      const std::vector<std::string>& row = *(*ctx.rows)[e.slot];
      for (size_t c = 0; c < feeder.columns.size() && c < row.size(); ++c)
        if (feeder.columns[c] == e.text) *out = Value::BorrowText(row[c]);
      return true;
    }
    default:
      return false;
  }
}

bool Construct(const Expr& e, const EvalContext& ctx, Value* out, EvalError* error) {
  nlohmann::json result =
      e.kind == Kind::kList ? nlohmann::json::array() : nlohmann::json::object();
  for (size_t i = 0; i < e.args.size(); ++i) {
    Value v;
    if (!Evaluate(e.args[i], ctx, &v, error)) return false;
    if (e.kind == Kind::kList) {
      result.push_back(v.ToJson());
    } else {
      result[e.keys[i]] = v.ToJson();
    }
  }
  *out = Value::Own(std::move(result));
  return true;
}

bool Call(const Expr& e, const EvalContext& ctx, Value* out, EvalError* error) {
  constexpr size_t kInline = 4;
  Value inline_args[kInline];
  std::vector<Value> many;
  Value* args = inline_args;
  if (e.args.size() > kInline) {
    many.resize(e.args.size());
    args = many.data();
  }
  for (size_t i = 0; i < e.args.size(); ++i)
    if (!Evaluate(e.args[i], ctx, &args[i], error)) return false;
  return CallFunction(e, ctx, args, out, error);
}

}  // namespace

bool Evaluate(const Expr& e, const EvalContext& ctx, Value* out, EvalError* error) {
  switch (e.kind) {
    case Kind::kUnary:
      return Unary(e, ctx, out, error);
    case Kind::kBinary:
      return Binary(e, ctx, out, error);
    case Kind::kCond: {
      Value c;
      if (!Evaluate(e.args[0], ctx, &c, error)) return false;
      if (c.type() != Type::kBool)
        return Error(e.args[0], "the condition of ?: needs a bool, got " + c.Describe(), error);
      return Evaluate(e.args[c.boolean() ? 1 : 2], ctx, out, error);
    }
    case Kind::kCoalesce:
      if (!Evaluate(e.args[0], ctx, out, error)) return false;
      return out->IsNullish() ? Evaluate(e.args[1], ctx, out, error) : true;
    case Kind::kMember:
    case Kind::kIndex:
      return Access(e, ctx, out, error);
    case Kind::kList:
    case Kind::kMap:
      return Construct(e, ctx, out, error);
    case Kind::kCall:
      return Call(e, ctx, out, error);
    default:
      return Leaf(e, ctx, out);
  }
}

}  // namespace wsyaml::engine

namespace wsyaml::engine {

bool Assign(nlohmann::json* target, const std::vector<graph::Expr>& keys, nlohmann::json value,
            const EvalContext& ctx, EvalError* error) {
  // Keys first, copied: one may read the variable being changed.
  std::vector<nlohmann::json> resolved;
  resolved.reserve(keys.size());
  for (const graph::Expr& key : keys) {
    Value v;
    if (!Evaluate(key, ctx, &v, error)) return false;
    if (v.type() != Type::kText && v.type() != Type::kNumber)
      return Error(key, "an element key must be text or a number, got " + v.Describe(), error);
    resolved.push_back(v.ToJson());
  }
  nlohmann::json* node = target;
  for (size_t i = 0; i < resolved.size(); ++i) {
    const nlohmann::json& key = resolved[i];
    if (key.is_string()) {
      if (node->is_null()) *node = nlohmann::json::object();
      if (!node->is_object())
        return Error(keys[i],
                     "cannot set key \"" + key.get<std::string>() + "\" of " +
                         Value::Borrow(node).Describe(),
                     error);
      node = &(*node)[key.get<std::string>()];
      continue;
    }
    if (node->is_null()) *node = nlohmann::json::array();
    double index = key.get<double>();
    if (!node->is_array())
      return Error(keys[i],
                   "cannot set element " + key.dump() + " of " + Value::Borrow(node).Describe(),
                   error);
    if (index < 0 || index != std::floor(index) || index > static_cast<double>(node->size()))
      return Error(keys[i],
                   "list index " + key.dump() + " is out of range (length " +
                       std::to_string(node->size()) + "; index length appends)",
                   error);
    if (static_cast<size_t>(index) == node->size()) node->push_back(nullptr);
    node = &(*node)[static_cast<size_t>(index)];
  }
  *node = std::move(value);
  return true;
}

}  // namespace wsyaml::engine
