// Protocol limits and the progress line, end to end against the built-in echo server.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <future>
#include <iterator>

#include "background_run.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

TEST(ProtocolEndToEnd, OversizeMessageIsAProtocolError) {
  std::string file = WriteTempFile("big.yaml", R"(name: big
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - connect: {url: /, max-message-size: 1KB}
  - send: "${randomString(2000)}"
  - expect: {within: 1s, name: echo}
  - wait: {max: 2s}
)");
  std::string json = TempDir() + "/big.json";
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  auto errors = result.shard.errors();
  ASSERT_EQ(errors.count("protocol"), 1u) << p.out;
  EXPECT_EQ(errors.at("protocol").count, 2u);
  EXPECT_NE(errors.at("protocol").example.find("1009"), std::string::npos)
      << errors.at("protocol").example;
  EXPECT_EQ(result.shard.checks().at("echo").fails, 2u);
  EXPECT_EQ(errors.count("closed-abnormally"), 0u);
}

// The cadence (every second on a terminal, every 10 s in a log, nothing when quiet) is tested
// on the run's clock in tests/run/progress_test.cpp; here the real binary on a real terminal
// shows the line once its ticks come, and -q keeps it away.
struct TerminalRuns {
  ProcessResult shown;  ///< without -q: stopped once its line showed both VUs
  ProcessResult quiet;  ///< with -q: stopped once it had ticked (its k6 stream had a Point)
};

TerminalRuns RunBothOnTerminals() {
  std::string file = WriteTempFile("progress.yaml", R"(name: progress
target: builtin:echo
load: {vus: 2, duration: 30s, ramp-up: 0s}
steps:
  - connect: /
  - send: hi
  - expect: {within: 1s}
  - sleep: 100ms
  - close
)");
  // Each run is stopped on evidence of its own progress, never on a delay: on a loaded
  // machine the first tick may come before the second VU has started, and a process may
  // take seconds to start.
  auto line_shown = [](const ProcessResult& so_far) {
    return so_far.err.find("s/30s  vus 2  open ") != std::string::npos;
  };
  const std::string stream = TempDir() + "/progress-quiet.json";
  auto ticked = [&stream](const ProcessResult&) {
    std::ifstream in(stream);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("\"type\":\"Point\"") != std::string::npos;
  };
  auto quiet = std::async(std::launch::async, [&] {
    return RunOnTerminal({WsyamlBinary(), "run", file, "-q", "--out", "json=" + stream}, 40s,
                         {{0ms, SIGINT, ticked}});
  });
  TerminalRuns runs;
  runs.shown = RunOnTerminal({WsyamlBinary(), "run", file}, 40s, {{0ms, SIGINT, line_shown}});
  runs.quiet = quiet.get();
  return runs;
}

// Two seconds of ticks: in the background from the start.
BackgroundRun<TerminalRuns> terminal_runs(
    "ProtocolEndToEnd.ProgressLineOnATerminalAndNoneWithQuiet", RunBothOnTerminals);

TEST(ProtocolEndToEnd, ProgressLineOnATerminalAndNoneWithQuiet) {
  const TerminalRuns& runs = terminal_runs.Get();
  const ProcessResult& p = runs.shown;
  EXPECT_EQ(p.exit_code, 4) << "timed out: " << p.timed_out << "\n" << p.err;
  size_t at = p.err.find("\r\033[Krunning ");
  ASSERT_NE(at, std::string::npos) << p.err;
  EXPECT_NE(p.err.find("s/30s  vus 2  open ", at), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("msgs/s out"), std::string::npos);
  EXPECT_EQ(runs.quiet.exit_code, 4) << "timed out: " << runs.quiet.timed_out << "\n"
                                     << runs.quiet.err;
  EXPECT_EQ(runs.quiet.err.find("running "), std::string::npos) << runs.quiet.err;
}

}  // namespace
}  // namespace wsyaml::testing
