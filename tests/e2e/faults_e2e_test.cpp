// Every fault `wsyaml serve chaos` throws, end to end (issue "Protocol-and-faults"): each run
// mixes a healthy /echo scenario with a faulty one and asserts that the run ends in bounded
// time, the fault is counted under the right error kind (with its HTTP status or close code),
// the healthy VUs carry on, and the summary, result JSON, JUnit and HTML report are complete.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "background_run.h"
#include "faults/fault_run.h"
#include "server/reference_server.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;
using namespace std::chrono_literals;

// `wsyaml serve chaos --port 0` as a child process, one per test so its counts are the test's.
class ChaosServer {
 public:
  ChaosServer() : process_({WsyamlBinary(), "serve", "chaos", "--port", "0"}) {}
  int port() const { return process_.port(); }
  std::string Target() const { return "ws://127.0.0.1:" + std::to_string(port()); }
  /// Stops the server and returns the counts it printed (docs/chaos-server.md, "Counts").
  nlohmann::json Counts() {
    std::string out = process_.Stop();
    size_t brace = out.rfind('{');
    if (brace == std::string::npos) return nlohmann::json::object();
    return nlohmann::json::parse(out.substr(brace), nullptr, false);
  }

 private:
  ServerProcess process_;
};

const graph::Tags kFault = {{"scenario", "fault"}};

TEST(FaultsEndToEnd, RefusedTcpIsCountedAndTheOthersCarryOn) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  std::string error;
  auto closed = server::ClosedPort::Open(&error);
  ASSERT_TRUE(closed) << error;
  std::string refused = "ws://127.0.0.1:" + std::to_string(closed->port()) + "/echo";
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 2}",
                                        "      - connect: {url: " + refused + ", timeout: 2s}\n"),
                          30s);
  ExpectCompleteOutputs(run, 10s, {"refused"});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(ErrorCount(run, "refused"), 4u);
  EXPECT_EQ(run.result.shard.errors().size(), 1u);
  EXPECT_NE(ErrorExample(run, "refused").find(std::to_string(closed->port())), std::string::npos)
      << ErrorExample(run, "refused");
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessions, kFault).sum, 4);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsConnecting, kFault).count, 0u);
  EXPECT_EQ(SeriesOf(run, MetricId::kIterations).sum, kHealthyVus * kHealthyIterations + 4);
}

// docs/language.md, "Tags": every sample carries `scenario`; error samples carry `kind` (and
// `status` for a refused upgrade), so thresholds can filter them.
TEST(FaultsEndToEnd, FaultSamplesCarryTheirScenarioAndErrorKind) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(
      FaultScenario(server.Target(), "{vus: 1, iterations: 2}", "      - connect: /status/503\n"),
      30s);
  ExpectCompleteOutputs(run, 10s, {"handshake 503"});
  const double healthy = kHealthyVus * kHealthyIterations;
  EXPECT_EQ(SeriesOf(run, MetricId::kIterations, {{"scenario", "healthy"}}).sum, healthy);
  EXPECT_EQ(SeriesOf(run, MetricId::kIterations, kFault).sum, 2);
  EXPECT_EQ(SeriesOf(run, MetricId::kIterationDuration, kFault).count, 2u);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsErrors, {{"kind", "handshake"}, {"status", "503"}}).sum, 2);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsErrors, {{"scenario", "fault"}}).sum, 2);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsCloseCodes, {{"scenario", "healthy"}, {"code", "1000"}}).sum,
            healthy);
}

