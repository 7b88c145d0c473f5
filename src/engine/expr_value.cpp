// Expression values: construction, conversion to JSON and text, descriptions for errors.
#include <cmath>
#include <cstdio>

#include "engine/expr_eval.h"

namespace wsyaml::engine {

Value::Value(const Value& other)
    : type_(other.type_),
      bool_(other.bool_),
      number_(other.number_),
      text_(other.text_),
      ref_(other.ref_) {
  if (!other.owned_) return;
  *this = type_ == Type::kText ? OwnText(std::string(other.text_)) : Own(*other.ref_);
}

Value& Value::operator=(const Value& other) {
  if (this != &other) *this = Value(other);
  return *this;
}

Value Value::OwnText(std::string text) {
  Value v;
  v.type_ = Type::kText;
  v.owned_ = std::make_unique<Owned>();
  v.owned_->text = std::move(text);
  v.text_ = v.owned_->text;
  return v;
}

Value Value::Borrow(const nlohmann::json* json) {
  if (!json) return Value();
  switch (json->type()) {
    case nlohmann::json::value_t::boolean:
      return Bool(json->get_ref<const bool&>());
    case nlohmann::json::value_t::number_integer:
      return Number(static_cast<double>(json->get_ref<const int64_t&>()));
    case nlohmann::json::value_t::number_unsigned:
      return Number(static_cast<double>(json->get_ref<const uint64_t&>()));
    case nlohmann::json::value_t::number_float:
      return Number(json->get_ref<const double&>());
    case nlohmann::json::value_t::string:
      return BorrowText(json->get_ref<const std::string&>());
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::object: {
      Value v;
      v.type_ = json->is_object() ? Type::kMap : Type::kList;
      v.ref_ = json;
      return v;
    }
    default:
      return Null();
  }
}

Value Value::Own(nlohmann::json json) {
  if (json.is_string()) return OwnText(std::move(json.get_ref<std::string&>()));
  if (!json.is_array() && !json.is_object()) return Borrow(&json);
  Value v;
  v.type_ = json.is_array() ? Type::kList : Type::kMap;
  v.owned_ = std::make_unique<Owned>();
  v.owned_->json = std::move(json);
  v.ref_ = &v.owned_->json;
  return v;
}

Value Value::ElementOf(Value&& parent, const nlohmann::json* element) {
  Value v = Borrow(element);
  if (v.type_ == Type::kText || v.type_ == Type::kList || v.type_ == Type::kMap)
    v.owned_ = std::move(parent.owned_);
  return v;
}

nlohmann::json Value::ToJson() const {
  switch (type_) {
    case Type::kMissing:
    case Type::kNull:
      return nullptr;
    case Type::kBool:
      return bool_;
    case Type::kNumber:
      if (number_ == std::floor(number_) && std::fabs(number_) < 9.007199254740992e15)
        return static_cast<int64_t>(number_);
      return number_;
    case Type::kText:
      return std::string(text());
    default:
      return json();
  }
}

void AppendNumber(double n, std::string* out) {
  if (n == std::floor(n) && std::fabs(n) < 9.007199254740992e15) {
    *out += std::to_string(static_cast<int64_t>(n));
  } else if (!std::isfinite(n)) {
    *out += std::isnan(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  } else {
    *out += nlohmann::json(n).dump();
  }
}

void Value::AppendText(std::string* out) const {
  switch (type_) {
    case Type::kMissing:
      return;
    case Type::kNull:
      *out += "null";
      return;
    case Type::kBool:
      *out += bool_ ? "true" : "false";
      return;
    case Type::kNumber:
      AppendNumber(number_, out);
      return;
    case Type::kText:
      *out += text();
      return;
    default:
      *out += json().dump();
  }
}

std::string Value::Describe() const {
  static const char* const kNames[] = {"nothing", "null", "bool", "number", "text", "list", "map"};
  std::string out = kNames[static_cast<int>(type_)];
  if (type_ == Type::kMissing || type_ == Type::kNull) return out;
  std::string shown;
  if (type_ == Type::kText) {
    shown = nlohmann::json(std::string(text())).dump();
  } else {
    AppendText(&shown);
  }
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  return out + " " + shown;
}

std::string EvalError::Format() const {
  return "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column) + ": " +
         message;
}

}  // namespace wsyaml::engine
