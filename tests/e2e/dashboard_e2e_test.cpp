// --dashboard in a real browser: headless Chromium (Debian's, driven by npm playwright-core
// from tests/e2e/peers/node/dashboard_check.js) loads the page while an eight-second run goes,
// waits for live numbers, takes a screenshot and reports what the page shows; the numbers are
// checked against the run's result file (issue 14 item 5).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <nlohmann/json.hpp>
#include <string>

#include "background_run.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;
using nlohmann::json;
using namespace std::chrono_literals;

std::string Node() {
  return access("/usr/bin/node", X_OK) == 0 ? "/usr/bin/node" : "/usr/local/bin/node";
}

// What the browser test needs (tools/setup.sh --tests installs all three).
std::string MissingBrowser() {
  if (access("/usr/bin/chromium", X_OK) != 0) return "Debian chromium is not installed";
  if (access(Node().c_str(), X_OK) != 0) return "node is not installed";
  if (access(SourcePath("tests/e2e/peers/node/node_modules/playwright-core/package.json").c_str(),
             R_OK) != 0)
    return "npm playwright-core is not installed in tests/e2e/peers/node (tools/setup.sh --tests)";
  return {};
}

// Three VUs keep a socket each, echo every 100 ms and hit one run-time expression error per
// round; one threshold passes throughout, the other fails from the first message on.
constexpr const char* kScenario = R"(name: dashboard check
target: builtin:echo
load: {vus: 3, duration: 8s}
vars: {word: "abc"}
steps:
  - connect: /
  - repeat:
      for: 2s
      do:
        - send: "hi ${vu}"
        - expect: {match: {text: "hi ${vu}"}, within: 2s, name: echo}
        - log: "${word > 0}"
        - sleep: 100ms
  - close
thresholds:
  ws_reply_time{name:echo}: ["p(95) < 10s"]
  ws_msgs_sent: ["count < 1"]
)";

// The browser, then the run once Chromium has started (about nine seconds, mostly waiting),
// in the background when the test program starts.
struct BrowserRun {
  ProcessResult wsyaml, browser;
  std::string dir, address;
};

BrowserRun RunWithBrowser() {
  BrowserRun out;
  if (!MissingBrowser().empty()) return out;
  std::string scenario = WriteTempFile("dashboard.yaml", kScenario);
  out.dir = scenario.substr(0, scenario.rfind('/'));
  out.address = "127.0.0.1:" + std::to_string(FreeLoopbackPort());
  const std::string ready = out.dir + "/browser-ready";
  // The driver retries the page until the run serves it.
  auto browser = std::async(std::launch::async, [&] {
    return RunProcess({Node(), SourcePath("tests/e2e/peers/node/dashboard_check.js"),
                       "http://" + out.address + "/", out.dir + "/dashboard.png", ready},
                      90s);
  });
  while (access(ready.c_str(), F_OK) != 0 &&
         browser.wait_for(20ms) == std::future_status::timeout) {
  }
  out.wsyaml = RunProcess({WsyamlBinary(), "run", scenario, "--dashboard=" + out.address, "--out",
                           "result=" + out.dir + "/result.json"},
                          40s);
  out.browser = browser.get();
  return out;
}

BackgroundRun<BrowserRun> browser_run("DashboardE2E.ChromiumShowsLiveNumbersThatMatchTheRun",
                                      RunWithBrowser);

