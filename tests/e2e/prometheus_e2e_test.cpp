// --out prometheus= against a real Prometheus (Debian's `prometheus`), started by the test: it
// scrapes a running wsyaml every second, and its query API returns the series (counters with
// their name and scenario labels, a histogram's buckets, errors by kind, checks, thresholds,
// run info) with the values the result file holds at the end (issue 14 item 3).
// Prometheus applies its targets about 5 s after it starts (discovery updates are throttled to
// one per 5 s), so the run starts in the background with the test program and ends (SIGINT)
// once Prometheus has scraped it twice; everything it measures happens in its first second.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "background_run.h"
#include "http_get.h"
#include "prometheus_process.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using metrics::MetricId;

// A socket bound to a free loopback port, and the port (0 when that failed).
int BoundSocket(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  *port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    *port = ntohs(addr.sin_port);
  return fd;
}

// What Prometheus answered while the run went, and the run itself.
struct PrometheusRun {
  std::string skipped;         ///< why it could not run, when it could not
  ScenarioRun wsyaml;          ///< the run, its result file read back
  double first_scrapes_s = 0;  ///< from Prometheus' start to its second scrape of the run
  std::map<std::string, nlohmann::json> answers;  ///< query -> data.result
  std::string log;                                ///< Prometheus' output
};

const char* kQueries[] = {
    "sum(wsyaml_ws_msgs_sent_total)",
    "sum(wsyaml_ws_msgs_received_total)",
    "sum(wsyaml_ws_sessions_total)",
    "wsyaml_ws_msgs_sent_total",
    "wsyaml_ws_reply_time_seconds_bucket{name=\"say\",scenario=\"talk\"}",
    "wsyaml_ws_reply_time_seconds_count{name=\"say\",scenario=\"talk\"}",
    "wsyaml_ws_errors_total",
    "wsyaml_checks_total",
    "wsyaml_threshold_passing",
    "wsyaml_run_info",
    "histogram_quantile(0.95, sum by (le) (wsyaml_ws_reply_time_seconds_bucket))",
};

// Each VU: three echoed messages and an expect that times out (a failed check), then idle
// until SIGINT; one more VU is refused (an error of its kind).
std::string ScenarioYaml(int refused_port) {
  return R"(name: scraped
target: builtin:echo
scenarios:
  talk:
    load: {vus: 2, iterations: 1, graceful-stop: 100ms}
    steps:
      - connect: /echo
      - send: "a"
      - expect: {match: {text: "a"}, within: 2s, name: say}
      - send: "b"
      - expect: {match: {text: "b"}, within: 2s, name: say}
      - send: "c"
      - expect: {match: {text: "c"}, within: 2s, name: say}
      - expect: {match: {text: "never"}, within: 50ms, name: never}
      - sleep: 20s
  refused:
    load: {vus: 1, iterations: 1}
    steps:
      - connect: ws://127.0.0.1:)" +
         std::to_string(refused_port) +
         R"(/
thresholds:
  checks: ["rate == 1"]
  ws_reply_time{name:say}: ["p(95) < 10s"]
)";
}

PrometheusRun RunScrapedByPrometheus() {
  PrometheusRun run;
  if (access(kPrometheusBinary, X_OK) != 0) {
    run.skipped =
        "SKIPPED LOUDLY: /usr/bin/prometheus is missing; install Debian's prometheus "
        "(tools/setup.sh --tests)";
    return run;
  }
  const std::string dir = TempDir();
  const int metrics_port = FreeLoopbackPort(), prometheus_port = FreeLoopbackPort(),
            refused = FreeLoopbackPort();
  const auto started = Clock::now();
  PrometheusProcess prometheus(dir, prometheus_port, metrics_port);
  std::ofstream(dir + "/scenario.yaml") << ScenarioYaml(refused);
  const std::string result_file = dir + "/result.json";
  // Polled by RunProcess every millisecond: asks Prometheus at most every 200 ms, and once it
  // has scraped the run twice, keeps every query's answer and lets the SIGINT go.
  auto last_asked = Clock::now() - 1s;
  auto scraped_twice = [&](const ProcessResult&) {
    if (Clock::now() - last_asked < 200ms) return false;
    last_asked = Clock::now();
    if (SingleValue(prometheus.Query("count_over_time(wsyaml_run_elapsed_seconds[1m])")) < 2)
      return false;
    run.first_scrapes_s = std::chrono::duration<double>(Clock::now() - started).count();
    for (const char* query : kQueries) run.answers[query] = prometheus.Query(query);
    return true;
  };
  run.wsyaml.process =
      RunProcess({WsyamlBinary(), "run", dir + "/scenario.yaml", "-q", "--out",
                  "result=" + result_file, "--out", "prometheus=:" + std::to_string(metrics_port)},
                 40s, {}, {{0ms, SIGINT, scraped_twice}});
  prometheus.Stop();
  std::string error;
  run.wsyaml.has_result = metrics::ReadResultFile(result_file, &run.wsyaml.result, &error);
  std::ifstream log(dir + "/prometheus.log");
  run.log.assign(std::istreambuf_iterator<char>(log), std::istreambuf_iterator<char>());
  std::error_code ec;
  std::filesystem::remove_all(dir + "/data", ec);
  return run;
}