TEST(FaultsEndToEnd, RefusedUpgradesAreCountedByHttpStatus) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 2}",
                                        "      - connect: {url: /status/401, timeout: 2s}\n"
                                        "      - connect: /status/403\n"
                                        "      - connect: /status/404\n"
                                        "      - connect: /status/500\n"
                                        "      - connect: /status/503\n"
                                        "      - connect: /no-such-path\n"),
                          30s);
  ExpectCompleteOutputs(
      run, 10s,
      {"handshake 401", "handshake 403", "handshake 404", "handshake 500", "handshake 503"});
  ExpectHealthyCarriedOn(run);
  for (int status : {401, 403, 500, 503}) {
    std::string kind = "handshake " + std::to_string(status);
    EXPECT_EQ(ErrorCount(run, kind), 4u) << kind;
    EXPECT_NE(ErrorExample(run, kind).find("HTTP " + std::to_string(status)), std::string::npos)
        << ErrorExample(run, kind);
  }
  EXPECT_EQ(ErrorCount(run, "handshake 404"), 8u);  // /status/404 and the unknown path
  EXPECT_EQ(run.result.shard.errors().size(), 5u);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessions, kFault).sum, 24);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsConnecting, kFault).count, 0u);
  nlohmann::json counts = server.Counts();
  EXPECT_EQ(counts.value("rejected", -1), 24);
  EXPECT_EQ(counts.value("connections", -1), kHealthyVus * kHealthyIterations);
}

TEST(FaultsEndToEnd, SlowAcceptWithinTheTimeoutOpensAndEchoes) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run =
      RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 1}",
                             "      - connect: {url: /slow-accept/400, timeout: 3s}\n"
                             "      - send: slow\n"
                             "      - expect: {match: {text: slow}, within: 2s, name: slow-echo}\n"
                             "      - close\n"),
               30s);
  ExpectCompleteOutputs(run, 10s, {});
  ExpectHealthyCarriedOn(run);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.process.out;
  metrics::Series connecting = SeriesOf(run, MetricId::kWsConnecting, kFault);
  EXPECT_EQ(connecting.count, 2u);
  EXPECT_GE(connecting.histogram.Min(), 400'000'000u) << "ws_connecting includes the delay";
  EXPECT_LT(connecting.histogram.Max(), 3'000'000'000u);
  auto check = run.result.shard.checks().find("slow-echo");
  ASSERT_NE(check, run.result.shard.checks().end());
  EXPECT_EQ(check->second.passes, 2u);
}

TEST(FaultsEndToEnd, SlowAcceptBeyondTheTimeoutIsATimeout) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run =
      RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 2}",
                             "      - connect: {url: /slow-accept/5000, timeout: 500ms}\n"
                             "      - send: never\n"),
               30s);
  // Two 500 ms timeouts per VU, not the 5 s the server would take.
  ExpectCompleteOutputs(run, 4s, {"timeout"});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(ErrorCount(run, "timeout"), 4u);
  // The send on a connection that never opened is counted, not lost.
  EXPECT_EQ(ErrorCount(run, "send"), 4u);
  EXPECT_EQ(run.result.shard.errors().size(), 2u);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsConnecting, kFault).count, 0u);
  EXPECT_EQ(SeriesOf(run, MetricId::kIterations).sum, kHealthyVus * kHealthyIterations + 4);
}

TEST(FaultsEndToEnd, SilentServerIsATimeout) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 2}",
                                        "      - connect: {url: /silent, timeout: 500ms}\n"),
                          30s);
  ExpectCompleteOutputs(run, 4s, {"timeout"});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(ErrorCount(run, "timeout"), 4u);
  EXPECT_EQ(run.result.shard.errors().size(), 1u);
  EXPECT_NE(ErrorExample(run, "timeout").find("500ms"), std::string::npos)
      << ErrorExample(run, "timeout");
}

TEST(FaultsEndToEnd, ServerCloseCodesAreRecordedAndAreNotErrors) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 1, iterations: 2}",
                                        "      - connect: /close/1008\n"
                                        "      - wait: {max: 3s}\n"
                                        "      - connect: /close/1011\n"
                                        "      - wait: {max: 3s}\n"
                                        "      - connect: /close/4000\n"
                                        "      - wait: {max: 3s}\n"
                                        "      - connect: /close\n"
                                        "      - wait: {max: 3s}\n"),
                          30s, {"-v"});
  ExpectCompleteOutputs(run, 10s, {});
  ExpectHealthyCarriedOn(run);
  // A close frame from the server is a clean close whatever its code: no ws_errors.
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.process.out;
  EXPECT_EQ(CloseCount(run, 1008), 2);
  EXPECT_EQ(CloseCount(run, 1011), 2);
  EXPECT_EQ(CloseCount(run, 4000), 2);
  EXPECT_EQ(CloseCount(run, 1005), 2);  // an empty close frame: no status
  EXPECT_EQ(CloseCount(run, 1000), kHealthyVus * kHealthyIterations);
  EXPECT_EQ(CloseCount(run, 1006), 0);
  EXPECT_NE(run.process.out.find("CLOSE CODES"), std::string::npos);
  EXPECT_NE(run.process.out.find("1011"), std::string::npos);
  // The server's reason is recorded too (shown by --debug).
  EXPECT_NE(run.process.err.find("closed code=1011 reason=chaos close 1011"), std::string::npos);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessionDuration, kFault).count, 8u);
}

