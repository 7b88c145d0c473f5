// The functions of expressions, on evaluated arguments.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/expr_eval.h"

namespace wsyaml::engine {

namespace {

using graph::Function;
using Type = Value::Type;

bool Fail(const graph::Expr& call, const char* name, const std::string& what, EvalError* error) {
  error->pos = call.pos;
  error->message = std::string(name) + "() " + what;
  return false;
}

bool Text(const graph::Expr& call, const char* name, const Value& v, EvalError* error) {
  return v.type() == Type::kText || Fail(call, name, "takes text, got " + v.Describe(), error);
}

bool Num(const graph::Expr& call, const char* name, const Value& v, EvalError* error) {
  return v.type() == Type::kNumber || Fail(call, name, "takes numbers, got " + v.Describe(), error);
}

bool ToNumber(const graph::Expr& call, const char* name, const Value& v, bool integer, Value* out,
              EvalError* error) {
  double n = 0;
  if (v.type() == Type::kNumber) {
    n = v.number();
  } else if (v.type() == Type::kBool) {
    n = v.boolean() ? 1 : 0;
  } else if (v.type() == Type::kText) {
    // strtod reads a terminated string: short texts are copied to the stack, not the heap.
    std::string_view t = v.text();
    char buf[64];
    std::string big;
    const char* s = buf;
    if (t.size() < sizeof buf) {
      std::memcpy(buf, t.data(), t.size());
      buf[t.size()] = '\0';
    } else {
      big.assign(t);
      s = big.c_str();
    }
    char* end = nullptr;
    n = std::strtod(s, &end);
    if (t.empty() || end != s + t.size() || !std::isfinite(n))
      return Fail(call, name, "cannot read a number from " + v.Describe(), error);
  } else {
    return Fail(call, name, "cannot make a number of " + v.Describe(), error);
  }
  *out = Value::Number(integer ? std::trunc(n) : n);
  return true;
}

std::string Map(std::string_view s, int (*f)(int)) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(f(static_cast<unsigned char>(c)));
  return out;
}

bool Strings(const graph::Expr& call, const char* name, Value* args, Value* out, EvalError* error) {
  if (!Text(call, name, args[0], error)) return false;
  std::string_view s = args[0].text();
  switch (call.function) {
    case Function::kLower:
      *out = Value::OwnText(Map(s, ::tolower));
      return true;
    case Function::kUpper:
      *out = Value::OwnText(Map(s, ::toupper));
      return true;
    case Function::kTrim: {
      size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
      *out = b == std::string_view::npos ? Value::BorrowText({})
                                         : Value::OwnText(std::string(s.substr(b, e - b + 1)));
      return true;
    }
    default:
      break;
  }
  if (!Text(call, name, args[1], error)) return false;
  std::string_view t = args[1].text();
  switch (call.function) {
    case Function::kStartsWith:
      *out = Value::Bool(s.substr(0, t.size()) == t);
      return true;
    case Function::kEndsWith:
      *out = Value::Bool(s.size() >= t.size() && s.substr(s.size() - t.size()) == t);
      return true;
    case Function::kSplit: {
      nlohmann::json list = nlohmann::json::array();
      size_t start = 0;
      while (!t.empty() && s.find(t, start) != std::string_view::npos) {
        size_t at = s.find(t, start);
        list.push_back(std::string(s.substr(start, at - start)));
        start = at + t.size();
      }
      list.push_back(std::string(s.substr(start)));
      *out = Value::Own(std::move(list));
      return true;
    }
    case Function::kMatches: {
      re2::StringPiece text(s.data(), s.size());
      if (call.regex) {
        *out = Value::Bool(re2::RE2::PartialMatch(text, *call.regex));
        return true;
      }
      re2::RE2 re(re2::StringPiece(t.data(), t.size()), re2::RE2::Quiet);
      if (!re.ok()) return Fail(call, name, "bad regex: " + re.error(), error);
      *out = Value::Bool(re2::RE2::PartialMatch(text, re));
      return true;
    }
    default:
      return Fail(call, name, "is not a text function", error);
  }
}

bool Collections(const graph::Expr& call, const char* name, Value* args, Value* out,
                 EvalError* error) {
  const Value& a = args[0];
  switch (call.function) {
    case Function::kLen:
      if (a.type() == Type::kText) {
        *out = Value::Number(static_cast<double>(a.text().size()));
      } else if (a.type() == Type::kList || a.type() == Type::kMap) {
        *out = Value::Number(static_cast<double>(a.json().size()));
      } else {
        return Fail(call, name, "takes text, a list or a map, got " + a.Describe(), error);
      }
      return true;
    case Function::kKeys: {
      if (a.type() != Type::kMap)
        return Fail(call, name, "takes a map, got " + a.Describe(), error);
      nlohmann::json list = nlohmann::json::array();
      for (auto it = a.json().begin(); it != a.json().end(); ++it) list.push_back(it.key());
      *out = Value::Own(std::move(list));
      return true;
    }
    case Function::kJoin: {
      if (a.type() != Type::kList)
        return Fail(call, name, "takes a list, got " + a.Describe(), error);
      if (!Text(call, name, args[1], error)) return false;
      std::string text;
      for (size_t i = 0; i < a.json().size(); ++i) {
        if (i) text += args[1].text();
        Value::Borrow(&a.json()[i]).AppendText(&text);
      }
      *out = Value::OwnText(std::move(text));
      return true;
    }
    case Function::kParseJson: {
      if (!Text(call, name, a, error)) return false;
      nlohmann::json j = nlohmann::json::parse(a.text(), nullptr, false);
      if (j.is_discarded())
        return Fail(call, name, "got text that is not JSON: " + a.Describe(), error);
      *out = Value::Own(std::move(j));
      return true;
    }
    case Function::kToJson:
      *out = Value::OwnText(a.ToJson().dump());
      return true;
    default:
      return Fail(call, name, "is not a collection function", error);
  }
}

bool Numbers(const graph::Expr& call, const char* name, Value* args, size_t n, Value* out,
             EvalError* error) {
  // min/max also take one list of numbers, read in place.
  const nlohmann::json* list = nullptr;
  if (n == 1 && args[0].type() == Type::kList && call.function != Function::kAbs) {
    list = &args[0].json();
    n = list->size();
    if (n == 0) return Fail(call, name, "of an empty list", error);
  }
  double r = 0;
  for (size_t i = 0; i < n; ++i) {
    Value listed = list ? Value::Borrow(&(*list)[i]) : Value();
    const Value& arg = list ? listed : args[i];
    if (!Num(call, name, arg, error)) return false;
    double x = arg.number();
    r = i == 0 ? x : call.function == Function::kMin ? std::min(r, x) : std::max(r, x);
  }
  *out = Value::Number(call.function == Function::kAbs ? std::fabs(r) : r);
  return true;
}

int64_t Whole(const Value& v) {
  return v.type() == Type::kNumber ? static_cast<int64_t>(v.number()) : 0;
}

bool Random(const graph::Expr& call, const EvalContext& ctx, Value* args, Value* out) {
  std::mt19937_64& rng = RngOf(ctx);
  switch (call.function) {
    case Function::kRandomInt: {
      int64_t a = Whole(args[0]), b = Whole(args[1]);
      if (b < a) std::swap(a, b);
      *out = Value::Number(static_cast<double>(std::uniform_int_distribution<int64_t>(a, b)(rng)));
      return true;
    }
    case Function::kRandomString:
      *out = Value::OwnText(RandomString(Whole(args[0]), rng));
      return true;
    case Function::kRandomItem: {
      if (call.args.size() == 1 && args[0].type() == Type::kList) {
        const auto& list = args[0].json();
        if (list.empty()) {
          *out = Value();
          return true;
        }
        const auto* item = &list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng)];
        *out = Value::ElementOf(std::move(args[0]), item);
        return true;
      }
      *out = std::move(args[std::uniform_int_distribution<size_t>(0, call.args.size() - 1)(rng)]);
      return true;
    }
    default:
      *out = Value::OwnText(Uuid4(rng));
      return true;
  }
}

