// Evaluates compiled expressions (graph::Expr). Scalars (null, bool, number) and text or
// lists borrowed from a message or a variable are held without a heap allocation; only
// computed texts, lists and maps own memory. Threading: stateless; values are per call.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/template_eval.h"
#include "graph/expr.h"

namespace wsyaml::engine {

/// The result of an expression: a kind tag with a bool or number, or a borrowed view of text
/// or JSON, or (only for a newly computed text, list or map) owned storage on the heap. Moving
/// one never copies text or JSON; scalars and borrowed values never allocate.
class Value {
 public:
  enum class Type : uint8_t { kMissing, kNull, kBool, kNumber, kText, kList, kMap };

  Value() = default;
  Value(Value&&) noexcept = default;
  Value& operator=(Value&&) noexcept = default;
  /// A copy owns its own storage when `other` does (rare: randomItem over its arguments).
  Value(const Value& other);
  Value& operator=(const Value& other);
  ~Value() = default;

  /// A bool or number.
  static Value Bool(bool b) { return Value(Type::kBool, b, 0, {}); }
  static Value Number(double n) { return Value(Type::kNumber, false, n, {}); }
  /// null.
  static Value Null() { return Value(Type::kNull, false, 0, {}); }
  /// Text borrowed from storage that outlives the value.
  static Value BorrowText(std::string_view text) { return Value(Type::kText, false, 0, text); }
  /// Text owned by the value.
  static Value OwnText(std::string text);
  /// A JSON value borrowed (strings, lists and maps are not copied); null = missing.
  static Value Borrow(const nlohmann::json* json);
  /// A JSON value owned by the value.
  static Value Own(nlohmann::json json);
  /// `element` (borrowed from `parent`'s storage) kept alive by taking that storage over.
  static Value ElementOf(Value&& parent, const nlohmann::json* element);

  Type type() const { return type_; }
  bool boolean() const { return bool_; }
  double number() const { return number_; }
  std::string_view text() const { return text_; }
  /// kList and kMap: the JSON value.
  const nlohmann::json& json() const { return *ref_; }
  /// Missing or null: what `??` replaces.
  bool IsNullish() const { return type_ == Type::kMissing || type_ == Type::kNull; }
  /// True when the value holds heap storage of its own.
  bool Owns() const { return owned_ != nullptr; }

  /// The value as a JSON value (missing = null).
  nlohmann::json ToJson() const;
  /// Appends the value as text: text bare, numbers without a trailing .0, lists and maps as
  /// compact JSON, null as "null", missing as nothing.
  void AppendText(std::string* out) const;
  /// A short description for error messages: `text "abc"`, `number 5`, `map {...}`.
  std::string Describe() const;

 private:
  Value(Type type, bool b, double n, std::string_view text)
      : type_(type), bool_(b), number_(n), text_(text) {}

  Type type_ = Type::kMissing;
  bool bool_ = false;
  double number_ = 0;
  std::string_view text_;                // kText: borrowed, or into *owned_
  const nlohmann::json* ref_ = nullptr;  // kList, kMap: borrowed, or into *owned_
  struct Owned {
    std::string text;
    nlohmann::json json;
  };
  // Only for a computed text, list or map; on the heap, so moving the value keeps views valid.
  std::unique_ptr<Owned> owned_;
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
