// tools/grafana/wsyaml-dashboard.json against a real Prometheus (Debian's `prometheus`; Grafana
// itself is not packaged here): its shape is what Grafana imports, and every panel's query,
// with the variables substituted as Grafana does, answers from Prometheus while it scrapes a
// running wsyaml with two scenarios of named steps, a failing check, dropped iterations and
// errors of one kind, with the series each legend names (issue 14: "watched live in Grafana
// with every tag"). The run starts in the background and ends (SIGINT) once Prometheus has
// scraped it four times, so every rate() window holds at least two samples.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "background_run.h"
#include "grafana_dashboard.h"
#include "prometheus_process.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
using Expected = std::map<std::string, std::set<std::string>>;

const std::string kGrafanaDir = std::string(WSYAML_SOURCE_DIR) + "/tools/grafana";

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "All" on both variables, and the rate window Grafana gives a 1 s scrape interval on a short
// range (max(4 × scrape interval, $__interval + scrape interval), rounded up to be safe).
const VariableValues kAll = {
    {"scenario", ".*"}, {"name", ".*"}, {"__rate_interval", "15s"}, {"__interval", "1s"}};
// One scenario and one name picked.
const VariableValues kTalkSay = {
    {"scenario", "talk"}, {"name", "say"}, {"__rate_interval", "15s"}, {"__interval", "1s"}};

// What the run below produces, by the label a legend shows.
const Expected kExpected = {
    {"scenario", {"talk", "arrive"}},
    {"name", {"say", "ping"}},
    {"check", {"say", "ping", "never"}},
    {"result", {"pass", "fail"}},
    {"kind", {"refused"}},
    {"metric", {"checks", "ws_reply_time"}},
};

// A panel whose metric name has a typo: the validator must report it.
const json kTypoPanel = json::parse(R"json({"id": 1, "type": "timeseries", "title": "typo",
  "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
  "targets": [{"refId": "A", "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"},
    "legendFormat": "sent {{scenario}}",
    "expr": "sum by (scenario) (rate(wsyaml_ws_msgs_snet_total{scenario=~\"$scenario\"}[$__rate_interval]))"}]})json");

json TypoDashboard() { return {{"panels", json::array({kTypoPanel})}}; }

// talk: 2 VUs in a loop of echoed messages (check "say") and an expect that always times out
// (check "never"); arrive: 20 arrivals/s on one VU busy 150 ms each, so most are dropped
// (check "ping"); refused: 2 connects/s to a closed port (ws_errors{kind=refused}).
// 60 s each, so traffic still flows when Prometheus has scraped four times on a slow machine
// (9 s measured here); the run is interrupted then.
std::string ScenarioYaml(int refused_port) {
  return R"(name: grafana
target: builtin:echo
scenarios:
  talk:
    load: {vus: 2, duration: 60s, graceful-stop: 100ms}
    steps:
      - connect: /echo
      - repeat:
          for: 500ms
          do:
            - send: "a"
            - expect: {match: {text: "a"}, within: 2s, name: say}
            - expect: {match: {text: "never"}, within: 20ms, name: never}
            - sleep: 100ms
      - close
  arrive:
    load: {rate: 20/s, duration: 60s, vus: 1, max-vus: 1}
    steps:
      - connect: /echo
      - send: "p"
      - expect: {match: {text: "p"}, within: 2s, name: ping}
      - sleep: 150ms
      - close
  refused:
    load: {rate: 2/s, duration: 60s, vus: 1, max-vus: 1}
    steps:
      - connect: ws://127.0.0.1:)" +
         std::to_string(refused_port) + R"(/
thresholds:
  checks: ["rate == 1"]
  ws_reply_time{name:say}: ["p(95) < 10s"]
)";
}

// Every PromQL text the tests below ask: the panels (All, and talk/say), the variables, the typo.
std::vector<std::string> QueriesToAsk(const json& dashboard) {
  std::vector<std::string> out;
  for (const auto* values : {&kAll, &kTalkSay})
    for (const DashboardQuery& q : DashboardQueries(dashboard))
      out.push_back(SubstituteVariables(q.expr, *values));
  for (const VariableQuery& v : VariableQueries(dashboard))
    out.push_back(SubstituteVariables(v.promql, kAll));
  for (const DashboardQuery& q : DashboardQueries(TypoDashboard()))
    out.push_back(SubstituteVariables(q.expr, kAll));
  return out;
}

struct DashboardRun {
  std::string skipped;  ///< why it could not run, when it could not
  ProcessResult wsyaml;
  double scraped_s = 0;                 ///< from Prometheus' start to its fourth scrape
  std::map<std::string, json> answers;  ///< PromQL -> data.result, asked during the run
  std::string log;                      ///< Prometheus' output