// /drop-after/2 and /reset-after/2: two echoes, then TCP ends without a close frame. After a
// reset the echoes may be lost with the client's unread data (docs/chaos-server.md).
void ExpectAbnormalCloseAfterEchoes(const std::string& path, bool echoes_arrive) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 2}",
                                        "      - connect: " + path +
                                            "\n"
                                            "      - send: a\n"
                                            "      - send: b\n"
                                            "      - expect: {match: {text: b}, within: 2s, "
                                            "name: before-drop}\n"
                                            "      - wait: {max: 3s}\n"),
                          30s);
  ExpectCompleteOutputs(run, 10s, {"closed-abnormally"});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(ErrorCount(run, "closed-abnormally"), 4u);
  EXPECT_EQ(run.result.shard.errors().size(), 1u) << run.process.out;
  EXPECT_EQ(CloseCount(run, 1006), 4);
  double received = SeriesOf(run, MetricId::kWsMsgsReceived, kFault).sum;
  auto check = run.result.shard.checks().find("before-drop");
  ASSERT_NE(check, run.result.shard.checks().end());
  EXPECT_EQ(check->second.passes + check->second.fails, 4u);
  if (echoes_arrive) {
    EXPECT_EQ(received, 8);
    EXPECT_EQ(check->second.passes, 4u) << check->second.last_failure;
  } else {
    EXPECT_LE(received, 8);
  }
  // wait ended on the close, not on its 3 s max.
  EXPECT_LT(SeriesOf(run, MetricId::kIterationDuration).histogram.Max(), 2'000'000'000u);
}

TEST(FaultsEndToEnd, DropAfterNIsAnAbnormalClose) {
  ExpectAbnormalCloseAfterEchoes("/drop-after/2", true);
}

TEST(FaultsEndToEnd, ResetAfterNIsAnAbnormalClose) {
  ExpectAbnormalCloseAfterEchoes("/reset-after/2", false);
}

// The client must fail the connection with 1002 / 1007 and count one error of kind protocol.
void ExpectProtocolError(const std::string& path) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 2}",
                                        "      - connect: " + path +
                                            "\n"
                                            "      - wait: {max: 3s}\n"),
                          30s, {"-v"});
  ExpectCompleteOutputs(run, 10s, {"protocol"});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(ErrorCount(run, "protocol"), 4u) << run.process.out;
  // One fault, one error: not also closed-abnormally.
  EXPECT_EQ(run.result.shard.errors().size(), 1u) << run.process.out;
  EXPECT_EQ(SeriesOf(run, MetricId::kWsMsgsReceived, kFault).sum, 0);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessionDuration, kFault).count, 4u);
}

TEST(FaultsEndToEnd, InvalidFrameIsAProtocolError) { ExpectProtocolError("/invalid-frame"); }

TEST(FaultsEndToEnd, InvalidUtf8IsAProtocolError) { ExpectProtocolError("/invalid-utf8"); }

