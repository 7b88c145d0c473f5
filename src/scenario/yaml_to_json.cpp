#include "scenario/yaml_to_json.h"

#include <re2/re2.h>

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace wsyaml::scenario {
namespace {

constexpr const char* kTagPrefix = "tag:yaml.org,2002:";

std::string Where(const YAML::Mark& mark) {
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

bool IsBool(const std::string& s, bool* value) {
  if (s == "true" || s == "True" || s == "TRUE") {
    *value = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE") {
    *value = false;
    return true;
  }
  return false;
}

bool IsNullWord(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// YAML 1.2 core schema integers (decimal, 0o octal, 0x hex); nullopt when not one.
std::optional<nlohmann::json> ParseInt(const std::string& s) {
  static const re2::RE2 kDecimal("[-+]?[0-9]+");
  static const re2::RE2 kOctal("0o[0-7]+");
  static const re2::RE2 kHex("0x[0-9a-fA-F]+");
  try {
    if (re2::RE2::FullMatch(s, kDecimal)) {
      if (s[0] == '-') return nlohmann::json(static_cast<std::int64_t>(std::stoll(s)));
      return nlohmann::json(static_cast<std::uint64_t>(std::stoull(s)));
    }
    if (re2::RE2::FullMatch(s, kOctal))
      return nlohmann::json(static_cast<std::uint64_t>(std::stoull(s.substr(2), nullptr, 8)));
    if (re2::RE2::FullMatch(s, kHex))
      return nlohmann::json(static_cast<std::uint64_t>(std::stoull(s.substr(2), nullptr, 16)));
  } catch (const std::out_of_range&) {
    // Too large for 64 bits: fall through to a float.
    return nlohmann::json(std::stod(s));
  }
  return std::nullopt;
}

// Finite core-schema floats only: JSON cannot hold .inf or .nan, so they stay strings.
std::optional<nlohmann::json> ParseFloat(const std::string& s) {
  static const re2::RE2 kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (!re2::RE2::FullMatch(s, kFloat)) return std::nullopt;
  return nlohmann::json(std::stod(s));
}

nlohmann::json ResolvePlain(const std::string& s) {
  bool b = false;
  if (IsBool(s, &b)) return b;
  if (IsNullWord(s)) return nullptr;
  if (auto i = ParseInt(s)) return *i;
  if (auto f = ParseFloat(s)) return *f;
  return s;
}

nlohmann::json ResolveTagged(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  const std::string& s = node.Scalar();
  if (tag == "?") return ResolvePlain(s);
  if (tag.rfind(kTagPrefix, 0) != 0) return s;  // "!" (quoted, block) and local tags
  const std::string type = tag.substr(std::char_traits<char>::length(kTagPrefix));
  nlohmann::json value = ResolvePlain(s);
  const bool fits = (type == "int" && value.is_number_integer()) ||
                    (type == "float" && value.is_number()) ||
                    (type == "bool" && value.is_boolean()) || (type == "null" && value.is_null());
  if (type == "str") return s;
  if (!fits) {
    throw std::runtime_error(Where(node.Mark()) + ": '" + s + "' is not a valid !!" + type);
  }
  if (type == "float") return value.get<double>();
  return value;
}

nlohmann::json Convert(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ResolveTagged(node);
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(Convert(item));
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& pair : node) {
        if (!pair.first.IsScalar()) {
          throw std::runtime_error(Where(pair.first.Mark()) + ": a mapping key must be a scalar");
        }
        const std::string& key = pair.first.Scalar();
        if (object.contains(key)) {
          throw std::runtime_error(Where(pair.first.Mark()) + ": duplicate key '" + key + "'");
        }
        object[key] = Convert(pair.second);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

nlohmann::json YamlToJson(std::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& e) {
    throw std::runtime_error(Where(e.mark) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(e.what());
  }
  return Convert(root);
}

}  // namespace wsyaml::scenario