  /// Looks the answers up (null for a query not asked).
  QueryFunction Answers() const {
    return [this](const std::string& promql) {
      auto it = answers.find(promql);
      return it == answers.end() ? json() : it->second;
    };
  }
};

DashboardRun RunScrapedForTheDashboard() {
  DashboardRun run;
  if (access(kPrometheusBinary, X_OK) != 0) {
    run.skipped =
        "SKIPPED LOUDLY: /usr/bin/prometheus is missing; install Debian's prometheus "
        "(tools/setup.sh --tests)";
    return run;
  }
  const std::vector<std::string> queries =
      QueriesToAsk(ReadJson(kGrafanaDir + "/wsyaml-dashboard.json"));
  const std::string dir = TempDir();
  const int metrics_port = FreeLoopbackPort(), prometheus_port = FreeLoopbackPort();
  const auto started = Clock::now();
  PrometheusProcess prometheus(dir, prometheus_port, metrics_port);
  std::ofstream(dir + "/scenario.yaml") << ScenarioYaml(FreeLoopbackPort());
  auto last_asked = Clock::now() - 1s;
  auto scraped_four_times = [&](const ProcessResult&) {
    if (Clock::now() - last_asked < 200ms) return false;
    last_asked = Clock::now();
    if (SingleValue(prometheus.Query("count_over_time(wsyaml_run_elapsed_seconds[1m])")) < 4)
      return false;
    run.scraped_s = std::chrono::duration<double>(Clock::now() - started).count();
    for (const std::string& q : queries) run.answers[q] = prometheus.Query(q);
    return true;
  };
  run.wsyaml = RunProcess({WsyamlBinary(), "run", dir + "/scenario.yaml", "-q", "--out",
                           "prometheus=:" + std::to_string(metrics_port)},
                          90s, {}, {{0ms, SIGINT, scraped_four_times}});
  prometheus.Stop();
  run.log = ReadText(dir + "/prometheus.log");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return run;
}

BackgroundRun<DashboardRun> scraped(
    "GrafanaDashboardEndToEnd.EveryPanelQueryAnswersFromARealPrometheus",
    RunScrapedForTheDashboard);

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(GrafanaDashboard, HasTheShapeGrafanaImportsAndEveryPanelTheIssueAsks) {
  const json dashboard = ReadJson(kGrafanaDir + "/wsyaml-dashboard.json");
  ASSERT_FALSE(dashboard.is_discarded()) << "tools/grafana/wsyaml-dashboard.json is not JSON";
  EXPECT_EQ(Lines(DashboardProblems(dashboard)), "");
  // The metric names of --out prometheus (src/outputs/prometheus_text.cpp), each in a panel.
  std::string exprs;
  for (const DashboardQuery& q : DashboardQueries(dashboard)) exprs += q.expr + "\n";
  for (const char* metric :
       {"wsyaml_vus", "wsyaml_ws_open", "wsyaml_ws_msgs_sent_total",
        "wsyaml_ws_msgs_received_total", "wsyaml_ws_reply_time_seconds_bucket",
        "wsyaml_ws_connecting_seconds_bucket", "wsyaml_ws_errors_total", "wsyaml_checks_total",
        "wsyaml_threshold_passing", "wsyaml_iterations_total", "wsyaml_dropped_iterations_total",
        "wsyaml_data_sent_bytes_total", "wsyaml_data_received_bytes_total"})
    EXPECT_NE(exprs.find(metric), std::string::npos) << metric << " is in no panel";
  for (const char* quantile :
       {"histogram_quantile(0.5,", "histogram_quantile(0.95,", "histogram_quantile(0.99,"})
    EXPECT_NE(exprs.find(quantile), std::string::npos) << quantile;
  // Provisioning: Prometheus at 127.0.0.1:9090, the dashboards from this folder.
  const std::string datasource =
      ReadText(kGrafanaDir + "/provisioning/datasources/wsyaml-prometheus.yaml");
  EXPECT_NE(datasource.find("type: prometheus"), std::string::npos);
  EXPECT_NE(datasource.find("url: http://127.0.0.1:9090"), std::string::npos);
  const std::string provider = ReadText(kGrafanaDir + "/provisioning/dashboards/wsyaml.yaml");
  EXPECT_NE(provider.find("type: file"), std::string::npos);
  EXPECT_NE(provider.find("path: $WSYAML_GRAFANA_DIR"), std::string::npos);
}