TEST(FaultsEndToEnd, FloodIsReceivedWhole) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  // Flood message i is "flood i" padded with x to 1024 bytes; the last one is number 20000.
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 1}",
                                        "      - connect: /flood/20000/1024\n"
                                        "      - expect: {match: {contains: flood 20000x}, "
                                        "within: 8s, name: flood-last}\n"
                                        "      - close\n"),
                          30s);
  ExpectCompleteOutputs(run, 12s, {});
  ExpectHealthyCarriedOn(run);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.process.out;
  EXPECT_EQ(SeriesOf(run, MetricId::kWsMsgsReceived, kFault).sum, 40000);
  // On the wire: each 1024-byte message behind a 4-byte frame header, and two 101 responses.
  double received = SeriesOf(run, MetricId::kDataReceived, kFault).sum;
  EXPECT_GT(received, 40000.0 * (1024 + 4) + 2 * 100);
  EXPECT_LT(received, 40000.0 * (1024 + 4) + 2 * 400);
  auto check = run.result.shard.checks().find("flood-last");
  ASSERT_NE(check, run.result.shard.checks().end());
  EXPECT_EQ(check->second.passes, 2u) << check->second.last_failure;
  nlohmann::json counts = server.Counts();
  EXPECT_EQ(counts.value("frames_out", -1.0),
            40000 + kHealthyVus * kHealthyIterations);  // floods + healthy echoes
}

// 64 KiB every 5 ms into a socket nobody reads: sends block in the kernel, then queue. It
// waits seconds for the close backstop, so it goes in the background from the start.
BackgroundRun<FaultRun> stops_reading(
    "FaultsEndToEnd.ServerThatStopsReadingStillEndsInBoundedTime", [] {
      ChaosServer server;
      if (server.port() <= 0) return FaultRun{};
      return RunFault(FaultScenario(server.Target(), "{vus: 2, duration: 1s, graceful-stop: 0s}",
                                    "      - connect:\n"
                                    "          url: /no-read\n"
                                    "          steps:\n"
                                    "            - every: {interval: 5ms, do: "
                                    "[{send: \"${randomString(65536)}\"}]}\n"),
                      30s);
    });

TEST(FaultsEndToEnd, ServerThatStopsReadingStillEndsInBoundedTime) {
  const FaultRun& run = stops_reading.Get();
  // duration + graceful-stop + the 5 s close handshake backstop, with slack.
  ExpectCompleteOutputs(run, 12s, {});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(SeriesOf(run, MetricId::kInterruptedIterations).sum, 2);
  EXPECT_GT(SeriesOf(run, MetricId::kWsMsgsSent, kFault).sum, 2);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessions, kFault).sum, 2);
  // Nothing lost: both sessions opened, so both end with a duration and a close code, even
  // when the closing handshake cannot get through.
  EXPECT_EQ(SeriesOf(run, MetricId::kWsConnecting, kFault).count, 2u);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessionDuration, kFault).count, 2u);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsCloseCodes).sum, 2 + kHealthyVus * kHealthyIterations);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsOpen).gauge, 0);
}

TEST(FaultsEndToEnd, ServerPingsGetAutomaticPongs) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 1}",
                                        "      - connect: /ping/50\n"
                                        "      - sleep: 1s\n"
                                        "      - close\n"),
                          30s);
  ExpectCompleteOutputs(run, 10s, {});
  ExpectHealthyCarriedOn(run);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.process.out;
  EXPECT_EQ(CloseCount(run, 1000), 2 + kHealthyVus * kHealthyIterations);
  nlohmann::json counts = server.Counts();
  double pings = counts.value("pings_sent", -1.0), pongs = counts.value("pongs_received", -1.0);
  // About 20 pings per connection in 1 s; a ping racing the client's close may go unanswered.
  EXPECT_GE(pings, 2 * 12);
  EXPECT_LE(pongs, pings);
  EXPECT_GE(pongs, pings - 2) << counts.dump();
}