double NowMs() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return static_cast<double>(us) / 1000.0;
}

}  // namespace

bool CallFunction(const graph::Expr& call, const EvalContext& ctx, Value* args, Value* out,
                  EvalError* error) {
  const char* name = graph::FunctionName(call.function);
  switch (call.function) {
    case Function::kRandomInt:
    case Function::kRandomString:
    case Function::kRandomItem:
    case Function::kUuid:
      return Random(call, ctx, args, out);
    case Function::kTimestamp:
      *out = Value::Number(std::floor(NowMs()));
      return true;
    case Function::kNow:
      *out = Value::Number(NowMs());
      return true;
    case Function::kHas:
      *out = Value::Bool(args[0].type() != Type::kMissing);
      return true;
    case Function::kInt:
    case Function::kFloat:
      return ToNumber(call, name, args[0], call.function == Function::kInt, out, error);
    case Function::kStr: {
      std::string text;
      args[0].AppendText(&text);
      *out = Value::OwnText(std::move(text));
      return true;
    }
    case Function::kMin:
    case Function::kMax:
    case Function::kAbs:
      return Numbers(call, name, args, call.args.size(), out, error);
    case Function::kLen:
    case Function::kKeys:
    case Function::kJoin:
    case Function::kParseJson:
    case Function::kToJson:
      return Collections(call, name, args, out, error);
    default:
      return Strings(call, name, args, out, error);
  }
}

}  // namespace wsyaml::engine
