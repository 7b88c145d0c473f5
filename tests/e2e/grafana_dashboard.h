// Test support: what Grafana does with tools/grafana/wsyaml-dashboard.json, short of Grafana
// itself (not packaged for Debian or npm): check the JSON model's shape, substitute template
// variables as Grafana does, and judge each panel query's answer from a real Prometheus
// (tests/e2e/grafana_dashboard_e2e_test.cpp).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wsyaml::testing {

/// One target of one panel.
struct DashboardQuery {
  std::string panel;   ///< the panel's title
  std::string ref_id;  ///< the target's refId (A, B, ...)
  std::string expr;    ///< PromQL with Grafana's variables ($scenario, $__rate_interval)
  std::string legend;  ///< legendFormat, e.g. "sent {{scenario}}"
};

/// A template variable whose values Grafana asks Prometheus for.
struct VariableQuery {
  std::string name;    ///< "scenario"
  std::string label;   ///< the label whose values it lists
  std::string promql;  ///< label_values(SELECTOR, LABEL) as a query: group by (LABEL) (SELECTOR)
};

/// Variable name -> the text Grafana puts in its place (".*" for All, "15s" for
/// __rate_interval).
using VariableValues = std::map<std::string, std::string>;

/// An instant query's `data.result`, null when the query failed.
using QueryFunction = std::function<nlohmann::json(const std::string& promql)>;

/// Everything wrong with the dashboard's shape, one line each: the schema version, the
/// DS_PROMETHEUS input, each panel's id (unique), type, grid position and targets (datasource,
/// expr, refId), the scenario and name variables, and every `$var` used being defined.
std::vector<std::string> DashboardProblems(const nlohmann::json& dashboard);

/// Every panel's targets, in panel order.
std::vector<DashboardQuery> DashboardQueries(const nlohmann::json& dashboard);

/// The query variables of the form label_values(SELECTOR, LABEL).
std::vector<VariableQuery> VariableQueries(const nlohmann::json& dashboard);

/// The variables `text` uses: $name, ${name}, ${name:format}, [[name]].
std::set<std::string> VariablesUsed(const std::string& text);

/// `text` with each variable in `values` replaced by its value; others are left as written.
std::string SubstituteVariables(const std::string& text, const VariableValues& values);

/// The labels a legend shows: "p95 {{name}}" -> {"name"}.
std::set<std::string> LegendLabels(const std::string& legend);

/// What is wrong with the answers to `queries` (variables replaced by `values`), one line each:
/// a query that failed, returned no series or only NaN, or whose series lack one of the values
/// `expected` lists for a label its legend shows.
std::vector<std::string> AnswerProblems(
    const std::vector<DashboardQuery>& queries, const VariableValues& values,
    const std::map<std::string, std::set<std::string>>& expected, const QueryFunction& query);

/// The values of `label` over an answer's series.
std::set<std::string> LabelValues(const nlohmann::json& answer, const std::string& label);

}  // namespace wsyaml::testing