// The validator itself, on fragments: each mistake Grafana would show as an empty or broken
// panel is reported.
TEST(GrafanaDashboard, TheValidatorReportsBrokenPanelsAndEmptyAnswers) {
  json broken = ReadJson(kGrafanaDir + "/wsyaml-dashboard.json");
  ASSERT_GE(broken["panels"].size(), 2u);
  broken["panels"][1]["id"] = broken["panels"][0]["id"];
  broken["panels"][0]["targets"][0]["expr"] = "sum(wsyaml_vus{scenario=~\"$scenaro\"})";
  broken["panels"][1]["targets"][0].erase("expr");
  broken["panels"][1]["targets"][0]["datasource"]["uid"] = "prometheus";
  const std::string problems = Lines(DashboardProblems(broken));
  EXPECT_NE(problems.find("is not unique"), std::string::npos) << problems;
  EXPECT_NE(problems.find("$scenaro is used but not defined"), std::string::npos) << problems;
  EXPECT_NE(problems.find(": no expr"), std::string::npos) << problems;
  EXPECT_NE(problems.find("datasource is not"), std::string::npos) << problems;

  EXPECT_EQ(SubstituteVariables("x{a=~\"$scenario\",b=~\"${name}\"}[$__rate_interval]", kAll),
            "x{a=~\".*\",b=~\".*\"}[15s]");
  EXPECT_EQ(VariablesUsed("[[a]] ${b:regex} $c_d"), (std::set<std::string>{"a", "b", "c_d"}));
  const std::vector<DashboardQuery> queries = {
      {"p", "A", "m{scenario=~\"$scenario\"}", "{{scenario}}"}};
  auto answer = [](json result) { return [result](const std::string&) { return result; }; };
  const json one_scenario = json::parse(R"([{"metric": {"scenario": "talk"}, "value": [1, "2"]}])");
  EXPECT_EQ(Lines(AnswerProblems(queries, kAll, kExpected, answer(json::array()))),
            "panel 'p' A (m{scenario=~\".*\"}): returns no series\n");
  EXPECT_EQ(Lines(AnswerProblems(queries, kAll, kExpected, answer(nullptr))),
            "panel 'p' A (m{scenario=~\".*\"}): the query failed\n");
  EXPECT_EQ(Lines(AnswerProblems(queries, kAll, kExpected, answer(one_scenario))),
            "panel 'p' A (m{scenario=~\".*\"}): no series with scenario=arrive\n");
}

// Prometheus scraped the run four times, then the run ended as planned.
void ExpectScraped(const DashboardRun& run) {
  ASSERT_FALSE(run.wsyaml.timed_out) << run.wsyaml.err << run.log;
  ASSERT_GT(run.scraped_s, 0) << "Prometheus never scraped the run four times:\n"
                              << run.wsyaml.err << run.log;
  EXPECT_EQ(run.wsyaml.exit_code, 99) << run.wsyaml.err;  // interrupted, checks failed
}

TEST(GrafanaDashboardEndToEnd, EveryPanelQueryAnswersFromARealPrometheus) {
  const DashboardRun& run = scraped.Get();
  if (!run.skipped.empty()) GTEST_SKIP() << run.skipped;
  ASSERT_NO_FATAL_FAILURE(ExpectScraped(run));
  std::printf("Prometheus: fourth scrape of the run %.1f s after its start\n", run.scraped_s);
  const json dashboard = ReadJson(kGrafanaDir + "/wsyaml-dashboard.json");
  const std::vector<DashboardQuery> queries = DashboardQueries(dashboard);
  ASSERT_GE(queries.size(), 15u);
  EXPECT_EQ(Lines(AnswerProblems(queries, kAll, kExpected, run.Answers())), "");

  // The variables list every scenario and every step name with a reply.
  std::map<std::string, std::set<std::string>> options;
  for (const VariableQuery& v : VariableQueries(dashboard))
    options[v.name] = LabelValues(run.Answers()(SubstituteVariables(v.promql, kAll)), v.label);
  EXPECT_EQ(options["scenario"], (std::set<std::string>{"arrive", "refused", "talk"}));
  EXPECT_EQ(options["name"], (std::set<std::string>{"ping", "say"}));

  // Picking scenario talk and name say narrows the panels that show those labels to them.
  const Expected talk_say = {{"scenario", {"talk"}}, {"name", {"say"}}, {"check", {"say"}}};
  for (const DashboardQuery& q : queries) {
    const json answer = run.Answers()(SubstituteVariables(q.expr, kTalkSay));
    for (const auto& [label, only] : talk_say) {
      if (LegendLabels(q.legend).count(label)) {
        EXPECT_EQ(LabelValues(answer, label), only) << q.panel << " " << q.ref_id;
      }
    }
  }

  // A typo in a metric name is an empty panel in Grafana, and a reported problem here.
  EXPECT_EQ(
      Lines(AnswerProblems(DashboardQueries(TypoDashboard()), kAll, kExpected, run.Answers())),
      "panel 'typo' A (sum by (scenario) (rate(wsyaml_ws_msgs_snet_total{scenario=~\".*\"}"
      "[15s]))): returns no series\n");
}

}  // namespace
}  // namespace wsyaml::testing
