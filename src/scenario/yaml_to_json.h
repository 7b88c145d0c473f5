// YAML text -> JSON value, for validating scenarios against schemas/wsyaml.schema.json.
// Besides the compiler, the only user of yaml-cpp. Pure function; safe from any thread.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace wsyaml::scenario {

/// Converts one YAML document to JSON the way yaml-language-server reads it (YAML 1.2 core
/// schema): plain scalars that spell an integer, a float, a bool or null become JSON numbers,
/// bools and null; quoted and block scalars stay strings; an explicit tag (`!!str 1`) wins.
/// An empty document is null. Throws std::runtime_error ("line:col: message") on bad YAML,
/// on a duplicate key in a mapping, and on a non-scalar mapping key.
nlohmann::json YamlToJson(std::string_view yaml_text);

}  // namespace wsyaml::scenario
