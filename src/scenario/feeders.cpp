// `data:` feeders: CSV or JSON files read at compile time into rows of named columns.
#include <sstream>

#include <nlohmann/json.hpp>

#include "scenario/sections.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

// Splits one CSV record; quotes may hold commas and doubled quotes. False when a quote
// is left open.
bool SplitCsvLine(const std::string& line, std::vector<std::string>* fields) {
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields->push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields->push_back(std::move(field));
  return !quoted;
}

bool ReadCsv(Context& ctx, const std::string& path, const std::string& text, graph::SourcePos pos,
             graph::Feeder* feeder) {
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    if (!SplitCsvLine(line, &fields)) {
      ctx.reporter.Error(pos, path + ": row " + std::to_string(line_no) + " has an open quote");
      return false;
    }
    if (feeder->columns.empty()) {
      feeder->columns = std::move(fields);
      continue;
    }
    if (fields.size() != feeder->columns.size()) {
      ctx.reporter.Error(pos, path + ": row " + std::to_string(line_no) + " has " +
                                  std::to_string(fields.size()) + " fields, the header has " +
                                  std::to_string(feeder->columns.size()));
      return false;
    }
    feeder->rows.push_back(std::move(fields));
  }
  return true;
}

bool ReadJson(Context& ctx, const std::string& path, const std::string& text, graph::SourcePos pos,
              graph::Feeder* feeder) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) {
    ctx.reporter.Error(pos, path + ": expected a JSON array of objects");
    return false;
  }
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto& row = doc[i];
    std::string where = path + ": row " + std::to_string(i + 1);
    if (!row.is_object()) {
      ctx.reporter.Error(pos, where + " is not an object");
      return false;
    }
    if (feeder->columns.empty()) {
      for (auto it = row.begin(); it != row.end(); ++it) feeder->columns.push_back(it.key());
    }
    std::vector<std::string> values;
    for (const auto& column : feeder->columns) {
      auto it = row.find(column);
      if (it == row.end()) {
        ctx.reporter.Error(pos, where + " has no field '" + column + "'");
        return false;
      }
      values.push_back(it->is_string() ? it->get<std::string>() : it->dump());
    }
    if (row.size() != feeder->columns.size()) {
      ctx.reporter.Error(pos, where + " has fields the first row does not have");
      return false;
    }
    feeder->rows.push_back(std::move(values));
  }
  return true;
}

void CompileFeeder(Context& ctx, const std::string& name, const YAML::Node& node) {
  graph::Feeder feeder;
  feeder.name = name;
  if (!node.IsMap()) {
    WrongType(ctx, node, "data " + name, "a mapping", "e.g. users: {csv: users.csv}");
    return;
  }
  CheckKeys(ctx, node, {"csv", "json", "order"}, "data " + name);
  if (auto v = node["order"]) {
    std::string order;
    if (ReadString(ctx, v, "order", &order)) {
      if (order == "sequential") {
        feeder.order = graph::Feeder::Order::kSequential;
      } else if (order == "random") {
        feeder.order = graph::Feeder::Order::kRandom;
      } else if (order == "per-vu") {
        feeder.order = graph::Feeder::Order::kPerVu;
      } else {
        ctx.reporter.Error(Pos(v), "order must be sequential, random or per-vu",
                           DidYouMean(order, {"sequential", "random", "per-vu"}));
      }
    }
  }
  auto csv = node["csv"];
  auto json = node["json"];
  if ((csv && json) || (!csv && !json)) {
    ctx.reporter.Error(Pos(node), "data " + name + " needs exactly one of csv or json",
                       "e.g. " + name + ": {csv: users.csv}");
    ctx.plan.feeders.push_back(std::move(feeder));
    return;
  }
  const YAML::Node file = csv ? csv : json;
  std::string relative;
  if (ReadString(ctx, file, csv ? "csv" : "json", &relative)) {
    ctx.files_read.push_back(relative);
    std::string path =
        !relative.empty() && relative[0] == '/' ? relative : ctx.options.base_dir + "/" + relative;
    std::string text;
    std::string error;
    if (!ReadSmallFile(path, &text, &error)) {
      ctx.reporter.Error(Pos(file), "cannot read data file '" + path + "': " + error,
                         "paths are relative to the scenario file");
    } else if ((csv ? ReadCsv : ReadJson)(ctx, path, text, Pos(file), &feeder) &&
               feeder.rows.empty()) {
      ctx.reporter.Error(Pos(file), path + ": no rows");
    }
  }
  ctx.plan.feeders.push_back(std::move(feeder));
}

}  // namespace

void CompileFeeders(Context& ctx, const YAML::Node& node) {
  if (!node.IsMap()) {
    WrongType(ctx, node, "data", "a mapping of NAME: {csv: FILE}",
              "e.g. data: {users: {csv: users.csv}}");
    return;
  }
  CheckKeys(ctx, node, {}, "data");
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar()) CompileFeeder(ctx, it->first.Scalar(), it->second);
  }
}

}  // namespace wsyaml::scenario