BackgroundRun<PrometheusRun> scraped("PrometheusEndToEnd.ARealPrometheusScrapesTheRunningTest",
                                     RunScrapedByPrometheus);

// The answer to `query`, its series by the value of `label`.
std::map<std::string, double> ByLabel(const PrometheusRun& run, const std::string& query,
                                      const std::string& label) {
  std::map<std::string, double> out;
  for (const auto& sample : run.answers.at(query))
    out[sample["metric"].value(label, "")] += std::stod(sample["value"][1].get<std::string>());
  return out;
}

// Prometheus scraped the run twice, then the run ended as planned and left its result file.
void ExpectScrapedTwice(const PrometheusRun& run) {
  ASSERT_FALSE(run.wsyaml.process.timed_out) << run.wsyaml.process.err << run.log;
  ASSERT_GT(run.first_scrapes_s, 0) << "Prometheus never scraped the run twice:\n"
                                    << run.wsyaml.process.err << run.log;
  // Interrupted after the scrapes, with the failing check's threshold failed: 99 wins.
  EXPECT_EQ(run.wsyaml.process.exit_code, 99) << run.wsyaml.process.err;
  ASSERT_TRUE(run.wsyaml.has_result) << run.wsyaml.process.err;
}

TEST(PrometheusEndToEnd, ARealPrometheusScrapesTheRunningTest) {
  const PrometheusRun& run = scraped.Get();
  if (!run.skipped.empty()) GTEST_SKIP() << run.skipped;
  ASSERT_NO_FATAL_FAILURE(ExpectScrapedTwice(run));
  std::printf("Prometheus: second scrape of the run %.1f s after its start\n", run.first_scrapes_s);
  const metrics::Result& r = run.wsyaml.result;
  const ScenarioRun& view = run.wsyaml;
  // Counters, summed and per scenario, equal the result file's totals.
  EXPECT_EQ(SingleValue(run.answers.at("sum(wsyaml_ws_msgs_sent_total)")), 6);
  EXPECT_EQ(SingleValue(run.answers.at("sum(wsyaml_ws_msgs_sent_total)")),
            CounterTotal(r, MetricId::kWsMsgsSent));
  EXPECT_EQ(SingleValue(run.answers.at("sum(wsyaml_ws_msgs_received_total)")),
            CounterTotal(r, MetricId::kWsMsgsReceived));
  EXPECT_EQ(SingleValue(run.answers.at("sum(wsyaml_ws_sessions_total)")),
            CounterTotal(r, MetricId::kWsSessions));
  EXPECT_EQ(ByLabel(run, "wsyaml_ws_msgs_sent_total", "scenario"),
            (std::map<std::string, double>{{"talk", 6}}));

  // The histogram: every bucket, cumulative, +Inf equal to the count and the samples.
  const auto buckets = ByLabel(run,
                               "wsyaml_ws_reply_time_seconds_bucket{name=\"say\","
                               "scenario=\"talk\"}",
                               "le");
  EXPECT_EQ(buckets.size(), 20u);
  const double samples =
      static_cast<double>(view.Samples(MetricId::kWsReplyTime, {{"name", "say"}}));
  EXPECT_EQ(samples, 6);
  EXPECT_EQ(buckets.count("+Inf") ? buckets.at("+Inf") : -1, samples);
  EXPECT_EQ(buckets.count("10") ? buckets.at("10") : -1, samples);  // all under 2 s
  EXPECT_EQ(SingleValue(run.answers.at("wsyaml_ws_reply_time_seconds_count{name=\"say\","
                                       "scenario=\"talk\"}")),
            samples);
  const double p95 = SingleValue(run.answers.at(
      "histogram_quantile(0.95, sum by (le) (wsyaml_ws_reply_time_seconds_bucket))"));
  EXPECT_GT(p95, 0);
  EXPECT_LE(p95, 2);
}

