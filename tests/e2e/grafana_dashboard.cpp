#include "grafana_dashboard.h"

#include <cmath>
#include <regex>
#include <string>

namespace wsyaml::testing {
namespace {

using nlohmann::json;

// $name, ${name}, ${name:format}, [[name]] (Grafana's three spellings); group 1, 2 or 3.
const std::regex kVariable(R"(\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)(?::[^\]]*)?\]\])");
// label_values(SELECTOR, LABEL)
const std::regex kLabelValues(R"(^\s*label_values\((.*),\s*(\w+)\s*\)\s*$)");

// Grafana's own variables a Prometheus query may use.
const std::set<std::string> kBuiltins = {"__rate_interval", "__interval", "__interval_ms",
                                         "__range",         "__range_s",  "__range_ms"};

std::string VariableName(const std::smatch& m) {
  for (size_t i = 1; i <= 3; ++i)
    if (m[i].matched) return m[i].str();
  return "";
}

std::string QueryText(const json& variable) {
  const json& query = variable.contains("query") ? variable["query"] : json();
  if (query.is_string()) return query.get<std::string>();
  if (query.is_object() && query.contains("query") && query["query"].is_string())
    return query["query"].get<std::string>();
  return variable.value("definition", "");
}

const json& Variables(const json& dashboard) {
  static const json kNone = json::array();
  if (!dashboard.contains("templating") || !dashboard["templating"].contains("list")) return kNone;
  return dashboard["templating"]["list"];
}

// Each datasource reference must be the import input, typed Prometheus.
void DatasourceProblems(const json& ds, const std::string& where, std::vector<std::string>* out) {
  if (!ds.is_object() || ds.value("type", "") != "prometheus" ||
      ds.value("uid", "") != "${DS_PROMETHEUS}")
    out->push_back(where + ": datasource is not {type: prometheus, uid: ${DS_PROMETHEUS}}");
}

void PanelProblems(const json& panel, std::set<int>* ids, std::vector<std::string>* out) {
  const std::string where = "panel '" + panel.value("title", "") + "'";
  static const std::set<std::string> kTypes = {"timeseries", "stat", "table"};
  if (!panel.contains("id") || !panel["id"].is_number_integer())
    out->push_back(where + ": no integer id");
  else if (!ids->insert(panel["id"].get<int>()).second)
    out->push_back(where + ": id " + panel["id"].dump() + " is not unique");
  if (panel.value("title", "").empty()) out->push_back(where + ": no title");
  if (!kTypes.count(panel.value("type", "")))
    out->push_back(where + ": type '" + panel.value("type", "") + "' is not one of " +
                   "timeseries, stat, table");
  const json& grid = panel.contains("gridPos") ? panel["gridPos"] : json();
  if (!grid.is_object() || grid.value("w", 0) <= 0 || grid.value("h", 0) <= 0 ||
      grid.value("x", -1) < 0 || grid.value("x", 0) + grid.value("w", 0) > 24)
    out->push_back(where + ": gridPos is not within Grafana's 24 columns");
  const json& targets = panel.contains("targets") ? panel["targets"] : json();
  if (!targets.is_array() || targets.empty()) {
    out->push_back(where + ": no targets");
    return;
  }
  std::set<std::string> refs;
  for (const json& target : targets) {
    const std::string ref = target.value("refId", "");
    if (ref.empty() || !refs.insert(ref).second)
      out->push_back(where + ": refId '" + ref + "' missing or repeated");
    DatasourceProblems(target.contains("datasource") ? target["datasource"] : json(),
                       where + " target " + ref, out);
    if (!target.contains("expr") || !target["expr"].is_string() ||
        target["expr"].get<std::string>().empty())
      out->push_back(where + " target " + ref + ": no expr");
  }
}

void VariableProblems(const json& dashboard, std::vector<std::string>* out) {
  for (const char* name : {"scenario", "name"}) {
    const json* found = nullptr;
    for (const json& v : Variables(dashboard))
      if (v.value("name", "") == name) found = &v;
    const std::string where = std::string("variable $") + name;
    if (!found) {
      out->push_back(where + ": not defined");
      continue;
    }
    if (found->value("type", "") != "query" || !found->value("multi", false) ||
        !found->value("includeAll", false) || found->value("allValue", "") != ".*")
      out->push_back(where + ": not a multi-value query variable with All = .*");
    if (!std::regex_match(QueryText(*found), kLabelValues))
      out->push_back(where + ": query is not label_values(SELECTOR, LABEL)");
    DatasourceProblems(found->contains("datasource") ? (*found)["datasource"] : json(), where, out);
  }
}

// Every $var in the exprs, legends, variable queries and datasource uids is defined.
void UndefinedProblems(const json& dashboard, std::vector<std::string>* out) {
  std::set<std::string> defined = kBuiltins;
  for (const json& v : Variables(dashboard)) defined.insert(v.value("name", ""));
  if (dashboard.contains("__inputs"))
    for (const json& input : dashboard["__inputs"]) defined.insert(input.value("name", ""));
  std::vector<std::string> texts;
  for (const DashboardQuery& q : DashboardQueries(dashboard)) {
    texts.push_back(q.expr);
    texts.push_back(q.legend);
  }
  for (const json& v : Variables(dashboard)) texts.push_back(QueryText(v));
  for (const std::string& text : texts)
    for (const std::string& name : VariablesUsed(text))
      if (!defined.count(name)) out->push_back("$" + name + " is used but not defined: " + text);
}

bool HasNumber(const json& answer) {
  for (const json& series : answer) {
    const std::string value = series["value"][1].get<std::string>();
    if (!std::isnan(std::stod(value))) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> DashboardProblems(const json& dashboard) {
  std::vector<std::string> out;
  if (!dashboard.is_object()) return {"not a JSON object"};
  if (!dashboard.contains("schemaVersion") || !dashboard["schemaVersion"].is_number_integer() ||
      dashboard["schemaVersion"].get<int>() < 36)
    out.push_back("schemaVersion missing or older than 36 (Grafana 9)");
  bool input = false;
  if (dashboard.contains("__inputs") && dashboard["__inputs"].is_array())
    for (const json& i : dashboard["__inputs"])
      input |= i.value("name", "") == "DS_PROMETHEUS" && i.value("type", "") == "datasource" &&
               i.value("pluginId", "") == "prometheus";
  if (!input) out.push_back("__inputs has no Prometheus datasource input DS_PROMETHEUS");
  if (!dashboard.contains("panels") || !dashboard["panels"].is_array() ||
      dashboard["panels"].empty()) {
    out.push_back("no panels");
    return out;
  }
  std::set<int> ids;
  for (const json& panel : dashboard["panels"]) PanelProblems(panel, &ids, &out);
  VariableProblems(dashboard, &out);
  UndefinedProblems(dashboard, &out);
  return out;
}

std::vector<DashboardQuery> DashboardQueries(const json& dashboard) {
  std::vector<DashboardQuery> out;
  if (!dashboard.contains("panels") || !dashboard["panels"].is_array()) return out;
  for (const json& panel : dashboard["panels"]) {
    if (!panel.contains("targets") || !panel["targets"].is_array()) continue;
    for (const json& target : panel["targets"])
      out.push_back({panel.value("title", ""), target.value("refId", ""), target.value("expr", ""),
                     target.value("legendFormat", "")});
  }
  return out;
}

std::vector<VariableQuery> VariableQueries(const json& dashboard) {
  std::vector<VariableQuery> out;
  for (const json& v : Variables(dashboard)) {
    const std::string text = QueryText(v);
    std::smatch m;
    if (v.value("type", "") == "query" && std::regex_match(text, m, kLabelValues))
      out.push_back(
          {v.value("name", ""), m[2].str(), "group by (" + m[2].str() + ") (" + m[1].str() + ")"});
  }
  return out;
}

std::set<std::string> VariablesUsed(const std::string& text) {
  std::set<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), kVariable), end; it != end; ++it)
    out.insert(VariableName(*it));
  return out;
}

std::string SubstituteVariables(const std::string& text, const VariableValues& values) {
  std::string out;
  size_t last = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), kVariable), end; it != end; ++it) {
    const auto found = values.find(VariableName(*it));
    out += text.substr(last, it->position() - last);
    out += found == values.end() ? it->str() : found->second;
    last = it->position() + it->length();
  }
  return out + text.substr(last);
}

