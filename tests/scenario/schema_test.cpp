// schemas/wsyaml.schema.json against the examples, the compiler and itself:
// every scenario validates and compiles; invalid snippets are rejected by both; every
// property has a description; every `examples` entry validates against its own subschema.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/utils/nlohmann_json_utils.hpp>
#include <valijson/validator.hpp>

#include "scenario/compiler.h"
#include "scenario/yaml_to_json.h"

namespace wsyaml::scenario {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSourceDir = WSYAML_SOURCE_DIR;
const fs::path kSchemaPath = kSourceDir / "schemas" / "wsyaml.schema.json";

const json& SchemaDocument() {
  static const json document = [] {
    json doc;
    if (!valijson::utils::loadDocument(kSchemaPath.string(), doc)) doc = json();
    return doc;
  }();
  return document;
}

// Errors of `instance` against `schema_doc`, one line each; empty = valid.
std::string Validate(const json& schema_doc, const json& instance) {
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(instance);
  if (validator.validate(schema, target, &results)) return "";
  std::ostringstream out;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    for (const auto& part : error.context) out << part;
    out << ": " << error.description << "\n";
  }
  return out.str().empty() ? "invalid" : out.str();
}

std::string ValidateYaml(const std::string& yaml) {
  return Validate(SchemaDocument(), YamlToJson(yaml));
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> ScenarioFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kSourceDir / "scenarios")) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry);
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Errors(const CompileResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.Headline() + "\n";
  return out;
}

TEST(SchemaTest, LoadsAsJson) {
  ASSERT_TRUE(SchemaDocument().is_object()) << kSchemaPath;
  EXPECT_EQ(SchemaDocument().value("$schema", ""), "http://json-schema.org/draft-07/schema#");
}

TEST(SchemaTest, EveryScenarioValidatesAndCompiles) {
  const auto files = ScenarioFiles();
  EXPECT_GE(files.size(), 9u) << "chat.yaml and at least 8 more examples";
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const std::string text = ReadFile(file);
    EXPECT_EQ(ValidateYaml(text), "");
    const CompileResult result = CompileFile(file.string(), CompileOptions{});
    EXPECT_TRUE(result.ok()) << Errors(result);
  }
}

TEST(SchemaTest, EveryScenarioNamesTheSchemaOnItsFirstLine) {
  const std::string prefix = "# yaml-language-server: $schema=";
  for (const auto& file : ScenarioFiles()) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file);
    std::string first;
    std::getline(in, first);
    ASSERT_EQ(first.rfind(prefix, 0), 0u) << first;
    const fs::path target = file.parent_path() / first.substr(prefix.size());
    ASSERT_TRUE(fs::exists(target)) << target;
    EXPECT_TRUE(fs::equivalent(target, kSchemaPath)) << target;
  }
}

// Visits every subschema (not the instances inside `examples`, `default`, `enum`, `const`)
// with its JSON pointer.
template <typename Visit>
void ForEachSubschema(const json& node, const std::string& pointer, const Visit& visit) {
  if (!node.is_object()) return;
  visit(node, pointer);
  for (const char* map_key : {"properties", "definitions", "patternProperties"}) {
    if (!node.contains(map_key)) continue;
    for (const auto& [key, child] : node[map_key].items()) {
      ForEachSubschema(child, pointer + "/" + map_key + "/" + key, visit);
    }
  }
  for (const char* key : {"items", "additionalProperties", "not", "propertyNames"}) {
    if (node.contains(key)) ForEachSubschema(node[key], pointer + "/" + key, visit);
  }
  for (const char* key : {"oneOf", "anyOf", "allOf"}) {
    if (!node.contains(key)) continue;
    for (size_t i = 0; i < node[key].size(); ++i) {
      ForEachSubschema(node[key][i], pointer + "/" + key + "/" + std::to_string(i), visit);
    }
  }
}

const json* Resolve(const json& root, const std::string& ref) {
  if (ref.rfind("#", 0) != 0) return nullptr;
  const json::json_pointer pointer(ref.substr(1));
  return root.contains(pointer) ? &root.at(pointer) : nullptr;
}

TEST(SchemaTest, EveryPropertyHasADescription) {
  const json& root = SchemaDocument();
  int properties = 0;
  ForEachSubschema(root, "", [&](const json& node, const std::string& pointer) {
    if (!node.contains("properties")) return;
    for (const auto& [key, property] : node["properties"].items()) {
      ++properties;
      const json* described = &property;
      if (!property.contains("description") && property.contains("$ref")) {
        described = Resolve(root, property["$ref"]);
        ASSERT_NE(described, nullptr) << pointer << "/properties/" << key;
      }
      EXPECT_TRUE(described->contains("description")) << pointer << "/properties/" << key;
    }
  });
  EXPECT_GT(properties, 80);
}

