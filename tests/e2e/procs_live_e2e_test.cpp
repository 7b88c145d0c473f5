// Live views with worker processes: `run --procs 2 --out prometheus=...` serves the
// workers' merged totals while the run goes, not only at its end, and the progress line
// shows them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "background_run.h"
#include "http_get.h"
#include "metrics/result.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kSteady[] = R"(name: steady
target: builtin:echo
load: {vus: 4, duration: 3s, ramp-up: 0s}
steps:
  - connect: /s
  - send: "${vu}"
  - expect: {match: {text: "${vu}"}, within: 2s, name: echo}
  - sleep: 50ms
  - close
)";

// The sum of wsyaml_ws_msgs_sent_total over its label sets; -1 when absent.
double MsgsSent(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  double sum = -1;
  while (std::getline(lines, line)) {
    if (line.rfind("wsyaml_ws_msgs_sent_total", 0) != 0) continue;
    sum = std::max(sum, 0.0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

struct LiveScrapes {
  ProcessResult process;
  std::vector<double> sent;  ///< what each scrape during the run showed
  metrics::Result result;
  bool has_result = false;
};

LiveScrapes RunAndScrape() {
  LiveScrapes run;
  const std::string scenario = WriteTempFile("steady.yaml", kSteady);
  const std::string result_file = scenario + ".result.json";
  const int port = FreeLoopbackPort();
  auto last = Clock::now() - 1s;
  // Polled by RunProcess every millisecond while the run goes; never sends its signal.
  auto scrape = [&](const ProcessResult&) {
    if (Clock::now() - last < 200ms) return false;
    last = Clock::now();
    HttpReply reply = HttpGet(static_cast<uint16_t>(port), "/metrics", 1);
    const double sent = reply.status == 200 ? MsgsSent(reply.body) : -1;
    if (sent > 0) run.sent.push_back(sent);
    return false;
  };
  run.process =
      RunProcess({WsyamlBinary(), "run", scenario, "-q", "--procs", "2", "--out",
                  "result=" + result_file, "--out", "prometheus=127.0.0.1:" + std::to_string(port)},
                 30s, {}, {{0ms, SIGINT, scrape}});
  std::string error;
  run.has_result = metrics::ReadResultFile(result_file, &run.result, &error);
  return run;
}

BackgroundRun<LiveScrapes> live("WorkerProcessesLive.PrometheusShowsTheMergedTotalsEachSecond",
                                RunAndScrape);

TEST(WorkerProcessesLive, PrometheusShowsTheMergedTotalsEachSecond) {
  const LiveScrapes& run = live.Get();
  ASSERT_EQ(run.process.exit_code, 0) << run.process.err;
  ASSERT_TRUE(run.has_result) << run.process.err;
  EXPECT_EQ(run.result.merged_runs, 2);
  const double total = CounterTotal(run.result, metrics::MetricId::kWsMsgsSent);
  ASSERT_FALSE(run.sent.empty()) << "no scrape saw the run";
  EXPECT_TRUE(std::is_sorted(run.sent.begin(), run.sent.end()));
  EXPECT_LE(run.sent.back(), total);
  // At least two one-second snapshots before the end (before the patch: none, the totals
  // reached the endpoint only with the final one).
  std::vector<double> during;
  for (double sent : run.sent)
    if (sent < total && (during.empty() || sent != during.back())) during.push_back(sent);
  EXPECT_GE(during.size(), 2u) << "scrapes: " << ::testing::PrintToString(run.sent);
}

// Four VUs that each hold one socket for three seconds: once connected, every progress line
// shows all four VUs and sockets, however late the workers start on a busy machine.
constexpr char kHeld[] = R"(name: held
target: builtin:echo
load: {vus: 4, iterations: 1, ramp-up: 0s}
steps:
  - connect: /s
  - repeat:
      for: 3s
      do:
        - send: "${vu}"
        - expect: {match: {text: "${vu}"}, within: 2s, name: echo}
        - sleep: 50ms
  - close
)";

// The progress line on a terminal, from the workers' merged ticks: both workers' VUs.
ProcessResult RunOnATerminal() {
  const std::string scenario = WriteTempFile("held.yaml", kHeld);
  return RunOnTerminal({WsyamlBinary(), "run", scenario, "--procs", "2", "--no-summary"}, 30s);
}

BackgroundRun<ProcessResult> terminal("WorkerProcessesLive.TheProgressLineShowsEveryWorker",
                                      RunOnATerminal);

TEST(WorkerProcessesLive, TheProgressLineShowsEveryWorker) {
  const ProcessResult& run = terminal.Get();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Each worker runs 2 of the 4 VUs and holds their 2 sockets: 4 and 4 sum both workers' ticks.
  EXPECT_NE(run.err.find("vus 4  open 4  msgs/s out "), std::string::npos) << run.err;
}

}  // namespace
}  // namespace wsyaml::testing