std::set<std::string> LegendLabels(const std::string& legend) {
  static const std::regex kLabel(R"(\{\{\s*(\w+)\s*\}\})");
  std::set<std::string> out;
  for (std::sregex_iterator it(legend.begin(), legend.end(), kLabel), end; it != end; ++it)
    out.insert((*it)[1].str());
  return out;
}

std::set<std::string> LabelValues(const json& answer, const std::string& label) {
  std::set<std::string> out;
  if (!answer.is_array()) return out;
  for (const json& series : answer)
    if (series["metric"].contains(label)) out.insert(series["metric"][label].get<std::string>());
  return out;
}

std::vector<std::string> AnswerProblems(
    const std::vector<DashboardQuery>& queries, const VariableValues& values,
    const std::map<std::string, std::set<std::string>>& expected, const QueryFunction& query) {
  std::vector<std::string> out;
  for (const DashboardQuery& q : queries) {
    const std::string promql = SubstituteVariables(q.expr, values);
    const std::string where = "panel '" + q.panel + "' " + q.ref_id + " (" + promql + ")";
    const json answer = query(promql);
    if (!answer.is_array()) {
      out.push_back(where + ": the query failed");
      continue;
    }
    if (answer.empty()) {
      out.push_back(where + ": returns no series");
      continue;
    }
    if (!HasNumber(answer)) out.push_back(where + ": returns only NaN");
    for (const std::string& label : LegendLabels(q.legend)) {
      const auto wanted = expected.find(label);
      if (wanted == expected.end()) continue;
      const std::set<std::string> got = LabelValues(answer, label);
      for (const std::string& value : wanted->second)
        if (!got.count(value)) out.push_back(where + ": no series with " + label + "=" + value);
    }
  }
  return out;
}

}  // namespace wsyaml::testing