TEST(FaultsEndToEnd, ReconnectAfterDropCountsEveryReconnect) {
  ChaosServer server;
  ASSERT_GT(server.port(), 0);
  FaultRun run = RunFault(FaultScenario(server.Target(), "{vus: 2, iterations: 1}",
                                        "      - connect:\n"
                                        "          url: /drop-after/1\n"
                                        "          reconnect: {max: 3, backoff: 50ms}\n"
                                        "          steps:\n"
                                        "            - send: once\n"),
                          30s);
  ExpectCompleteOutputs(run, 10s, {"closed-abnormally"});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsReconnects, kFault).sum, 2 * 3);  // vus x reconnect.max
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessions, kFault).sum, 2 * 4);
  EXPECT_EQ(ErrorCount(run, "closed-abnormally"), 2u * 4);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsMsgsReceived, kFault).sum, 2 * 4);
  EXPECT_EQ(SeriesOf(run, MetricId::kIterations).sum, kHealthyVus * kHealthyIterations + 2);
  nlohmann::json counts = server.Counts();
  EXPECT_EQ(counts.value("connections", -1), 2 * 4 + kHealthyVus * kHealthyIterations);
}

TEST(FaultsEndToEnd, BuiltinChaosTargetStartsTheServerInProcess) {
  FaultRun run = RunFault(FaultScenario("builtin:chaos", "{vus: 1, iterations: 1}",
                                        "      - connect: /close/1011\n"
                                        "      - wait: {max: 3s}\n"),
                          30s);
  ExpectCompleteOutputs(run, 10s, {});
  ExpectHealthyCarriedOn(run);
  EXPECT_EQ(CloseCount(run, 1011), 1);
  EXPECT_NE(run.process.out.find("built-in chaos server saw: "), std::string::npos)
      << run.process.out << run.process.err;
}

// What a file left by a killed run must be: absent, or whole and parseable.
void ExpectWholeOrAbsent(const std::string& dir, const std::string& context) {
  std::string text, error;
  if (metrics::ReadFile(dir + "/result.json", &text, &error)) {
    metrics::Result result;
    EXPECT_TRUE(metrics::ReadResultFile(dir + "/result.json", &result, &error))
        << context << ": torn result.json: " << error;
  }
  if (metrics::ReadFile(dir + "/summary.json", &text, &error)) {
    EXPECT_TRUE(nlohmann::json::accept(text)) << context << ": torn summary.json";
  }
  if (metrics::ReadFile(dir + "/report.html", &text, &error)) {
    EXPECT_EQ(text.rfind("<!DOCTYPE html>", 0), 0u) << context;
    EXPECT_NE(text.find("</body></html>\n"), std::string::npos) << context << ": torn report";
  }
  if (metrics::ReadFile(dir + "/junit.xml", &text, &error)) {
    ProcessResult parsed = RunProcess({"/usr/bin/python3", "-c",
                                       "import sys, xml.etree.ElementTree as E\n"
                                       "E.parse(sys.argv[1])\n",
                                       dir + "/junit.xml"},
                                      10s);
    EXPECT_EQ(parsed.exit_code, 0) << context << ": torn junit.xml: " << parsed.err;
  }
}