// Errors by kind, checks by name and outcome, thresholds now, the run's info.
TEST(PrometheusEndToEnd, ErrorsChecksThresholdsAndRunInfoReachPrometheus) {
  const PrometheusRun& run = scraped.Get();
  if (!run.skipped.empty()) GTEST_SKIP() << run.skipped;
  ASSERT_NO_FATAL_FAILURE(ExpectScrapedTwice(run));
  const metrics::Result& r = run.wsyaml.result;
  const ScenarioRun& view = run.wsyaml;
  std::map<std::string, double> errors;
  for (const auto& [key, series] : r.shard.series())
    if (key.first == MetricId::kWsErrors)
      for (const auto& [tag, value] : r.tags.Tags(key.second))
        if (tag == "kind") errors[value] += series.sum;
  EXPECT_FALSE(errors.empty());
  EXPECT_EQ(ByLabel(run, "wsyaml_ws_errors_total", "kind"), errors);
  std::map<std::string, double> checks;
  for (const auto& sample : run.answers.at("wsyaml_checks_total"))
    checks[sample["metric"]["check"].get<std::string>() + "/" +
           sample["metric"]["result"].get<std::string>()] =
        std::stod(sample["value"][1].get<std::string>());
  EXPECT_EQ(checks, (std::map<std::string, double>{
                        {"never/fail", 2}, {"never/pass", 0}, {"say/fail", 0}, {"say/pass", 6}}));
  EXPECT_EQ(checks["say/pass"], view.Passes("say"));
  EXPECT_EQ(checks["never/fail"], view.Fails("never"));
  EXPECT_EQ(ByLabel(run, "wsyaml_threshold_passing", "metric"),
            (std::map<std::string, double>{{"checks", 0}, {"ws_reply_time", 1}}));
  const nlohmann::json& info = run.answers.at("wsyaml_run_info");
  ASSERT_EQ(info.size(), 1u) << info;
  EXPECT_EQ(info[0]["metric"]["test"], "scraped");
  EXPECT_EQ(info[0]["metric"]["job"], "wsyaml");
}

// Both before anything connects: a bad address is a usage error (2), a port in use a setup
// failure (3), each one line, and no summary.
TEST(PrometheusEndToEnd, APortInUseOrABadAddressStopsTheRunBeforeItStarts) {
  int bound = 0;
  int fd = BoundSocket(&bound);
  ASSERT_GT(bound, 0);
  ASSERT_EQ(listen(fd, 1), 0);
  const std::string port = std::to_string(bound);
  const std::string yaml = "target: builtin:echo\nsteps: [{connect: /}]\n";
  ScenarioRun busy = RunScenario(yaml, {"--out", "prometheus=:" + port});
  close(fd);
  EXPECT_EQ(busy.process.exit_code, 3);
  EXPECT_EQ(busy.process.err, "wsyaml: --out prometheus=127.0.0.1:" + port +
                                  ": cannot listen on 127.0.0.1:" + port +
                                  ": Address already in use\n");
  EXPECT_EQ(busy.process.out, "");
  ScenarioRun bad = RunScenario(yaml, {"--out", "prometheus=example.com:9464"});
  EXPECT_EQ(bad.process.exit_code, 2);
  EXPECT_EQ(bad.process.err,
            "wsyaml: --out prometheus: 'example.com' is not an IP address (expects [HOST]:PORT, "
            "e.g. prometheus=:9464)\n");
}

}  // namespace
}  // namespace wsyaml::testing
