// `--out influxdb=URL` against a real InfluxDB 1.x (Debian's influxd, started here on free
// loopback ports with its files in a temporary directory): what a run wrote is queried back
// and equals the result file exactly. A down backend and one that never answers cost the
// run nothing but dropped points, reported on one line (issue 14 item 4).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include "background_run.h"
#include "outputs/http_post.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A loopback port held for a test: listening without accepting (connects succeed through the
// kernel's backlog, requests are never answered), or bound only (connects are refused, and no
// other test can take the port meanwhile).
class HeldPort {
 public:
  explicit HeldPort(bool listening) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        (!listening || listen(fd_, 64) == 0) &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port_ = ntohs(addr.sin_port);
  }
  ~HeldPort() { close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port free now (for influxd, which binds it at once).
int FreePort() { return FreeLoopbackPort(); }

// influxd 1.x on 127.0.0.1 (HTTP and RPC ports free), its files in a temporary directory.
class Influxd {
 public:
  Influxd() {
    if (access("/usr/bin/influxd", X_OK) != 0) return;
    dir_ = TempDir();
    http_port_ = FreePort();
    std::ofstream(dir_ + "/influxdb.conf")
        << "reporting-disabled = true\nbind-address = \"127.0.0.1:" << FreePort() << "\"\n"
        << "[meta]\n  dir = \"" << dir_ << "/meta\"\n"
        << "[data]\n  dir = \"" << dir_ << "/data\"\n  wal-dir = \"" << dir_
        << "/wal\"\n  query-log-enabled = false\n"
        << "[monitor]\n  store-enabled = false\n"
        << "[http]\n  bind-address = \"127.0.0.1:" << http_port_ << "\"\n  log-enabled = false\n"
        << "[logging]\n  level = \"warn\"\n";
    auto start = Clock::now();
    pid_ = fork();
    if (pid_ == 0) {
      int log = open((dir_ + "/influxd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(log, 1);
      dup2(log, 2);
      execl("/usr/bin/influxd", "influxd", "run", "-config", (dir_ + "/influxdb.conf").c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    // Up when it answers a query (within 10 s; it takes about 0.15 s here).
    while (Clock::now() - start < 10s && !Query("SHOW DATABASES").is_object())
      std::this_thread::sleep_for(20ms);
    start_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  }
  ~Influxd() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 500 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(10ms);
    if (waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool installed() const { return pid_ > 0; }
  int port() const { return http_port_; }
  long long start_ms() const { return start_ms_; }
  std::string Url(const std::string& db) const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + "/" + db;
  }
  // POSTs an InfluxQL statement to /query; its JSON answer, or null without one.
  nlohmann::json Query(const std::string& q, const std::string& db = "") const {
    outputs::HttpClient client("127.0.0.1", http_port_);
    outputs::HttpResponse response;
    std::string error;
    std::string body = "q=" + outputs::UrlEncode(q) + (db.empty() ? "" : "&db=" + db);
    if (!client.Post("/query", "application/x-www-form-urlencoded", body, Clock::now() + 5s,
                     &response, &error) ||
        response.status != 200)
      return nullptr;
    return nlohmann::json::parse(response.body, nullptr, false);
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int http_port_ = 0;
  long long start_ms_ = 0;
};

// "k=v,k=v" of a tag set without empty values (InfluxDB's GROUP BY * fills absent tags with "").
std::string TagKey(const std::map<std::string, std::string>& tags) {
  std::string key;
  for (const auto& [k, v] : tags)
    if (!v.empty()) key += (key.empty() ? "" : ",") + k + "=" + v;
  return key;
}

// Per tag set, the first value column of `SELECT sum(...) ... GROUP BY *`.
std::map<std::string, double> SumsByTags(const nlohmann::json& answer) {
  std::map<std::string, double> sums;
  if (!answer.is_object()) return sums;
  for (const auto& series : answer["results"][0].value("series", nlohmann::json::array())) {
    std::map<std::string, std::string> tags;
    const nlohmann::json series_tags = series.value("tags", nlohmann::json::object());
    for (const auto& [k, v] : series_tags.items())
      tags[k] = v.is_string() ? v.get<std::string>() : "";
    sums[TagKey(tags)] = series["values"][0][1].get<double>();
  }
  return sums;
}

// The same sums from the result file: counters' totals, or trends' sample counts.
std::map<std::string, double> ResultSums(const metrics::Result& result, metrics::MetricId id) {
  std::map<std::string, double> sums;
  for (const auto& [key, series] : result.shard.series()) {
    if (key.first != id) continue;
    std::map<std::string, std::string> tags;
    for (const auto& [k, v] : result.tags.Tags(key.second)) tags[k] = v;
    bool trend = metrics::Info(id).type == metrics::MetricType::kTrend;
    sums[TagKey(tags)] += trend ? static_cast<double>(series.histogram.Count()) : series.sum;
  }
  return sums;
}

const char* kScenario = R"(name: influx
target: builtin:echo
load: {vus: 3, duration: 2500ms}
steps:
  - connect: /echo
  - send: "hi ${vu} ${iter}"
  - expect: {match: {text: "hi ${vu} ${iter}"}, within: 2s, name: echo}
  - check: {name: even iteration, that: "${iter % 2 == 0}"}
  - expect: {match: {text: never}, within: 40ms, name: never}
  - close
  - connect: ws://127.0.0.1:1/refused
)";

struct InfluxRun {
  bool installed = false;
  long long start_ms = 0;
  ScenarioRun run;
  std::map<std::string, std::map<std::string, double>> queried;  ///< metric -> tags -> sum
  nlohmann::json checks;
};

BackgroundRun<InfluxRun> real_run("InfluxDbEndToEnd.WhatARunWroteIsQueriedBackExactly", [] {
  InfluxRun out;
  Influxd influxd;
  out.installed = influxd.installed();
  if (!out.installed) return out;
  out.start_ms = influxd.start_ms();
  out.run = RunScenario(kScenario, {"--out", "influxdb=" + influxd.Url("wsyaml")});
  for (const char* metric :
       {"ws_msgs_sent", "ws_msgs_received", "ws_sessions", "iterations", "ws_errors", "data_sent"})
    out.queried[metric] = SumsByTags(influxd.Query(
        "SELECT sum(\"value\") FROM \"" + std::string(metric) + "\" GROUP BY *", "wsyaml"));
  for (const char* trend : {"ws_reply_time", "ws_connecting", "iteration_duration"})
    out.queried[trend] = SumsByTags(influxd.Query(
        "SELECT sum(\"count\") FROM \"" + std::string(trend) + "\" GROUP BY *", "wsyaml"));
  out.checks = influxd.Query(
      "SELECT sum(\"passes\"), sum(\"fails\") FROM \"checks\" GROUP BY \"check\"", "wsyaml");
  return out;
});

TEST(InfluxDbEndToEnd, WhatARunWroteIsQueriedBackExactly) {
  const InfluxRun& r = real_run.Get();
  if (!r.installed)
    GTEST_SKIP() << "\n\n*** influxd is not installed: run tools/setup.sh --tests ***\n";
  std::cerr << "influxd answered queries " << r.start_ms << " ms after its start\n";
  const ScenarioRun& run = r.run;
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.has_result);
  EXPECT_NE(run.process.err.find("influxdb: "), std::string::npos) << run.Output();
  EXPECT_EQ(run.process.err.find("dropped"), std::string::npos) << run.Output();
  EXPECT_GT(run.Counter(metrics::MetricId::kWsMsgsSent), 10);
  for (const auto& [metric, queried] : r.queried) {
    metrics::MetricId id;
    ASSERT_TRUE(metrics::FindMetric(metric, &id));
    EXPECT_FALSE(queried.empty()) << metric;
    EXPECT_EQ(queried, ResultSums(run.result, id)) << metric << "\n" << run.Output();
  }
  ASSERT_TRUE(r.checks.is_object()) << "no answer to the checks query";
  std::map<std::string, std::pair<double, double>> checks;
  for (const auto& series : r.checks["results"][0].value("series", nlohmann::json::array()))
    checks[series["tags"]["check"].get<std::string>()] = {series["values"][0][1].get<double>(),
                                                          series["values"][0][2].get<double>()};
  ASSERT_EQ(checks.size(), 3u) << r.checks.dump();
  for (const char* name : {"echo", "even iteration", "never"}) {
    EXPECT_EQ(checks[name].first, run.Passes(name)) << name;
    EXPECT_EQ(checks[name].second, run.Fails(name)) << name;
  }
  EXPECT_GT(run.Fails("even iteration"), 0u);
  EXPECT_GT(run.Errors("refused"), 0u);  // ws_errors{kind:refused} compared above
  EXPECT_EQ(r.queried.at("ws_errors").at("kind=refused,scenario=default"), run.Errors("refused"));
}

// A refusing port (held, so no parallel test's server takes it): every point dropped and
// reported; the run's exit code is its own.
BackgroundRun<ScenarioRun> down_run("InfluxDbEndToEnd.ADownBackendNeitherStallsNorFailsTheRun", [] {
  HeldPort refusing(/*listening=*/false);
  return RunScenario(
      kScenario,
      {"--out", "influxdb=http://127.0.0.1:" + std::to_string(refusing.port()) + "/wsyaml"});
});

TEST(InfluxDbEndToEnd, ADownBackendNeitherStallsNorFailsTheRun) {
  const ScenarioRun& run = down_run.Get();
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_NE(run.process.err.find(" dropped: connection refused\n"), std::string::npos)
      << run.Output();
  EXPECT_NE(run.process.err.find("influxdb: 0 of "), std::string::npos) << run.Output();
}

// A backend that accepts and never answers: after the run (its summary printed), the sink
// waits the 5 s flush deadline and no longer; waiting on the silent request as well would add
// its own 5 s timeout. Timed from the summary to the sink's report line, so how long the
// process takes to start (slow under the sanitizers, beside a compiler) does not count.
struct SilentRun {
  ProcessResult process;
  double flush_seconds = -1;  ///< from the summary on stdout to the influxdb line on stderr
};

BackgroundRun<SilentRun> silent_run(
    "InfluxDbEndToEnd.ASilentBackendCostsAtMostTheFlushDeadline", [] {
      HeldPort silent(/*listening=*/true);
      const std::string scenario = WriteTempFile("silent.yaml",
                                                 "name: silent\ntarget: builtin:echo\n"
                                                 "load: {vus: 1, duration: 1s}\n"
                                                 "steps:\n  - connect: /echo\n  - sleep: 100ms\n"
                                                 "  - close\n");
      Clock::time_point summary_at, report_at;
      // Signal 0 sends nothing: these only note when each line first appears.
      auto noted = [](const std::string ProcessResult::*stream, const char* text,
                      Clock::time_point* at) {
        return [=](const ProcessResult& so_far) {
          if ((so_far.*stream).find(text) == std::string::npos) return false;
          *at = Clock::now();
          return true;
        };
      };
      SilentRun out;
      out.process =
          RunProcess({WsyamlBinary(), "run", scenario, "-q", "--out",
                      "influxdb=http://127.0.0.1:" + std::to_string(silent.port()) + "/db"},
                     40s, {},
                     {{0ms, 0, noted(&ProcessResult::out, "wsyaml: silent", &summary_at)},
                      {0ms, 0, noted(&ProcessResult::err, "influxdb: ", &report_at)}});
      if (summary_at != Clock::time_point() && report_at != Clock::time_point())
        out.flush_seconds = std::chrono::duration<double>(report_at - summary_at).count();
      return out;
    });

TEST(InfluxDbEndToEnd, ASilentBackendCostsAtMostTheFlushDeadline) {
  const SilentRun& r = silent_run.Get();
  const std::string output = r.process.out + r.process.err;
  EXPECT_EQ(r.process.exit_code, 0) << output;
  EXPECT_NE(r.process.err.find(" dropped: "), std::string::npos) << output;
  ASSERT_GE(r.flush_seconds, 0) << output;
  EXPECT_LT(r.flush_seconds, 5 + 2.5) << output;
  std::cerr << "the sink waited " << r.flush_seconds << " s for the silent backend\n";
}

}  // namespace
}  // namespace wsyaml::testing