TEST(SchemaTest, EveryRefResolvesAndNoPropertyNames) {
  const json& root = SchemaDocument();
  ForEachSubschema(root, "", [&](const json& node, const std::string& pointer) {
    // valijson 1.0 (Debian) resolves `propertyNames` to its parent schema when that parent is
    // reached through a $ref; the schema uses patternProperties instead.
    EXPECT_FALSE(node.contains("propertyNames")) << pointer;
    if (node.contains("$ref")) {
      EXPECT_NE(Resolve(root, node["$ref"]), nullptr) << pointer;
    }
  });
}

TEST(SchemaTest, EveryExampleValidatesAgainstItsOwnSubschema) {
  const json& root = SchemaDocument();
  int examples = 0;
  ForEachSubschema(root, "", [&](const json& node, const std::string& pointer) {
    if (!node.contains("examples")) return;
    // A document whose `definitions` keep the schema's refs working, pointing at the node.
    json wrapper = {{"definitions", root["definitions"]}, {"root", root}};
    wrapper["allOf"] = json::array({{{"$ref", "#/root" + pointer}}});
    for (const auto& example : node["examples"]) {
      ++examples;
      EXPECT_EQ(Validate(wrapper, example), "") << pointer << " example " << example.dump();
    }
  });
  EXPECT_GT(examples, 60);
}

// The start of a snippet: a complete scenario the snippets append steps or keys to.
constexpr const char* kHead =
    "target: builtin:echo\n"
    "load: {vus: 1, iterations: 1}\n";
constexpr const char* kSteps =
    "steps:\n"
    "  - connect: /\n";

struct Snippet {
  const char* what;
  std::string yaml;
};

std::string WithSteps(const std::string& steps) { return std::string(kHead) + kSteps + steps; }

const std::vector<Snippet>& ValidSnippets() {
  static const std::vector<Snippet> snippets = {
      {"bare close and ping", WithSteps("  - ping\n  - close\n")},
      {"connect shorthand, sleep range", WithSteps("  - sleep: 100ms..200ms\n  - close\n")},
      {"log levels",
       WithSteps("  - log: hi ${vu}\n  - log: {warn: careful}\n  - log: {error: bad}\n")},
      {"send forms",
       WithSteps("  - send: plain\n  - send: {text: t}\n  - send: {json: {a: [1, 2]}}\n"
                 "  - send: {hex: 00ff}\n  - send: {base64: AAE=}\n")},
      {"every, after and cancel",
       WithSteps("  - every: {name: tick, interval: 1s, times: 2, do: [ping]}\n"
                 "  - after: {delay: 3s, do: [{cancel: tick}, close]}\n")},
      {"expect with capture",
       WithSteps("  - send: {json: {token: abc}}\n"
                 "  - expect: {match: {json: {token: abc}}, within: 2s, capture: {t: msg.token}}\n"
                 "  - log: ${t}\n")},
      {"reply", WithSteps("  - send: {json: {id: 1}, reply: {match: {json: {id: \"${sent.id}\"}},"
                          " within: 1s, name: rpc}}\n")},
      {"thresholds", WithSteps("  - close\n") +
                         "thresholds:\n  checks: [\"rate > 0.9\"]\n"
                         "  ws_connecting: [\"p(95) < 500ms\", {threshold: \"max < 2s\","
                         " abort-on-fail: true}]\n"},
      {"ramp-up",
       "target: builtin:echo\nload: {vus: 10, duration: 1m, ramp-up: 0s}\n" + std::string(kSteps)},
  };
  return snippets;
}

TEST(SchemaTest, ValidSnippetsPassSchemaAndCompiler) {
  for (const auto& snippet : ValidSnippets()) {
    SCOPED_TRACE(std::string(snippet.what) + ":\n" + snippet.yaml);
    EXPECT_EQ(ValidateYaml(snippet.yaml), "");
    const CompileResult result = Compile(snippet.yaml, CompileOptions{});
    EXPECT_TRUE(result.ok()) << Errors(result);
  }
}

