// data_sent and data_received against the bytes really on the wire: wsyaml talks to a
// python3-websockets peer (which pings, fragments and echoes) through a byte-counting TCP proxy
// (tests/e2e/peers/byte_proxy.py); each direction's count must equal the proxy's exactly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "process_util.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

// Every kind of traffic once: the upgrade, the peer's ping (answered by a pong) and its
// fragmented text and binary messages, text and binary sends with each frame-length encoding
// (7-bit, 16-bit, 64-bit), a ping of ours and its pong, and the close handshake.
std::string Scenario(int port, const std::string& connect) {
  std::string medium(300, 'm');
  std::string large(70000, 'L');
  return "name: wire-bytes\ntarget: ws://127.0.0.1:" + std::to_string(port) +
         "\nload: {vus: 1, iterations: 1}\nsteps:\n  - connect: " + connect +
         "\n  - expect: {match: {text: \"fragmented hello world\"}, within: 5s, name: fragments}"
         "\n  - expect: {match: {binary: true}, within: 5s, name: fragments}"
         "\n  - send: hello\n  - expect: {match: {text: hello}, within: 5s, name: echo}"
         "\n  - send: {hex: \"00 01 fe ff\"}"
         "\n  - expect: {match: {binary: true}, within: 5s, name: echo}"
         "\n  - send: " +
         medium + "\n  - expect: {match: {text: " + medium +
         "}, within: 5s, name: echo}"
         "\n  - send: " +
         large + "\n  - expect: {match: {text: " + large +
         "}, within: 5s, name: echo}"
         "\n  - ping\n  - close\n";
}

struct Counts {
  double sent = 0;       ///< data_sent
  double received = 0;   ///< data_received
  nlohmann::json proxy;  ///< the proxy's record of the one connection
  nlohmann::json peer;   ///< the peer's
};

// Runs the scenario through the proxy to the peer.
Counts RunThroughProxy(const std::string& connect) {
  Counts counts;
  ServerProcess peer({"/usr/bin/python3", SourcePath("tests/e2e/peers/fragment_ping_peer.py")});
  EXPECT_NE(peer.port(), 0) << "the python3-websockets peer did not start";
  if (peer.port() == 0) return counts;
  ServerProcess proxy({"/usr/bin/python3", SourcePath("tests/e2e/peers/byte_proxy.py"), "--target",
                       std::to_string(peer.port())});
  EXPECT_NE(proxy.port(), 0) << "the proxy did not start";
  if (proxy.port() == 0) return counts;
  ScenarioRun run = RunScenario(Scenario(proxy.port(), connect));
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("fragments"), 2u) << run.Output();
  EXPECT_EQ(run.Passes("echo"), 4u) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes), 1);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  counts.sent = run.Counter(MetricId::kDataSent);
  counts.received = run.Counter(MetricId::kDataReceived);
  nlohmann::json proxied = LastJsonLine(proxy.Stop());
  nlohmann::json served = LastJsonLine(peer.Stop());
  EXPECT_EQ(proxied["connections"].size(), 1u) << proxied.dump();
  EXPECT_EQ(served["connections"].size(), 1u) << served.dump();
  if (proxied["connections"].size() == 1) counts.proxy = proxied["connections"][0];
  if (served["connections"].size() == 1) counts.peer = served["connections"][0];
  return counts;
}

TEST(WireBytesEndToEnd, DataSentAndReceivedAreTheBytesOnTheSocket) {
  Counts counts = RunThroughProxy("/");
  // The peer got our pong and our four messages.
  EXPECT_EQ(counts.peer.value("pongs", -1), 1) << counts.peer.dump();
  EXPECT_EQ(counts.peer.value("messages", -1), 4) << counts.peer.dump();
  EXPECT_GT(counts.proxy.value("up", 0.0), 70000);
  EXPECT_EQ(counts.sent, counts.proxy.value("up", -1.0)) << counts.proxy.dump();
  EXPECT_EQ(counts.received, counts.proxy.value("down", -1.0)) << counts.proxy.dump();
}

TEST(WireBytesEndToEnd, CompressedConnectionsCountTheCompressedBytes) {
  Counts counts = RunThroughProxy("{url: /, compression: deflate}");
  EXPECT_EQ(counts.peer.value("messages", -1), 4) << counts.peer.dump();
  // 70 KB of one letter compresses to almost nothing.
  EXPECT_LT(counts.proxy.value("up", 1e9), 10000) << counts.proxy.dump();
  EXPECT_EQ(counts.sent, counts.proxy.value("up", -1.0)) << counts.proxy.dump();
  EXPECT_EQ(counts.received, counts.proxy.value("down", -1.0)) << counts.proxy.dump();
}

// Many connections at once, on the built-in echo server (`wsyaml serve echo`): the totals over
// every connection and worker thread.
TEST(WireBytesEndToEnd, TotalsOverManyConnectionsMatchTheProxy) {
  ServeProcess echo("echo");
  ASSERT_NE(echo.port(), 0) << "wsyaml serve echo did not start";
  ServerProcess proxy({"/usr/bin/python3", SourcePath("tests/e2e/peers/byte_proxy.py"), "--target",
                       std::to_string(echo.port())});
  ASSERT_NE(proxy.port(), 0) << "the proxy did not start";
  ScenarioRun run =
      RunScenario("name: wire-many\ntarget: ws://127.0.0.1:" + std::to_string(proxy.port()) +
                      "\nload: {vus: 4, iterations: 3}\nsteps:\n  - connect: /echo"
                      "\n  - repeat: {times: 5, do: [{send: \"message ${iter}\"}, {expect: {match: "
                      "{text: \"message ${iter}\"}, within: 5s, name: echo}}]}\n  - close\n",
                  {"--threads", "2"});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("echo"), 60u) << run.Output();
  nlohmann::json proxied = LastJsonLine(proxy.Stop());
  ASSERT_EQ(proxied["connections"].size(), 12u) << proxied.dump();
  double up = 0;
  double down = 0;
  for (const auto& c : proxied["connections"]) {
    up += c.value("up", 0.0);
    down += c.value("down", 0.0);
  }
  EXPECT_EQ(run.Counter(MetricId::kDataSent), up);
  EXPECT_EQ(run.Counter(MetricId::kDataReceived), down);
}

}  // namespace
}  // namespace wsyaml::testing
