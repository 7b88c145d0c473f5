// permessage-deflate (RFC 7692) against real peers: python3-websockets and node `ws` echo
// what they received, inflated; the test compares it byte for byte with what the scenario
// sent, and wsyaml's counters with the payloads.
#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "process_util.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

// Messages that exercise context takeover: each sent three times, small and over 1 KB (node
// `ws` compresses only those by default), text and binary.
struct Message {
  std::string text;  ///< text, or the hex of a binary message
  bool binary = false;
};

std::vector<Message> Messages() {
  std::string big;
  while (big.size() < 2500)
    big += "the quick brown fox jumps over the lazy dog " + big.substr(0, 9);
  std::string big_hex;
  for (int i = 0; big_hex.size() < 3000; ++i) big_hex += i % 3 ? "00ff10" : "abcdef";
  std::vector<Message> out;
  for (int round = 0; round < 3; ++round) {
    out.push_back({"hello deflate, hello deflate", false});
    out.push_back({big, false});
    out.push_back({"0102030401020304", true});
    out.push_back({big_hex, true});
  }
  return out;
}

std::string Scenario(int port, const std::string& compression) {
  std::string yaml = "name: deflate\ntarget: ws://127.0.0.1:" + std::to_string(port) +
                     "\nload: {vus: 1, iterations: 1}\nsteps:\n  - connect: {url: /, "
                     "compression: " +
                     compression + "}\n";
  for (const Message& m : Messages()) {
    if (m.binary) {
      yaml += "  - send: {hex: \"" + m.text + "\"}\n";
      yaml += "  - expect: {match: {binary: true}, within: 2s, name: echo}\n";
    } else {
      yaml += "  - send: \"" + m.text + "\"\n";
      yaml += "  - expect: {match: {text: \"" + m.text + "\"}, within: 2s, name: echo}\n";
    }
  }
  return yaml + "  - close\n";
}

struct Outcome {
  metrics::Result result;
  nlohmann::json peer;  ///< the peer's record of its one connection
};

// Runs the scenario against `peer` (a command that prints its listening line).
Outcome RunAgainst(const std::vector<std::string>& peer, const std::string& compression) {
  Outcome out;
  ServerProcess server(peer);
  EXPECT_NE(server.port(), 0) << "the peer did not start: " << peer[1];
  if (server.port() == 0) return out;
  std::string file = WriteTempFile("deflate.yaml", Scenario(server.port(), compression));
  std::string json = TempDir() + "/deflate.json";
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  std::string error;
  EXPECT_TRUE(metrics::ReadResultFile(json, &out.result, &error)) << error;
  nlohmann::json record = nlohmann::json::parse(server.Stop(), nullptr, false);
  EXPECT_TRUE(record.is_object() && record["connections"].size() == 1) << record.dump();
  if (record.is_object() && record["connections"].size() == 1) out.peer = record["connections"][0];
  return out;
}

// The peer received exactly the messages sent, and every echo matched.
void ExpectExchanged(const Outcome& out) {
  std::vector<Message> sent = Messages();
  ASSERT_EQ(out.peer["messages"].size(), sent.size()) << out.peer.dump();
  for (size_t i = 0; i < sent.size(); ++i) {
    const auto& got = out.peer["messages"][i];
    EXPECT_EQ(got.value(sent[i].binary ? "binary" : "text", std::string("<missing>")), sent[i].text)
        << "message " << i;
  }
  EXPECT_EQ(CounterTotal(out.result, MetricId::kWsMsgsSent), sent.size());
  EXPECT_EQ(CounterTotal(out.result, MetricId::kWsMsgsReceived), sent.size());
  EXPECT_EQ(out.result.shard.checks().at("echo").fails, 0u);
  EXPECT_EQ(out.result.shard.checks().at("echo").passes, sent.size());
  EXPECT_TRUE(out.result.shard.errors().empty());
}

size_t PayloadBytes() {
  size_t total = 0;
  for (const Message& m : Messages()) total += m.binary ? m.text.size() / 2 : m.text.size();
  return total;
}

// Compressed both ways: the payload counters hold what was sent, the wire far less.
void ExpectCompressed(const Outcome& out) {
  double payload_sent = CounterTotal(out.result, MetricId::kWsPayloadSent);
  double payload_received = CounterTotal(out.result, MetricId::kWsPayloadReceived);
  EXPECT_EQ(payload_sent, PayloadBytes());
  EXPECT_EQ(payload_received, PayloadBytes());
  EXPECT_LT(CounterTotal(out.result, MetricId::kDataSent), payload_sent / 3);
  EXPECT_LT(CounterTotal(out.result, MetricId::kDataReceived), payload_received / 3);
}

std::vector<std::string> PythonPeer(bool deflate) {
  std::vector<std::string> args = {"/usr/bin/python3",
                                   SourcePath("tests/e2e/peers/deflate_peer.py")};
  if (!deflate) args.push_back("--no-deflate");
  return args;
}

// node and its `ws` package come from tools/setup.sh --tests.
bool HaveNodeWs() {
  return access("/usr/bin/node", X_OK) == 0 &&
         access(SourcePath("tests/e2e/peers/node/node_modules/ws/package.json").c_str(), R_OK) == 0;
}

TEST(DeflateEndToEnd, PythonWebsocketsNegotiatesAndInflatesByteForByte) {
  Outcome out = RunAgainst(PythonPeer(true), "deflate");
  EXPECT_EQ(out.peer.value("offered", ""), "permessage-deflate; client_max_window_bits");
  // websockets answers with its own window sizes, which wsyaml must honour.
  std::string accepted = out.peer.value("accepted", "");
  EXPECT_NE(accepted.find("permessage-deflate"), std::string::npos);
  EXPECT_NE(accepted.find("server_max_window_bits=12"), std::string::npos) << accepted;
  ExpectExchanged(out);
  ExpectCompressed(out);
}