const std::vector<Snippet>& InvalidSnippets() {
  static const std::vector<Snippet> snippets = {
      {"unknown step", WithSteps("  - on_message: {do: [close]}\n")},
      {"unknown top-level key", std::string(kHead) + kSteps + "stepz: []\n"},
      {"duration without unit", WithSteps("  - sleep: 2\n")},
      {"duration with a bad unit", WithSteps("  - sleep: 5x\n")},
      {"send with two payloads", WithSteps("  - send: {text: a, json: {b: 1}}\n")},
      {"send with JSON fields at the top", WithSteps("  - send: {event: SAY, message: hi}\n")},
      {"connect count zero", std::string(kHead) + "steps:\n  - connect: {url: /, count: 0}\n"},
      {"zero vus", "target: builtin:echo\nload: {vus: 0, duration: 1s}\n" + std::string(kSteps)},
      {"vus not a number",
       "target: builtin:echo\nload: {vus: ten, duration: 1s}\n" + std::string(kSteps)},
      {"unknown load key",
       "target: builtin:echo\nload: {vu: 1, duration: 1s}\n" + std::string(kSteps)},
      {"ramp-up with stages",
       "target: builtin:echo\nload: {stages: [{duration: 5s, target: 2}], ramp-up: 1s}\n" +
           std::string(kSteps)},
      {"close code not a number", WithSteps("  - close: {code: normal}\n")},
      {"unknown matcher", WithSteps("  - expect: {match: {equals: hi}}\n")},
      {"every without interval", WithSteps("  - every: {do: [ping]}\n")},
      {"after without delay", WithSteps("  - after: {do: [close]}\n")},
      {"unknown log level", WithSteps("  - log: {debug: hi}\n")},
      {"threshold on an unknown metric",
       WithSteps("  - close\n") + "thresholds:\n  ws_conecting: [\"p(95) < 500ms\"]\n"},
      {"threshold expression malformed",
       WithSteps("  - close\n") + "thresholds:\n  ws_connecting: [\"p95 is small\"]\n"},
      {"negative reconnect max",
       std::string(kHead) +
           "steps:\n  - connect: {url: /, reconnect: {max: -1}, steps: [close]}\n"},
      {"connect timeout of zero",
       std::string(kHead) + "steps:\n  - connect: {url: /, timeout: 0s, steps: [close]}\n"},
      {"expect within zero", WithSteps("  - expect: {within: 0.0s}\n")},
      {"reply within zero", WithSteps("  - send: {text: a, reply: {within: 0ms}}\n")},
      {"iteration-timeout of zero",
       "target: builtin:echo\nload: {vus: 1, iteration-timeout: 0s}\n" + std::string(kSteps)},
      {"wait max zero", WithSteps("  - wait: {max: 0s}\n")},
      {"repeat for zero", WithSteps("  - repeat: {for: 0m0s, do: [ping]}\n")},
      {"unknown tls key",
       std::string(kHead) + "steps:\n  - connect: {url: /, tls: {verify: false}}\n"},
      {"unknown compression",
       std::string(kHead) + "steps:\n  - connect: {url: /, compression: gzip}\n"},
      {"binary matcher not a bool", WithSteps("  - expect: {match: {binary: \"yes\"}}\n")},
      {"repeat without times or for", WithSteps("  - repeat: {do: [ping]}\n")},
      {"steps not a list", std::string(kHead) + "steps: {connect: /}\n"},
      {"two steps in one item", WithSteps("  - {send: a, ping: {name: x}}\n")},
      {"expect within without unit", WithSteps("  - expect: {within: 2}\n")},
      {"connect without url",
       std::string(kHead) + "steps:\n  - connect: {count: 2, steps: [close]}\n"},
      {"measure without since",
       WithSteps("  - on-message: {measure: {name: fanout}, do: [close]}\n")},
      {"hex payload not hex", WithSteps("  - send: {hex: zz}\n")},
      {"negative stage target",
       "target: builtin:echo\nload: {stages: [{duration: 1s, target: -5}]}\n" +
           std::string(kSteps)},
      {"unknown feeder order",
       std::string(kHead) + "data: {users: {csv: data/users.csv, order: shuffled}}\n" + kSteps},
  };
  return snippets;
}

TEST(SchemaTest, InvalidSnippetsAreRejectedBySchemaAndCompiler) {
  ASSERT_GE(InvalidSnippets().size(), 15u);
  for (const auto& snippet : InvalidSnippets()) {
    SCOPED_TRACE(std::string(snippet.what) + ":\n" + snippet.yaml);
    EXPECT_NE(ValidateYaml(snippet.yaml), "") << "the schema accepts it";
    CompileOptions options;
    options.base_dir = (kSourceDir / "scenarios").string();
    EXPECT_FALSE(Compile(snippet.yaml, options).ok()) << "the compiler accepts it";
  }
}

