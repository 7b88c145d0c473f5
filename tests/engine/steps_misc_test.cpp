// connect's timeout and tags, refused upgrades, log, and template functions on the manual
// clock against the fake echo server. The transport's own classification of real failures
// (refused, handshake status, timeouts) is tested end to end in tests/e2e/faults_e2e_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

TEST(ConnectOptions, TimeoutBoundsTheHandshake) {
  ManualRun run = RunManual(R"(name: timeout
target: builtin:echo
steps:
  - connect: {url: /silent, timeout: 300ms}
  - send: never
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 1);
  EXPECT_EQ(run.Errors("timeout"), 1u) << run.DescribeErrors();
  EXPECT_EQ(run.Samples(MetricId::kWsConnecting), 0u);
  EXPECT_EQ(run.MinMicros(MetricId::kIterationDuration), 300000);
  EXPECT_EQ(run.server.connections, 0);
}

TEST(ConnectOptions, ARefusedUpgradeIsAHandshakeErrorAndLaterStepsFail) {
  ManualRun run = RunManual(R"(name: refused-upgrade
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - connect: /status/403
  - send: x
  - expect: {match: {text: x}, within: 2s, name: after-refusal}
  - close
)");
  EXPECT_EQ(run.Counter(MetricId::kIterations), 2);
  EXPECT_EQ(run.Errors("handshake 403"), 2u) << run.DescribeErrors();
  // docs/language.md, connect: "later steps on it do nothing (an expect on it fails its
  // check, a send on it counts an error of kind send)".
  EXPECT_EQ(run.Errors("send"), 2u) << run.DescribeErrors();
  EXPECT_EQ(run.Fails("after-refusal"), 2u);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);
  EXPECT_EQ(run.MaxMicros(MetricId::kIterationDuration), 0);  // the expect does not wait
  EXPECT_EQ(run.server.connections, 0);
}

TEST(ConnectOptions, TagsLabelEverySampleOfTheConnection) {
  ManualRun run = RunManual(R"(name: tags
target: builtin:echo
vars: {room: lobby}
load: {vus: 2, iterations: 1}
steps:
  - connect: {url: /t, tags: {room: "${room}", pool: fixed}}
  - send: x
  - expect: {match: {text: x}, within: 2s, name: e}
  - close
  - connect: /untagged
  - close
)");
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 4);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions, {{"pool", "fixed"}}), 2);
  EXPECT_EQ(run.Samples(MetricId::kWsConnecting, {{"pool", "fixed"}}), 2u);
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent, {{"pool", "fixed"}}), 2);
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"pool", "fixed"}, {"name", "e"}}), 2u);
  // docs/language.md: `tags: {room: "${room}"}` — tag values are templates.
  EXPECT_EQ(run.Counter(MetricId::kWsSessions, {{"room", "lobby"}}), 2);
}

TEST(LogStep, PrintsTemplatedLinesAtTheirLevelWithVuAndConnection) {
  ManualRun run = RunManual(R"(name: log
target: builtin:echo
load: {vus: 2, iterations: 1}
steps:
  - log: "start ${vu}"
  - connect: /log
  - log: {warn: "warned ${vu}"}
  - log: {error: "errored ${vu}.${iter}"}
  - close
)");
  for (const char* pattern :
       {R"(info +\[vu 1\] start 1)", R"(info +\[vu 2\] start 2)",
        R"(warn +\[vu 1 conn 0\] warned 1)", R"(error +\[vu 2 conn 0\] errored 2\.0)"})
    EXPECT_TRUE(std::regex_search(run.log, std::regex(pattern))) << pattern << "\n" << run.log;
  size_t starts = 0;
  for (size_t at = run.log.find("start "); at != std::string::npos;
       at = run.log.find("start ", at + 1))
    ++starts;
  EXPECT_EQ(starts, 2u) << run.log;
}

TEST(Templates, FunctionsAndBuiltinNamesReachTheServer) {
  ManualRun run = RunManual(R"(name: templates
target: builtin:echo
vars:
  n: ${randomInt(1, 3)}
load: {vus: 1, iterations: 2}
steps:
  - connect: /fn
  - send: "${n}|${n}|${randomString(8)}|${randomItem(red, green, blue)}|${timestamp()}|${uuid()}|${iter}|${conn}|${vu}"
  - close
)");
  ASSERT_EQ(run.sockets.size(), 2u);
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::set<std::string> iters;
  std::regex shape(
      R"(([1-3])\|([1-3])\|([A-Za-z0-9]{8})\|(red|green|blue)\|(\d{13})\|)"
      R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\|([01])\|0\|1)");
  for (size_t i = 0; i < run.sockets.size(); ++i) {
    auto texts = run.Sent(i);
    ASSERT_EQ(texts.size(), 1u);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(texts[0], m, shape)) << texts[0];
    EXPECT_EQ(m[1], m[2]) << "a var is drawn once per iteration: " << texts[0];
    // timestamp() is wall-clock time (ms since the epoch), not the manual clock.
    int64_t stamp = std::stoll(m[5]);
    EXPECT_LE(std::llabs(now_ms - stamp), 60000) << texts[0];
    iters.insert(m[6]);
  }
  EXPECT_EQ(iters, (std::set<std::string>{"0", "1"}));
}

}  // namespace
}  // namespace wsyaml::engine::testing
