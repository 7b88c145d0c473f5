// The inbox of `expect` end to end: the real wsyaml binary against an independent market feed
// (tests/e2e/peers/market_feed.py, python3-websockets) that sends per-symbol updates as fast as
// it can, optionally with one left out. The semantics are on the manual clock in
// tests/engine/inbox_test.cpp; here they meet a real server's timing.
#include <gtest/gtest.h>

#include <string>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

// The feed on loopback; stopped (and its counts read) by Stop().
class MarketFeed {
 public:
  MarketFeed()
      : server_({"/usr/bin/python3", SourcePath("tests/e2e/peers/market_feed.py"), "--port", "0"}) {
  }
  int port() const { return server_.port(); }
  std::string Url() const { return "ws://127.0.0.1:" + std::to_string(port()); }
  nlohmann::json Stop() { return nlohmann::json::parse(server_.Stop(), nullptr, false); }

 private:
  ServerProcess server_;
};

// Eight linear expects for the eight updates of symbol B, after `before` (steps between the
// subscribe and the first expect). `gap` is the subscribe message's gap field, or empty.
std::string EightExpects(const std::string& gap, const std::string& before,
                         const std::string& within) {
  std::string yaml = R"(name: feed
target: builtin:echo
load: {vus: 2, iterations: 1}
thresholds:
  ws_reply_time: ["max < 500ms"]
steps:
  - connect: /
  - send: {json: {op: subscribe, symbols: [A, B, C], count: 8)" +
                     gap + "}}\n" + before;
  for (int seq = 1; seq <= 8; ++seq) {
    std::string n = std::to_string(seq);
    yaml += "  - expect: {match: {json: {symbol: B, seq: " + n + "}}, within: " + within +
            ", name: u" + n + "}\n";
  }
  return yaml + "  - close\n";
}

TEST(InboxEndToEnd, OneMissingUpdateFailsExactlyOneOfEightExpects) {
  MarketFeed feed;
  ASSERT_GT(feed.port(), 0);
  ScenarioRun run =
      RunScenario(EightExpects(", gap: {symbol: B, at: 4}", "", "300ms"), {"--target", feed.Url()});
  nlohmann::json seen = feed.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  for (int seq = 1; seq <= 8; ++seq) {
    std::string name = "u" + std::to_string(seq);
    EXPECT_EQ(run.Passes(name), seq == 4 ? 0u : 2u) << name << "\n" << run.Output();
    EXPECT_EQ(run.Fails(name), seq == 4 ? 2u : 0u) << name << "\n" << run.Output();
  }
  EXPECT_NE(run.LastFailure("u4").find("timeout"), std::string::npos) << run.LastFailure("u4");
  EXPECT_EQ(run.Errors("inbox-overflow"), 0u) << run.DescribeErrors();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 2 * 23);
  EXPECT_EQ(seen.value("updates", 0), 2 * 23) << seen.dump();
}

TEST(InboxEndToEnd, UpdatesThatAllArrivedBeforeTheExpectsRunStillPass) {
  MarketFeed feed;
  ASSERT_GT(feed.port(), 0);
  // The expects run after the whole burst is in; a short `within` shows none of them waits.
  ScenarioRun run =
      RunScenario(EightExpects("", "  - sleep: 600ms\n", "50ms"), {"--target", feed.Url()});
  nlohmann::json seen = feed.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  for (int seq = 1; seq <= 8; ++seq) {
    std::string name = "u" + std::to_string(seq);
    EXPECT_EQ(run.Passes(name), 2u) << name << "\n" << run.Output();
    EXPECT_EQ(run.Fails(name), 0u) << name << "\n" << run.Output();
  }
  // Reply times run to each update's arrival, not to the expect after the 600 ms sleep: the
  // threshold max < 500ms holds, so the run exits 0.
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime), 16u);
  EXPECT_EQ(seen.value("updates", 0), 2 * 24) << seen.dump();
}

}  // namespace
}  // namespace wsyaml::testing