// The object schema at `pointer`, or the one alternative of its oneOf that has properties.
const json& ObjectSchema(const std::string& pointer) {
  const json& node = SchemaDocument().at(json::json_pointer(pointer));
  if (node.contains("properties")) return node;
  if (node.contains("oneOf")) {
    for (const auto& option : node["oneOf"]) {
      if (option.contains("properties")) return option;
    }
  }
  ADD_FAILURE() << pointer << " has no object schema";
  return node;
}

std::set<std::string> SchemaKeys(const json& object_schema) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object_schema["properties"].items()) keys.insert(key);
  return keys;
}

// The names the compiler lists in the hint of an error whose message contains `message`,
// after `prefix` ("known keys:", "steps:").
std::set<std::string> CompilerList(const std::string& yaml, const std::string& message,
                                   const std::string& prefix) {
  CompileOptions options;
  options.base_dir = (kSourceDir / "scenarios").string();
  const CompileResult result = Compile(yaml, options);
  for (const auto& d : result.diagnostics) {
    if (d.message.find(message) == std::string::npos || d.hint.rfind(prefix, 0) != 0) continue;
    std::istringstream words(d.hint.substr(prefix.size()));
    std::set<std::string> names;
    for (std::string word; words >> word;) names.insert(word);
    return names;
  }
  ADD_FAILURE() << "no '" << message << "' error with a '" << prefix << "' hint:\n"
                << Errors(result);
  return {};
}

TEST(SchemaTest, StepNamesMatchTheCompiler) {
  const json& steps = ObjectSchema("/definitions/step");
  EXPECT_EQ(SchemaKeys(steps),
            CompilerList(WithSteps("  - zzzzzzzz: 1\n"), "unknown step", "steps:"));
  // Bare names (`- close`): the schema and the compiler accept the same ones.
  json bare_names = json::array();
  for (const auto& option : SchemaDocument()["definitions"]["step"]["oneOf"]) {
    if (option.contains("enum")) bare_names = option["enum"];
  }
  EXPECT_FALSE(bare_names.empty());
  for (const auto& [name, unused] : steps["properties"].items()) {
    const bool bare = std::find(bare_names.begin(), bare_names.end(), name) != bare_names.end();
    // ack and nack acknowledge a STOMP message: bare, they belong in a STOMP on-message.
    const bool stomp_handler = name == "ack" || name == "nack";
    const std::string yaml =
        stomp_handler ? std::string(kHead) +
                            "steps:\n  - connect: {url: /, protocol: stomp}\n  - on-message:\n"
                            "      do: [" +
                            name + "]\n"
                      : WithSteps("  - " + name + "\n");
    EXPECT_EQ(ValidateYaml(yaml) == "", bare) << "bare '" << name << "'";
    EXPECT_EQ(Compile(yaml, CompileOptions{}).ok(), bare) << "bare '" << name << "'";
  }
}

