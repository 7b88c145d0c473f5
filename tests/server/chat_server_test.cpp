// The crocochat protocol (docs/chat-protocol.md), checked the same way against the built-in
// server and against the independent Python one (tests/server/crocochat_server.py), each
// driven by a python3-websockets client (tests/server/chat_check.py).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "process.h"
#include "server/reference_server.h"

namespace wsyaml::server {
namespace {

using nlohmann::json;
using testing::Child;

/// A chat server for the test: its port, and what it counted once the clients are gone.
class ChatServer {
 public:
  virtual ~ChatServer() = default;
  virtual int port() const = 0;
  /// Stops the server and returns its counts as JSON.
  virtual json FinalCounts() = 0;
};

class BuiltinChat : public ChatServer {
 public:
  explicit BuiltinChat(int threads) {
    std::string error;
    server_ = ReferenceServer::Start(Kind::kChat, 0, threads, &error);
    EXPECT_TRUE(server_) << error;
  }
  int port() const override { return server_ ? server_->port() : 0; }
  json FinalCounts() override {
    // The client has closed its sockets; the server may see the closes a moment later.
    for (int i = 0; i < 500 && server_->Counts().open > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server_->Stop();
    return json::parse(FormatCounts(server_->Counts()));
  }

 private:
  std::unique_ptr<ReferenceServer> server_;
};

class PythonChat : public ChatServer {
 public:
  PythonChat() {
    child_ = Child::Start(
        {"/usr/bin/python3", testing::ServerTestDir() + "/crocochat_server.py", "--port", "0"});
    std::string line;
    EXPECT_TRUE(child_ && child_->ReadLine(&line, std::chrono::seconds(10)));
    port_ = testing::PortFromListeningLine(line);
    EXPECT_GT(port_, 0) << line;
  }
  int port() const override { return port_; }
  json FinalCounts() override {
    // The client has closed its sockets; the server sees the closes a moment later.
    EXPECT_TRUE(testing::WaitUntilConnectionsEnd(port_, std::chrono::seconds(10)));
    kill(child_->pid(), SIGTERM);
    std::string line;
    EXPECT_TRUE(child_->ReadLine(&line, std::chrono::seconds(10)));
    EXPECT_EQ(child_->Wait(std::chrono::seconds(10)), 0);
    return json::parse(line, nullptr, false);
  }