TEST(DeflateEndToEnd, RefusedOfferGoesOnUncompressed) {
  Outcome out = RunAgainst(PythonPeer(false), "deflate");
  EXPECT_EQ(out.peer.value("offered", ""), "permessage-deflate; client_max_window_bits");
  EXPECT_EQ(out.peer.value("accepted", "?"), "");
  ExpectExchanged(out);
  EXPECT_EQ(CounterTotal(out.result, MetricId::kWsPayloadSent), 0);
  // Uncompressed: every payload byte, plus frame headers (6 to 8 bytes each, masked) and the
  // upgrade request.
  double sent = CounterTotal(out.result, MetricId::kDataSent);
  EXPECT_GT(sent, PayloadBytes() + 6 * Messages().size() + 100);
  EXPECT_LT(sent, PayloadBytes() + 8 * Messages().size() + 1000);
}

TEST(DeflateEndToEnd, WithoutCompressionNothingIsOffered) {
  Outcome out = RunAgainst(PythonPeer(true), "none");
  EXPECT_EQ(out.peer.value("offered", "?"), "");
  EXPECT_EQ(out.peer.value("accepted", "?"), "");
  ExpectExchanged(out);
  double received = CounterTotal(out.result, MetricId::kDataReceived);
  EXPECT_GT(received, PayloadBytes() + 2 * Messages().size());
}

TEST(DeflateEndToEnd, NodeWsNegotiatesAndInflatesByteForByte) {
  if (!HaveNodeWs()) GTEST_SKIP() << "NO NODE `ws`: run tools/setup.sh --tests";
  Outcome out =
      RunAgainst({"/usr/bin/node", SourcePath("tests/e2e/peers/node/deflate_peer.js")}, "deflate");
  EXPECT_NE(out.peer.value("accepted", "").find("permessage-deflate"), std::string::npos);
  ExpectExchanged(out);
  // ws leaves messages under 1 KB uncompressed (RSV1 clear): still counted as payload.
  EXPECT_EQ(CounterTotal(out.result, MetricId::kWsPayloadReceived), PayloadBytes());
  EXPECT_LT(CounterTotal(out.result, MetricId::kDataSent), PayloadBytes() / 3);
}

TEST(DeflateEndToEnd, NodeWsWithoutContextTakeoverAndASmallWindow) {
  if (!HaveNodeWs()) GTEST_SKIP() << "NO NODE `ws`: run tools/setup.sh --tests";
  Outcome out = RunAgainst({"/usr/bin/node", SourcePath("tests/e2e/peers/node/deflate_peer.js"),
                            "--no-context-takeover"},
                           "deflate");
  std::string accepted = out.peer.value("accepted", "");
  EXPECT_NE(accepted.find("client_no_context_takeover"), std::string::npos) << accepted;
  EXPECT_NE(accepted.find("server_max_window_bits=10"), std::string::npos) << accepted;
  ExpectExchanged(out);
  ExpectCompressed(out);
}

// An answer RFC 7692 forbids fails the connection (section 7.1), as does an extension that was
// not offered (section 5); both say why.
TEST(DeflateEndToEnd, InvalidOrUnofferedAnswersFailTheHandshake) {
  ServerProcess server({"/usr/bin/python3", SourcePath("tests/e2e/peers/hostile_handshake.py")});
  ASSERT_GT(server.port(), 0);
  std::string base = "ws://127.0.0.1:" + std::to_string(server.port());
  for (const auto& [connect, expected] : std::vector<std::pair<std::string, std::string>>{
           {"{url: /bad-deflate, compression: deflate}",
            "permessage-deflate: server_max_window_bits must be 8 to 15 in the server's answer, "
            "got '16'"},
           {"{url: /unoffered-deflate}", "answered permessage-deflate, which was not offered"}}) {
    ScenarioRun run = RunScenario(
        "name: bad\nload: {vus: 1, iterations: 1}\nsteps:\n  - connect: " + connect + "\n",
        {"--target", base});
    ASSERT_EQ(run.process.exit_code, 0) << run.Output();
    EXPECT_EQ(run.Errors("handshake"), 1u) << connect << ": " << run.DescribeErrors();
    EXPECT_NE(run.DescribeErrors().find(expected), std::string::npos) << run.DescribeErrors();
  }
}

// max-message-size holds for the inflated message: 20 bytes on the wire may carry 2000.
TEST(DeflateEndToEnd, MaxMessageSizeLimitsTheInflatedMessage) {
  ServerProcess server(PythonPeer(true));
  ASSERT_GT(server.port(), 0);
  ScenarioRun run = RunScenario(
      "name: bomb\nload: {vus: 1, iterations: 1}\nsteps:\n"
      "  - connect: {url: /, compression: deflate, max-message-size: 1KB}\n"
      "  - send: \"" +
          std::string(2000, 'x') +
          "\"\n"
          "  - expect: {within: 2s, name: echo}\n",
      {"--target", "ws://127.0.0.1:" + std::to_string(server.port())});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Errors("protocol"), 1u) << run.DescribeErrors();
  EXPECT_NE(run.DescribeErrors().find("1009"), std::string::npos) << run.DescribeErrors();
  EXPECT_EQ(run.Fails("echo"), 1u);
  EXPECT_LT(run.Counter(MetricId::kDataReceived), 1000);
}

}  // namespace
}  // namespace wsyaml::testing