// Every object the schema closes with additionalProperties: false lists the keys the compiler
// knows there: an unknown key makes the compiler list them in its hint.
TEST(SchemaTest, ObjectKeysMatchTheCompiler) {
  const std::string k = "zzzzzzzz: 1";
  const std::string head = "target: builtin:echo\n";
  const std::string ws = std::string(kHead) + "steps:\n";
  const std::vector<std::pair<std::string, std::string>> places = {
      {"", k + "\n" + WithSteps("")},
      {"/definitions/load", head + "load: {vus: 1, " + k + "}\n" + kSteps},
      {"/definitions/stage",
       head + "load: {stages: [{duration: 1s, target: 1, " + k + "}]}\n" + kSteps},
      {"/definitions/scenario", head + "scenarios:\n  a: {steps: [ping], " + k + "}\n"},
      {"/definitions/feeder",
       std::string(kHead) + "data: {users: {csv: data/users.csv, " + k + "}}\n" + kSteps},
      {"/definitions/connect", ws + "  - connect: {url: /, " + k + "}\n"},
      {"/definitions/reconnect", ws + "  - connect: {url: /, reconnect: {max: 1, " + k + "}}\n"},
      {"/definitions/tls", ws + "  - connect: {url: /, tls: {" + k + "}}\n"},
      {"/definitions/reply", WithSteps("  - send: {text: a, reply: {" + k + "}}\n")},
      {"/definitions/expect", WithSteps("  - expect: {" + k + "}\n")},
      {"/definitions/match", WithSteps("  - expect: {match: {" + k + "}}\n")},
      {"/definitions/onMessage", WithSteps("  - on-message: {" + k + "}\n")},
      {"/definitions/measure", WithSteps("  - on-message: {measure: {since: msg.t, " + k + "}}\n")},
      {"/definitions/onEvent", WithSteps("  - on-close: {" + k + "}\n")},
      {"/definitions/every", WithSteps("  - every: {interval: 1s, " + k + "}\n")},
      {"/definitions/after", WithSteps("  - after: {delay: 1s, " + k + "}\n")},
      {"/definitions/close", WithSteps("  - close: {" + k + "}\n")},
      {"/definitions/ping", WithSteps("  - ping: {" + k + "}\n")},
      {"/definitions/wait", WithSteps("  - wait: {" + k + "}\n")},
      {"/definitions/log", WithSteps("  - log: {" + k + "}\n")},
      {"/definitions/sleep", WithSteps("  - sleep: {duration: 1s, " + k + "}\n")},
      {"/definitions/repeat", WithSteps("  - repeat: {times: 1, do: [ping], " + k + "}\n")},
      {"/definitions/fail", WithSteps("  - fail: {" + k + "}\n")},
      {"/definitions/threshold", WithSteps("  - close\n") +
                                     "thresholds:\n  checks: [{threshold: \"rate > 0.9\", " + k +
                                     "}]\n"},
  };
  for (const auto& [pointer, yaml] : places) {
    SCOPED_TRACE(pointer + ":\n" + yaml);
    const json& object = ObjectSchema(pointer.empty() ? "" : pointer);
    EXPECT_EQ(object.value("additionalProperties", true), false);
    EXPECT_NE(Validate(SchemaDocument(), YamlToJson(yaml)), "");
    EXPECT_EQ(SchemaKeys(object), CompilerList(yaml, "unknown key 'zzzzzzzz'", "known keys:"));
  }
}

TEST(YamlToJsonTest, ResolvesPlainScalarsLikeYaml12Core) {
  const json value = YamlToJson(
      "int: 42\nneg: -7\nhex: 0x1f\nfloat: 2.5\nexp: 1e3\nyes_bool: true\nno_bool: False\n"
      "nothing: null\ntilde: ~\nempty:\nword: yes\nduration: 2s\nrange: 2s..8s\n");
  EXPECT_EQ(value["int"], 42);
  EXPECT_EQ(value["neg"], -7);
  EXPECT_EQ(value["hex"], 31);
  EXPECT_DOUBLE_EQ(value["float"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(value["exp"].get<double>(), 1000.0);
  EXPECT_EQ(value["yes_bool"], true);
  EXPECT_EQ(value["no_bool"], false);
  EXPECT_TRUE(value["nothing"].is_null());
  EXPECT_TRUE(value["tilde"].is_null());
  EXPECT_TRUE(value["empty"].is_null());
  EXPECT_EQ(value["word"], "yes");  // YAML 1.1 booleans are plain strings in 1.2
  EXPECT_EQ(value["duration"], "2s");
  EXPECT_EQ(value["range"], "2s..8s");
}

TEST(YamlToJsonTest, QuotedBlockAndTaggedScalarsStayStrings) {
  const json value =
      YamlToJson("a: \"42\"\nb: 'true'\nc: !!str 7\nd: |\n  12\ne: \"null\"\nf: !!int \"5\"\n");
  EXPECT_EQ(value["a"], "42");
  EXPECT_EQ(value["b"], "true");
  EXPECT_EQ(value["c"], "7");
  EXPECT_EQ(value["d"], "12\n");
  EXPECT_EQ(value["e"], "null");
  EXPECT_EQ(value["f"], 5);
}

TEST(YamlToJsonTest, KeepsStructure) {
  const json value = YamlToJson("steps:\n  - close\n  - send: {json: {id: 1, tags: [a, 2]}}\n");
  const json expected =
      json::parse(R"({"steps": ["close", {"send": {"json": {"id": 1, "tags": ["a", 2]}}}]})");
  EXPECT_EQ(value, expected);
  EXPECT_TRUE(YamlToJson("").is_null());
}

TEST(YamlToJsonTest, BadYamlThrowsWithPosition) {
  try {
    YamlToJson("steps:\n  - {send: [unclosed\n");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(":"), std::string::npos) << e.what();
  }
  EXPECT_THROW(YamlToJson("a: 1\nb: 2\na: 3\n"), std::runtime_error);
  EXPECT_THROW(YamlToJson("x: !!int abc\n"), std::runtime_error);
}

}  // namespace
}  // namespace wsyaml::scenario