 private:
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

json Chat(const std::string& user, const std::string& message) {
  return {{"event", "CHAT_MSG"}, {"user", user}, {"message", message}};
}

std::vector<std::string> Events(const json& transcript) {
  std::vector<std::string> events;
  for (const json& m : transcript) events.push_back(m.value("event", "?"));
  return events;
}

class ChatProtocolTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<ChatServer> MakeServer() {
    if (GetParam() == "python") return std::make_unique<PythonChat>();
    return std::make_unique<BuiltinChat>(GetParam() == "builtin4" ? 4 : 1);
  }
};

TEST_P(ChatProtocolTest, FullConversation) {
  auto server = MakeServer();
  ASSERT_GT(server->port(), 0);
  int exit_code = 0;
  std::string out =
      testing::RunPythonScript("chat_check.py", {std::to_string(server->port())}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  json got = json::parse(out, nullptr, false);
  ASSERT_TRUE(got.is_object()) << out;

  // a (r1) sees both joins, its own SAY echoed back, and B leaving; never room r2.
  EXPECT_EQ(got["a"],
            json::array({Chat("server", "A joined the chat"), Chat("server", "B joined the chat"),
                         Chat("A", "hello"), Chat("server", "B left the chat")}));
  // b (r1) additionally gets an ERROR for SAY before SET_NAME, invalid JSON, unknown event.
  json b = got["b"];
  EXPECT_EQ(Events(b), (std::vector<std::string>{"CHAT_MSG", "ERROR", "CHAT_MSG", "CHAT_MSG",
                                                 "ERROR", "ERROR"}));
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b[0], Chat("server", "A joined the chat"));
  EXPECT_NE(b[1]["message"].get<std::string>().find("SET_NAME"), std::string::npos) << b[1];
  EXPECT_EQ(b[2], Chat("server", "B joined the chat"));
  EXPECT_EQ(b[3], Chat("A", "hello"));
  EXPECT_NE(b[4]["message"].get<std::string>().find("invalid JSON"), std::string::npos) << b[4];
  EXPECT_NE(b[5]["message"].get<std::string>().find("DANCE"), std::string::npos) << b[5];
  EXPECT_EQ(got["b_close_code"], 1000);
  // c is alone in r2.
  EXPECT_EQ(got["c"], json::array({Chat("server", "C joined the chat"), Chat("C", "other room")}));
  EXPECT_EQ(got["wrong_path"], 404);

  json counts = server->FinalCounts();
  EXPECT_EQ(counts["connections"], 3);
  EXPECT_EQ(counts["rejected"], 1);
  EXPECT_EQ(counts["open"], 0);
  EXPECT_EQ(counts["closes"], 3);
  EXPECT_EQ(counts["set_names"], 3);
  EXPECT_EQ(counts["says"], 2);
  EXPECT_EQ(counts["leaves"], 1);
  EXPECT_EQ(counts["errors_sent"], 3);
  EXPECT_EQ(counts["frames_in"], 9);    // a: 2, b: 5, c: 2
  EXPECT_EQ(counts["frames_out"], 12);  // what a, b and c received: 4 + 6 + 2
}

INSTANTIATE_TEST_SUITE_P(Servers, ChatProtocolTest,
                         ::testing::Values("builtin", "builtin4", "python"),
                         [](const auto& info) { return info.param; });

// Many sockets in one room on a 4-thread server: the kernel spreads them over the workers,
// and a SAY must still reach every member exactly once.
TEST(ChatServerTest, BroadcastReachesMembersOnEveryThread) {
  std::string error;
  auto server = ReferenceServer::Start(Kind::kChat, 0, 4, &error);
  ASSERT_TRUE(server) << error;
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import asyncio, json, websockets
from wsclient import drain, run, url
async def main():
    socks = [await websockets.connect(url("/ws/crocochat/big/")) for _ in range(16)]
    await socks[0].send(json.dumps({"event": "SET_NAME", "new_name": "Z"}))
    await socks[0].send(json.dumps({"event": "SAY", "message": "to all"}))
    got = await asyncio.gather(*(drain(ws) for ws in socks))
    await socks[0].close()
    # The others hear Z leave before they close themselves.
    left = await asyncio.gather(*(drain(ws) for ws in socks[1:]))
    for ws in socks[1:]:
        await ws.close()
    return {"got": got, "left": left}
run(main())
)",
                                             {std::to_string(server->port())}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  json result = json::parse(out, nullptr, false);
  ASSERT_TRUE(result.is_object()) << out;
  const json& got = result["got"];
  ASSERT_EQ(got.size(), 16u) << out;
  for (const json& transcript : got) {
    EXPECT_EQ(transcript, json::array({Chat("server", "Z joined the chat"), Chat("Z", "to all")}));
  }
  ASSERT_EQ(result["left"].size(), 15u) << out;
  for (const json& transcript : result["left"])
    EXPECT_EQ(transcript, json::array({Chat("server", "Z left the chat")}));
  for (int i = 0; i < 500 && server->Counts().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server->Counts().says, 1u);
  // 16 join notices, 16 copies of the SAY, and 15 "Z left the chat" when socket 0 closes.
  EXPECT_EQ(server->Counts().frames_out, 16u + 16u + 15u);
}

// A client that disconnects without LEAVE still leaves the chat for the others.
TEST(ChatServerTest, DisconnectWithoutLeaveIsAnnounced) {
  std::string error;
  auto server = ReferenceServer::Start(Kind::kChat, 0, 1, &error);
  ASSERT_TRUE(server) << error;
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import json, websockets
from wsclient import drain, run, url
async def main():
    a = await websockets.connect(url("/ws/crocochat/r/"))
    b = await websockets.connect(url("/ws/crocochat/r/"))
    await b.send(json.dumps({"event": "SET_NAME", "new_name": "B"}))
    await drain(a)
    await b.close(1001)
    got = await drain(a)
    await a.close()
    return got
run(main())
)",
                                             {std::to_string(server->port())}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  EXPECT_EQ(json::parse(out, nullptr, false), json::array({Chat("server", "B left the chat")}));
}

}  // namespace
}  // namespace wsyaml::server
