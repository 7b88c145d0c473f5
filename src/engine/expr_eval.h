// Evaluates compiled expressions (graph::Expr). Scalars (null, bool, number) and text or
// lists borrowed from a message or a variable are held without a heap allocation; only
// computed texts, lists and maps own memory. Threading: stateless; values are per call.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/template_eval.h"
#include "graph/expr.h"

namespace wsyaml::engine {

/// The result of an expression: a borrowed or owned value of one of the expression types.
class Value {
 public:
  enum class Type : uint8_t { kMissing, kNull, kBool, kNumber, kText, kList, kMap };

  Value() = default;
  /// A bool or number.
  static Value Bool(bool b);
  static Value Number(double n);
  /// Text borrowed from storage that outlives the value.
  static Value BorrowText(std::string_view text);
  /// Text owned by the value.
  static Value OwnText(std::string text);
  /// A JSON value borrowed (strings, lists and maps are not copied); null = missing.
  static Value Borrow(const nlohmann::json* json);
  /// A JSON value owned by the value.
  static Value Own(nlohmann::json json);

  Type type() const { return type_; }
  bool boolean() const { return bool_; }
  double number() const { return number_; }
  std::string_view text() const { return owns_text_ ? std::string_view(own_text_) : text_; }
  /// kList and kMap: the JSON value.
  const nlohmann::json& json() const { return ref_ ? *ref_ : own_; }
  /// A list or map computed here (elements borrowed from it must be copied).
  bool OwnsJson() const { return (type_ == Type::kList || type_ == Type::kMap) && !ref_; }
  /// Missing or null: what `??` replaces.
  bool IsNullish() const { return type_ == Type::kMissing || type_ == Type::kNull; }

  /// The value as a JSON value (missing = null).
  nlohmann::json ToJson() const;
  /// Appends the value as text: text bare, numbers without a trailing .0, lists and maps as
  /// compact JSON, null as "null", missing as nothing.
  void AppendText(std::string* out) const;
  /// A short description for error messages: `text "abc"`, `number 5`, `map {...}`.
  std::string Describe() const;

 private:
  Type type_ = Type::kMissing;
  bool bool_ = false;
  bool owns_text_ = false;
  double number_ = 0;
  std::string_view text_;
  std::string own_text_;
  const nlohmann::json* ref_ = nullptr;
  nlohmann::json own_;
};

/// Why an evaluation failed: where in the source, and what the offending value was.
struct EvalError {
  graph::ExprPos pos;
  std::string message;
  /// "line L, column C: message".
  std::string Format() const;
};

/// Evaluates `expr`; false with `error` set on a run-time type error.
bool Evaluate(const graph::Expr& expr, const EvalContext& ctx, Value* out, EvalError* error);

/// Sets `*target`, or its element at `keys` (each evaluated: text = map key, number = list
/// index). Missing maps and lists are created; a list index equal to the length appends, a
/// larger one is an error. False with `error` set; the target is then unchanged or partly built.
bool Assign(nlohmann::json* target, const std::vector<graph::Expr>& keys, nlohmann::json value,
            const EvalContext& ctx, EvalError* error);

/// Appends `number` as template text: integral values without a fraction.
void AppendNumber(double number, std::string* out);

/// Calls a function on evaluated arguments (expr_functions_eval.cpp).
bool CallFunction(const graph::Expr& call, const EvalContext& ctx, Value* args, Value* out,
                  EvalError* error);

}  // namespace wsyaml::engine
