// The echo server: every message comes back as it went, text or binary, on any path.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "process.h"
#include "server/reference_server.h"

namespace wsyaml::server {
namespace {

using nlohmann::json;

void WaitUntilClosed(ReferenceServer& server) {
  for (int i = 0; i < 500 && server.Counts().open > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

class EchoServerTest : public ::testing::TestWithParam<int> {};

TEST_P(EchoServerTest, ReturnsTextAndBinaryAsTheyCame) {
  std::string error;
  auto server = ReferenceServer::Start(Kind::kEcho, 0, GetParam(), &error);
  ASSERT_TRUE(server) << error;
  int exit_code = 0;
  // 100 kB is many times the 4 KiB read buffer.
  std::string out = testing::RunPythonSource(R"(
import websockets
from wsclient import run, url
async def main():
    got = []
    async with websockets.connect(url("/any/path?x=1"), max_size=None) as ws:
        for message in ["hello", b"\x00\x01\xff", "", "x" * 100000, bytes(range(256)) * 40]:
            await ws.send(message)
            back = await ws.recv()
            got.append({"same": back == message, "type": type(back).__name__, "len": len(back)})
    return got
run(main())
)",
                                             {std::to_string(server->port())}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  json got = json::parse(out, nullptr, false);
  ASSERT_TRUE(got.is_array()) << out;
  ASSERT_EQ(got.size(), 5u);
  const char* types[] = {"str", "bytes", "str", "str", "bytes"};
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["same"], true) << i;
    EXPECT_EQ(got[i]["type"], types[i]) << i;
  }
  WaitUntilClosed(*server);
  ServerCounts counts = server->Counts();
  const uint64_t bytes = 5 + 3 + 0 + 100000 + 256 * 40;
  EXPECT_EQ(counts.connections, 1u);
  EXPECT_EQ(counts.open, 0u);
  EXPECT_EQ(counts.closes, 1u);
  EXPECT_EQ(counts.frames_in, 5u);
  EXPECT_EQ(counts.frames_out, 5u);
  EXPECT_EQ(counts.bytes_in, bytes);
  EXPECT_EQ(counts.bytes_out, bytes);
}

INSTANTIATE_TEST_SUITE_P(Threads, EchoServerTest, ::testing::Values(1, 3));

TEST(EchoServerTest, CountsManyConnections) {
  std::string error;
  auto server = ReferenceServer::Start(Kind::kEcho, 0, 2, &error);
  ASSERT_TRUE(server) << error;
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import asyncio, websockets
from wsclient import run, url
async def one(i):
    async with websockets.connect(url("/")) as ws:
        for j in range(3):
            await ws.send(f"{i}:{j}")
            assert await ws.recv() == f"{i}:{j}"
    return 1
async def main():
    return sum(await asyncio.gather(*(one(i) for i in range(50))))
run(main())
)",
                                             {std::to_string(server->port())}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  EXPECT_EQ(json::parse(out, nullptr, false), 50);
  WaitUntilClosed(*server);
  ServerCounts counts = server->Counts();
  EXPECT_EQ(counts.connections, 50u);
  EXPECT_EQ(counts.closes, 50u);
  EXPECT_EQ(counts.frames_in, 150u);
  EXPECT_EQ(counts.frames_out, 150u);
}

// Stop closes open connections with 1001 and returns promptly.
TEST(EchoServerTest, StopClosesConnectionsWithGoingAway) {
  std::string error;
  auto server = ReferenceServer::Start(Kind::kEcho, 0, 1, &error);
  ASSERT_TRUE(server) << error;
  auto client = testing::Child::Start({"/usr/bin/python3", "-c", R"(
import asyncio, sys, websockets
async def main():
    async with websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/") as ws:
        print("open", flush=True)
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed:
            pass
        print(ws.close_code, flush=True)
asyncio.run(main())
)",
                                       std::to_string(server->port())});
  ASSERT_TRUE(client);
  std::string line;
  ASSERT_TRUE(client->ReadLine(&line, std::chrono::seconds(10)));
  ASSERT_EQ(line, "open");
  auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  ASSERT_TRUE(client->ReadLine(&line, std::chrono::seconds(10)));
  EXPECT_EQ(line, "1001");
  EXPECT_EQ(client->Wait(std::chrono::seconds(5)), 0);
  server->Stop();  // idempotent
}

}  // namespace
}  // namespace wsyaml::server
