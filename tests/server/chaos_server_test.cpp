// The chaos server (docs/chaos-server.md): each misbehaviour, observed by a python3-websockets
// client (tests/server/chaos_probe.py), and counted by the server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "process.h"
#include "server/reference_server.h"

namespace wsyaml::server {
namespace {

using nlohmann::json;

class ChaosServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = ReferenceServer::Start(Kind::kChaos, 0, 1, &error);
    ASSERT_TRUE(server_) << error;
  }

  /// Runs chaos_probe.py CASE PATH against the server; the result as JSON.
  json Probe(const std::string& probe, const std::string& path, uint16_t port = 0) {
    int exit_code = 0;
    std::string out = testing::RunPythonScript(
        "chaos_probe.py", {std::to_string(port ? port : server_->port()), probe, path}, &exit_code);
    EXPECT_EQ(exit_code, 0) << out;
    json result = json::parse(out, nullptr, false);
    EXPECT_TRUE(result.is_object()) << out;
    return result;
  }

  /// Counts once every connection has ended (bounded wait).
  ServerCounts SettledCounts() {
    for (int i = 0; i < 500 && server_->Counts().open > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_->Counts();
  }

  std::unique_ptr<ReferenceServer> server_;
};

TEST_F(ChaosServerTest, AnswersTheUpgradeWithTheAskedStatus) {
  for (int status : {401, 403, 404, 500, 503}) {
    EXPECT_EQ(Probe("status", "/status/" + std::to_string(status))["status"], status);
  }
  EXPECT_EQ(Probe("status", "/no-such-misbehaviour")["status"], 404);
  EXPECT_EQ(Probe("status", "/status/abc")["status"], 404);
  ServerCounts counts = SettledCounts();
  EXPECT_EQ(counts.rejected, 7u);
  EXPECT_EQ(counts.connections, 0u);
}

TEST_F(ChaosServerTest, AcceptsSlowly) {
  json got = Probe("slow", "/slow-accept/400");
  EXPECT_GE(got["waited"].get<double>(), 0.39);
  EXPECT_EQ(got["echo"], "after the wait");
}

TEST_F(ChaosServerTest, SilentNeverAnswersTheHandshake) {
  json got = Probe("silent", "/silent");
  EXPECT_EQ(got["opened"], false);
  EXPECT_EQ(SettledCounts().connections, 0u);
}

TEST_F(ChaosServerTest, ClosesAtOnceWithTheGivenCode) {
  json got = Probe("close", "/close/4001");
  EXPECT_EQ(got["how"], "closed");
  EXPECT_EQ(got["code"], 4001);
  EXPECT_EQ(got["reason"], "chaos close 4001");
  EXPECT_EQ(got["messages"], 0);
  // No code at all: the client reports 1005 (no status received).
  EXPECT_EQ(Probe("close", "/close")["code"], 1005);
  EXPECT_EQ(SettledCounts().closes, 2u);
}

TEST_F(ChaosServerTest, DropsTcpWithoutCloseFrameAfterNMessages) {
  json got = Probe("drop", "/drop-after/2");
  EXPECT_EQ(got["how"], "closed");
  EXPECT_EQ(got["code"], 1006);  // abnormal closure: no close frame
  EXPECT_EQ(got["messages"], json::array({"m0", "m1"}));
  // A reset may discard what the client had not read yet, so only the end is certain.
  got = Probe("drop", "/reset-after/2");
  EXPECT_EQ(got["how"], "closed");
  EXPECT_EQ(got["code"], 1006);
  EXPECT_LE(got["messages"].size(), 2u);
  ServerCounts counts = SettledCounts();
  EXPECT_GE(counts.frames_in, 4u);
  EXPECT_EQ(counts.frames_out, 4u);
  EXPECT_EQ(counts.closes, 2u);
}

TEST_F(ChaosServerTest, SendsAnInvalidFrame) {
  json got = Probe("invalid", "/invalid-frame");
  EXPECT_EQ(got["how"], "closed");
  EXPECT_EQ(got["sent"], 1002);  // the client failed the connection: protocol error
}

TEST_F(ChaosServerTest, SendsInvalidUtf8) {
  json got = Probe("invalid", "/invalid-utf8");
  EXPECT_EQ(got["how"], "closed");
  EXPECT_EQ(got["sent"], 1007);  // the client failed the connection: invalid payload data
}

TEST_F(ChaosServerTest, FloodsFasterThanTheClientReads) {
  json got = Probe("flood", "/flood/3000/512");
  EXPECT_EQ(got["count"], 3000);
  EXPECT_EQ(got["distinct"], 3000);
  EXPECT_EQ(got["sizes"], json::array({512}));
  ServerCounts counts = SettledCounts();
  EXPECT_EQ(counts.frames_out, 3000u);
  EXPECT_EQ(counts.bytes_out, 3000u * 512u);
}

TEST_F(ChaosServerTest, StopsReading) {
  json got = Probe("no_read", "/no-read");
  EXPECT_EQ(got["blocked"], true);
  EXPECT_LT(got["sent"].get<int>(), 2000);
  EXPECT_EQ(server_->Counts().frames_in, 0u);
}

TEST_F(ChaosServerTest, PingsAndCountsPongs) {
  json got = Probe("ping", "/ping/50");
  EXPECT_EQ(got["echo"], "still echoing");
  ServerCounts counts = SettledCounts();
  EXPECT_GE(counts.pings_sent, 5u);
  EXPECT_GE(counts.pongs_received, counts.pings_sent - 1);  // the last may cross the close
  EXPECT_LE(counts.pongs_received, counts.pings_sent);
}

TEST_F(ChaosServerTest, EchoesWhenAskedToBehave) {
  EXPECT_EQ(Probe("echo", "/echo")["same"], json::array({true, true, true}));
  ServerCounts counts = SettledCounts();
  EXPECT_EQ(counts.connections, 1u);
  EXPECT_EQ(counts.frames_in, 3u);
  EXPECT_EQ(counts.frames_out, 3u);
  EXPECT_EQ(counts.closes, 1u);
}

TEST_F(ChaosServerTest, AClosedPortRefusesTcp) {
  std::string error;
  auto closed = ClosedPort::Open(&error);
  ASSERT_TRUE(closed) << error;
  EXPECT_EQ(Probe("refused", "/", closed->port())["refused"], true);
}

TEST_F(ChaosServerTest, StopEndsSilentAndNonReadingConnectionsPromptly) {
  auto client = testing::Child::Start({"/usr/bin/python3", "-c", R"(
import asyncio, socket, sys
s1 = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s1.sendall(b"GET /silent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
print("sent", flush=True)
s1.settimeout(10)
print("eof" if s1.recv(100) == b"" else "data", flush=True)
)",
                                       std::to_string(server_->port())});
  ASSERT_TRUE(client);
  std::string line;
  ASSERT_TRUE(client->ReadLine(&line, std::chrono::seconds(10)));
  // The server has read the upgrade request: the connection is silent on its side.
  ASSERT_TRUE(testing::WaitUntilRequestsRead(server_->port(), 1, std::chrono::seconds(10)));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  ASSERT_TRUE(client->ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "eof");
}

}  // namespace
}  // namespace wsyaml::server
