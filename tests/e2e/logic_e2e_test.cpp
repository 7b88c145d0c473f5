// if, check, where, while and connect vars end to end: the real wsyaml binary runs
// scenarios/market-feed.yaml and scenarios/jsonrpc.yaml against independent python3-websockets
// peers (tests/e2e/peers/), and the check counts in the --out json result are exact.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

// A peer under tests/e2e/peers/ on loopback with extra flags; Stop() returns its counts.
class Peer {
 public:
  Peer(const std::string& script, std::vector<std::string> flags)
      : server_(Args(script, std::move(flags))) {}
  int port() const { return server_.port(); }
  std::string Url() const { return "ws://127.0.0.1:" + std::to_string(port()); }
  nlohmann::json Stop() { return nlohmann::json::parse(server_.Stop(), nullptr, false); }

 private:
  static std::vector<std::string> Args(const std::string& script, std::vector<std::string> flags) {
    std::vector<std::string> args = {"/usr/bin/python3", SourcePath("tests/e2e/peers/" + script),
                                     "--port", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    return args;
  }
  ServerProcess server_;
};

// 2 VUs x 2 connections, each subscribed to A, B, C x 50 updates: 150 per connection.
constexpr uint64_t kConnections = 4;
constexpr uint64_t kUpdates = 150;

TEST(LogicEndToEnd, MarketFeedInOrderPassesEveryCheck) {
  Peer feed("market_feed.py", {});
  ASSERT_GT(feed.port(), 0);
  ScenarioRun run =
      RunScenarioFile(SourcePath("scenarios/market-feed.yaml"), {"--target", feed.Url()});
  nlohmann::json seen = feed.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("seq-in-order"), kConnections * kUpdates) << run.Output();
  EXPECT_EQ(run.Fails("seq-in-order"), 0u) << run.LastFailure("seq-in-order");
  EXPECT_EQ(run.Passes("price-positive"), kConnections * kUpdates);
  EXPECT_EQ(run.Passes("last-update"), kConnections);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(seen.value("updates", 0), static_cast<int>(kConnections * kUpdates)) << seen.dump();
}

TEST(LogicEndToEnd, MarketFeedGapFailsExactlyOneCheckPerConnection) {
  // B's update 4 is left out of every subscription: each connection sees B 3 -> 5 once. Were
  // `last` shared by the two connections of a VU, their interleaved updates would fail many.
  Peer feed("market_feed.py", {"--gap", "B:4"});
  ASSERT_GT(feed.port(), 0);
  ScenarioRun run =
      RunScenarioFile(SourcePath("scenarios/market-feed.yaml"), {"--target", feed.Url()});
  nlohmann::json seen = feed.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.Fails("seq-in-order"), kConnections) << run.Output();
  EXPECT_EQ(run.Passes("seq-in-order"), kConnections * (kUpdates - 2)) << run.Output();
  EXPECT_EQ(run.LastFailure("seq-in-order"), "gap on B: 3 -> 5");
  EXPECT_EQ(run.Passes("price-positive"), kConnections * (kUpdates - 1));
  EXPECT_EQ(run.Fails("price-positive"), 0u);
  EXPECT_EQ(run.Passes("last-update"), kConnections);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(seen.value("updates", 0), static_cast<int>(kConnections * (kUpdates - 1)))
      << seen.dump();
}

TEST(LogicEndToEnd, JsonRpcOutOfOrderRepliesAreCheckedAndAWrongSumIsCaught) {
  // Answers come newest first in batches of 4; request 1007 (VU 1's 7th) gets a + b + 1.
  Peer server("jsonrpc_server.py", {"--wrong-id", "1007"});
  ASSERT_GT(server.port(), 0);
  ScenarioRun run =
      RunScenarioFile(SourcePath("scenarios/jsonrpc.yaml"), {"--target", server.Url()});
  nlohmann::json seen = server.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.Passes("sum"), 39u) << run.Output();
  EXPECT_EQ(run.Fails("sum"), 1u) << run.Output();
  EXPECT_NE(run.LastFailure("sum").find("closed before a reply"), std::string::npos)
      << run.LastFailure("sum");
  EXPECT_EQ(run.Passes("all-answered"), 2u) << run.LastFailure("all-answered");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime), 39u);
  EXPECT_EQ(seen.value("requests", 0), 40) << seen.dump();
  EXPECT_EQ(seen.value("wrong", 0), 1) << seen.dump();
}

TEST(LogicEndToEnd, JsonRpcAllRightPassesEveryReply) {
  Peer server("jsonrpc_server.py", {});
  ASSERT_GT(server.port(), 0);
  ScenarioRun run =
      RunScenarioFile(SourcePath("scenarios/jsonrpc.yaml"), {"--target", server.Url()});
  server.Stop();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("sum"), 40u) << run.Output();
  EXPECT_EQ(run.Fails("sum"), 0u) << run.LastFailure("sum");
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
}

}  // namespace
}  // namespace wsyaml::testing
