// The live outputs' web server: GET handlers, 404/405, and broadcasts to WebSocket clients,
// checked with python3's urllib and python3-websockets.
#include "server/web_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "process.h"

namespace wsyaml::server {
namespace {

using nlohmann::json;

TEST(WebServerTest, AnswersGetsAndBroadcastsToEveryClient) {
  WebServer web;
  web.Handle("/metrics", [](const std::string& resource) {
    return WebResponse{200, "text/plain; version=0.0.4", "asked " + resource + "\n"};
  });
  std::string error;
  ASSERT_TRUE(web.Listen("127.0.0.1", 0, &error)) << error;
  ASSERT_GT(web.port(), 0);
  web.Start();
  // Broadcasts until both clients have one, from this thread (any thread may broadcast).
  std::thread broadcaster([&web] {
    for (int i = 0; i < 400 && web.clients() < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    web.Broadcast("tick");
  });
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import asyncio, json, sys, urllib.request, urllib.error, websockets
base = "http://127.0.0.1:" + sys.argv[1]
def get(path, method="GET"):
    try:
        r = urllib.request.urlopen(urllib.request.Request(base + path, method=method), timeout=5)
        return [r.status, r.headers["Content-Type"], r.read().decode()]
    except urllib.error.HTTPError as e:
        return [e.code, "", ""]
async def main():
    url = "ws://127.0.0.1:" + sys.argv[1] + "/live"
    a = await websockets.connect(url)
    b = await websockets.connect(url)
    got = [await asyncio.wait_for(a.recv(), 5), await asyncio.wait_for(b.recv(), 5)]
    await a.close(); await b.close()
    return got
result = {"metrics": get("/metrics?x=1"), "missing": get("/nope"), "post": get("/metrics", "POST"),
          "ws": asyncio.run(main())}
print(json.dumps(result))
)",
                                             {std::to_string(web.port())}, &exit_code);
  broadcaster.join();
  ASSERT_EQ(exit_code, 0) << out;
  json got = json::parse(out, nullptr, false);
  ASSERT_TRUE(got.is_object()) << out;
  EXPECT_EQ(got["metrics"], json({200, "text/plain; version=0.0.4", "asked /metrics?x=1\n"}));
  EXPECT_EQ(got["missing"][0], 404);
  EXPECT_EQ(got["post"][0], 405);
  EXPECT_EQ(got["ws"], json({"tick", "tick"}));
  auto start = std::chrono::steady_clock::now();
  web.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
}

// A dashboard opened mid-run shows the latest state at once, not a blank page for a second,
// after its greeting (the dashboard's chart history so far).
TEST(WebServerTest, ClientThatOpensLateGetsItsGreetingThenTheLastBroadcast) {
  WebServer web;
  int greeted = 0;
  web.OnOpen([&greeted] { return "hello " + std::to_string(++greeted); });
  std::string error;
  ASSERT_TRUE(web.Listen("127.0.0.1", 0, &error)) << error;
  web.Start();
  web.Broadcast("first");
  web.Broadcast("second");  // queued before the client below exists
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://127.0.0.1:" + sys.argv[1] + "/live") as ws:
        print(await asyncio.wait_for(ws.recv(), 5))
        print(await asyncio.wait_for(ws.recv(), 5))
asyncio.run(main())
)",
                                             {std::to_string(web.port())}, &exit_code);
  EXPECT_EQ(exit_code, 0) << out;
  EXPECT_EQ(out, "hello 1\nsecond\n");
  web.Stop();
}

TEST(WebServerTest, StopClosesClientsThatStayOpen) {
  WebServer web;
  std::string error;
  ASSERT_TRUE(web.Listen("127.0.0.1", 0, &error)) << error;
  web.Start();
  int exit_code = 0;
  auto client = testing::Child::Start({"/usr/bin/python3", "-c",
                                       "import asyncio, sys, websockets\n"
                                       "async def main():\n"
                                       "    async with websockets.connect('ws://127.0.0.1:" +
                                           std::to_string(web.port()) +
                                           "/live') as ws:\n"
                                           "        print('open', flush=True)\n"
                                           "        try:\n"
                                           "            await asyncio.wait_for(ws.recv(), 10)\n"
                                           "        except websockets.ConnectionClosed as e:\n"
                                           "            print('closed', e.rcvd.code, flush=True)\n"
                                           "asyncio.run(main())\n"});
  ASSERT_TRUE(client);
  std::string line;
  ASSERT_TRUE(client->ReadLine(&line, std::chrono::seconds(5)));
  EXPECT_EQ(line, "open");
  for (int i = 0; i < 400 && web.clients() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  web.Stop();
  ASSERT_TRUE(client->ReadLine(&line, std::chrono::seconds(5)));
  EXPECT_EQ(line, "closed 1001");
  exit_code = client->Wait(std::chrono::seconds(5));
  EXPECT_EQ(exit_code, 0);
}

TEST(WebServerTest, ListenErrorsSayWhere) {
  WebServer first, second;
  std::string error;
  ASSERT_TRUE(first.Listen("127.0.0.1", 0, &error)) << error;
  EXPECT_FALSE(second.Listen("127.0.0.1", first.port(), &error));
  EXPECT_NE(error.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos)
      << error;
  WebServer third;
  EXPECT_FALSE(third.Listen("localhost", 0, &error));
  EXPECT_NE(error.find("is not an IP address"), std::string::npos) << error;
}

}  // namespace
}  // namespace wsyaml::server