TEST(FaultsNothingLost, SigkillNeverLeavesATornResultFile) {
  std::string dir = TempDir();
  std::string file = WriteTempFile("kill.yaml", R"(name: kill
target: builtin:echo
load: {vus: 4, iterations: 15, ramp-up: 0s}
steps:
  - log: "at ${vu}.${iter}"
  - connect: /echo
  - send: "k ${vu} ${iter}"
  - expect: {match: {text: "k ${vu} ${iter}"}, within: 2s, name: kill-echo}
  - close
)");
  std::string json = dir + "/result.json", summary = dir + "/summary.json";
  std::string junit = dir + "/junit.xml", report = dir + "/report.html";
  std::vector<std::string> args = {
      WsyamlBinary(),     "run",   file,      "-q",  "--out",    "result=" + json,
      "--summary-export", summary, "--junit", junit, "--report", report};
  ProcessResult first = RunProcess(args, 30s);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  metrics::Result previous;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &previous, &error)) << error;

  // Kills at moments the run reaches, not at guessed offsets: early, mid-run, and during each
  // of the atomic writes at the end (result, summary, junit and report are written in turn, each
  // replacing its file by a rename).
  ino_t replaced_json = 0, replaced_summary = 0, replaced_junit = 0;
  auto replaced = [](const std::string& path, const ino_t* before) {
    return [path, before](const ProcessResult&) { return InodeOf(path) != *before; };
  };
  auto printed = [](const std::string& line) {
    return [line](const ProcessResult& p) { return p.err.find(line) != std::string::npos; };
  };
  auto temp_file = [dir](const std::string& prefix) {
    return [dir, prefix](const ProcessResult&) { return TempFilesIn(dir, prefix); };
  };
  const std::vector<std::pair<std::string, std::function<bool(const ProcessResult&)>>> kills = {
      {"at the first iteration", printed("at 1.0")},
      {"mid-run", printed("at 3.7")},
      {"while result.json is written", temp_file("result.json")},
      {"once result.json is replaced", replaced(json, &replaced_json)},
      {"once summary.json is replaced", replaced(summary, &replaced_summary)},
      {"once junit.xml is replaced", replaced(junit, &replaced_junit)},
      {"while report.html is written", temp_file("report.html")},
  };
  int killed = 0, renewed = 0;
  for (const auto& [moment, when] : kills) {
    std::string context = "SIGKILL " + moment;
    TempFilesIn(dir, "", true);
    replaced_json = InodeOf(json);
    replaced_summary = InodeOf(summary);
    replaced_junit = InodeOf(junit);
    ProcessResult p = RunProcess(args, 30s, {}, {{0ms, SIGKILL, when}});
    if (p.exit_code == -1) ++killed;
    ExpectWholeOrAbsent(dir, context);
    metrics::Result now;
    // The first run's file existed, so a whole file must still be there: old or new.
    ASSERT_TRUE(metrics::ReadResultFile(json, &now, &error)) << context << error;
    if (now.start_unix_ms != previous.start_unix_ms) ++renewed;
    previous = now;
  }
  // The last kills may come after the process has written everything and exited.
  EXPECT_GE(killed, 5) << "most runs must really be killed for this test to mean anything";
  RecordProperty("killed", killed);
  RecordProperty("replaced", renewed);
}

TEST(FaultsNothingLost, OutOfFileDescriptorsIsCountedWithAClearMessage) {
  if (access("/usr/bin/prlimit", X_OK) != 0) GTEST_SKIP() << "needs prlimit (util-linux)";
  // Not under the sanitizers: UBSan's vptr check tests whether memory is readable with pipe()
  // (libsanitizer's IsAccessibleMemoryRange), which fails once the descriptors run out, and it
  // then reports a false "invalid vptr" and exits.
  if (getenv("WSYAML_SANITIZED")) GTEST_SKIP() << "runs in the normal build only";
  ServerProcess echo({WsyamlBinary(), "serve", "echo", "--port", "0"});
  ASSERT_GT(echo.port(), 0);
  // 100 connections held open for a second under an open-files limit of 64.
  std::string yaml = "name: fds\ntarget: ws://127.0.0.1:" + std::to_string(echo.port()) +
                     "\nload: {vus: 1, iterations: 1}\n"
                     "steps:\n"
                     "  - connect:\n"
                     "      url: /echo\n"
                     "      count: 100\n"
                     "      steps:\n"
                     "        - after: {delay: 1s, do: [close]}\n";
  FaultRun run = RunFault(yaml, 30s, {}, {"/usr/bin/prlimit", "--nofile=64:64"});
  // Well before the 10 s connect timeout: a connection that cannot get a socket fails at once.
  ExpectCompleteOutputs(run, 8s, {"fd-limit"});
  std::string all = run.process.out + run.process.err;
  EXPECT_NE(all.find("open-files limit"), std::string::npos) << all;
  EXPECT_NE(all.find("ulimit -n"), std::string::npos) << all;
  uint64_t opened = SeriesOf(run, MetricId::kWsConnecting).count;
  uint64_t refused = ErrorCount(run, "fd-limit");
  EXPECT_GT(opened, 0u);
  EXPECT_GT(refused, 0u);
  // Every connection is accounted for: opened, or counted as an fd-limit error.
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessions).sum, 100);
  EXPECT_EQ(opened + refused, 100u) << run.process.out;
  EXPECT_EQ(run.result.shard.errors().size(), 1u) << run.process.out;
}

}  // namespace
}  // namespace wsyaml::testing