// What the page showed mid-run: live, and never more than the whole run.
void ExpectLiveNumbersOfTheRun(const json& shown, const metrics::Result& result) {
  EXPECT_EQ(shown["problems"], json::array()) << "script errors or CSP violations";
  EXPECT_EQ(shown["scenario"], "dashboard check");
  EXPECT_EQ(shown["status"], "live");
  EXPECT_EQ(shown["final"], "false");
  EXPECT_GT(shown["elapsed_s"].get<double>(), 0);
  // Opened mid-run, the page got the chart points of every second so far, not only its own.
  EXPECT_NEAR(shown["points"].get<double>(), shown["elapsed_s"].get<double>(), 1.01) << shown;
  EXPECT_LT(shown["elapsed_s"].get<double>(), result.duration_s);
  EXPECT_EQ(shown["vus"], 3);
  EXPECT_EQ(shown["vus_max"], 3);
  EXPECT_GE(shown["open_sockets"].get<double>(), 0);
  EXPECT_LE(shown["open_sockets"].get<double>(), 3);
  double sent = shown["sent_total"].get<double>();
  EXPECT_GT(sent, 0);
  EXPECT_LE(sent, CounterTotal(result, MetricId::kWsMsgsSent));
  EXPECT_GT(shown["sent_rate"].get<double>(), 0);
  EXPECT_LE(shown["received_total"].get<double>(), CounterTotal(result, MetricId::kWsMsgsReceived));
  EXPECT_GT(shown["checks_passes"].get<double>(), 0);
  EXPECT_LE(shown["checks_passes"].get<double>(), result.shard.checks().at("echo").passes);
  // Errors by kind: the expression errors, no more than the run counted.
  ASSERT_EQ(shown["errors"].size(), 1u) << shown["errors"];
  EXPECT_EQ(shown["errors"][0]["kind"], "expression");
  EXPECT_LE(std::stod(shown["errors"][0]["total"].get<std::string>()),
            result.shard.errors().at("expression").count);
  // Thresholds as judged now match the verdicts at the end.
  ASSERT_EQ(shown["thresholds"].size(), result.thresholds.size()) << shown["thresholds"];
  for (size_t i = 0; i < result.thresholds.size(); ++i) {
    const json& row = shown["thresholds"][i];
    EXPECT_EQ(row["source"], result.thresholds[i].threshold.source);
    EXPECT_EQ(row["passed"], result.thresholds[i].passed ? "true" : "false") << row;
  }
  EXPECT_EQ(shown["thresholds_state"], "failing");
  bool echo_line = false;
  for (const json& trend : shown["trends"])
    if (trend["metric"] == "ws_reply_time" && trend["name"] == "echo") {
      echo_line = true;
      EXPECT_LE(std::stoull(trend["count"].get<std::string>()),
                TrendCount(result, MetricId::kWsReplyTime));
    }
  EXPECT_TRUE(echo_line) << shown["trends"];
  // Every chart has its lines: VUs and sockets, out and in, echo's p(95), expression errors.
  EXPECT_EQ(shown["chart_lines"], json({{"load", 2}, {"msgs", 2}, {"reply", 1}, {"errors", 1}}));
}

// What the page showed after the final update: exactly the run's totals.
void ExpectFinalTotalsOfTheRun(const json& end, const metrics::Result& result) {
  EXPECT_EQ(end["status"], "run ended");
  EXPECT_EQ(end["sent_total"], CounterTotal(result, MetricId::kWsMsgsSent));
  EXPECT_EQ(end["received_total"], CounterTotal(result, MetricId::kWsMsgsReceived));
  EXPECT_EQ(end["errors_total"], result.shard.errors().at("expression").count);
  EXPECT_EQ(end["checks_passes"], result.shard.checks().at("echo").passes);
  EXPECT_EQ(end["checks_fails"], 0);
  EXPECT_EQ(end["vus"], 0);
  EXPECT_EQ(end["vus_max"], 3);  // the VUs allocated, known at the end
  EXPECT_EQ(end["thresholds_state"], "failing");
}

TEST(DashboardE2E, ChromiumShowsLiveNumbersThatMatchTheRun) {
  if (std::string missing = MissingBrowser(); !missing.empty())
    GTEST_SKIP() << "\n\n*** SKIPPED: the dashboard test needs a real browser: " << missing
                 << " ***\n\n";
  const BrowserRun& run = browser_run.Get();
  const ProcessResult& browser = run.browser;
  const ProcessResult& wsyaml = run.wsyaml;
  const std::string& dir = run.dir;
  const std::string& address = run.address;
  ASSERT_EQ(browser.exit_code, 0) << browser.out << browser.err << wsyaml.err;
  EXPECT_EQ(wsyaml.exit_code, 99) << wsyaml.out << wsyaml.err;  // one threshold fails
  EXPECT_NE(
      wsyaml.err.find("outputs:  --out result=" + dir + "/result.json, --dashboard=" + address),
      std::string::npos)
      << wsyaml.err;
  EXPECT_NE(wsyaml.err.find("dashboard: http://" + address + "/\n"), std::string::npos)
      << wsyaml.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/result.json", &result, &error)) << error;
  json shown = json::parse(browser.out, nullptr, false);
  ASSERT_TRUE(shown.is_object()) << browser.out;
  std::cout << "dashboard screenshot: " << shown["screenshot"].get<std::string>() << "\n";

  ExpectLiveNumbersOfTheRun(shown, result);
  ExpectFinalTotalsOfTheRun(shown["at_end"], result);
}

TEST(DashboardE2E, ABadAddressStopsTheRunBeforeItStarts) {
  std::string scenario = WriteTempFile("bad.yaml", kScenario);
  ProcessResult p = RunProcess({WsyamlBinary(), "run", scenario, "--dashboard=nowhere"}, 20s);
  EXPECT_EQ(p.exit_code, 2) << p.out << p.err;
  EXPECT_NE(p.err.find("--dashboard expects [HOST]:PORT"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace wsyaml::testing
