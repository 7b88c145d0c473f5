// `wsyaml serve` as a user runs it: the first stdout line names the port, SIGINT/SIGTERM
// prints the counts as one JSON line and exits 0. Needs the wsyaml binary (the `wsyaml`
// target); skipped with a message when it has not been built.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "process.h"

namespace wsyaml::server {
namespace {

using nlohmann::json;
using testing::Child;

class ServeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(WSYAML_BINARY, X_OK) != 0) {
      GTEST_SKIP() << WSYAML_BINARY << " is not built; build the wsyaml target to run these";
    }
  }

  /// Starts `wsyaml serve ARGS...` and reads the port from its first line.
  std::unique_ptr<Child> Serve(std::vector<std::string> args, int* port) {
    args.insert(args.begin(), {WSYAML_BINARY, "serve"});
    auto child = Child::Start(args);
    std::string line;
    EXPECT_TRUE(child && child->ReadLine(&line, std::chrono::seconds(10)));
    *port = testing::PortFromListeningLine(line);
    EXPECT_GT(*port, 0) << line;
    return child;
  }

  /// Stops the server with `signal_number`; its counts line as JSON, and its exit code.
  json StopAndCount(Child& child, int signal_number, int* exit_code) {
    kill(child.pid(), signal_number);
    std::string line;
    EXPECT_TRUE(child.ReadLine(&line, std::chrono::seconds(10)));
    *exit_code = child.Wait(std::chrono::seconds(10));
    return json::parse(line, nullptr, false);
  }
};

TEST_F(ServeCommandTest, ChatServesUntilSigintThenPrintsCounts) {
  int port = 0;
  auto server = Serve({"chat", "--port", "0", "--threads", "2"}, &port);
  ASSERT_GT(port, 0);
  int exit_code = 0;
  std::string out = testing::RunPythonScript("chat_check.py", {std::to_string(port)}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  // The closes reach the server.
  ASSERT_TRUE(testing::WaitUntilConnectionsEnd(port, std::chrono::seconds(10)));
  json counts = StopAndCount(*server, SIGINT, &exit_code);
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(counts["connections"], 3);
  EXPECT_EQ(counts["says"], 2);
  EXPECT_EQ(counts["leaves"], 1);
  EXPECT_EQ(counts["rejected"], 1);
}

/// The child pids of `pid`, from /proc.
std::vector<int> ChildrenOf(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<int> pids;
  int child = 0;
  while (file >> child) pids.push_back(child);
  return pids;
}

TEST_F(ServeCommandTest, EchoInSeveralProcessesSumsTheirCounts) {
  int port = 0;
  auto server = Serve({"echo", "--procs", "3"}, &port);
  ASSERT_GT(port, 0);
  EXPECT_EQ(ChildrenOf(server->pid()).size(), 3u);
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import asyncio, websockets
from wsclient import run, url
async def one(i):
    async with websockets.connect(url("/")) as ws:
        await ws.send(str(i))
        return await ws.recv() == str(i)
async def main():
    return sum(await asyncio.gather(*(one(i) for i in range(60))))
run(main())
)",
                                             {std::to_string(port)}, &exit_code);
  ASSERT_EQ(exit_code, 0) << out;
  EXPECT_EQ(out, "60\n");
  ASSERT_TRUE(testing::WaitUntilConnectionsEnd(port, std::chrono::seconds(10)));
  json counts = StopAndCount(*server, SIGTERM, &exit_code);
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(counts["connections"], 60);
  EXPECT_EQ(counts["frames_in"], 60);
  EXPECT_EQ(counts["frames_out"], 60);
  EXPECT_TRUE(ChildrenOf(server->pid()).empty());
}

TEST_F(ServeCommandTest, ChaosAlsoNamesAPortThatRefusesTcp) {
  int port = 0;
  auto server = Serve({"chaos"}, &port);
  ASSERT_GT(port, 0);
  std::string line;
  ASSERT_TRUE(server->ReadLine(&line, std::chrono::seconds(10)));
  ASSERT_EQ(line.rfind("refusing on ws://127.0.0.1:", 0), 0u) << line;
  int refused = testing::PortFromListeningLine(line);
  ASSERT_GT(refused, 0) << line;
  int exit_code = 0;
  std::string out =
      testing::RunPythonScript("chaos_probe.py", {std::to_string(refused), "refused"}, &exit_code);
  EXPECT_EQ(json::parse(out, nullptr, false)["refused"], true) << out;
  out = testing::RunPythonScript("chaos_probe.py", {std::to_string(port), "status", "/status/503"},
                                 &exit_code);
  EXPECT_EQ(json::parse(out, nullptr, false)["status"], 503) << out;
  json counts = StopAndCount(*server, SIGTERM, &exit_code);
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(counts["rejected"], 1);
}

TEST_F(ServeCommandTest, ListensOnARangeOfLoopbackAddresses) {
  int port = 0;
  auto server = Serve({"echo", "--address", "127.0.0.1-3", "--threads", "2"}, &port);
  ASSERT_GT(port, 0);
  int exit_code = 0;
  std::string out = testing::RunPythonSource(R"(
import asyncio, sys, websockets
async def main():
    got = []
    for host in ["127.0.0.1", "127.0.0.2", "127.0.0.3"]:
        async with websockets.connect(f"ws://{host}:{sys.argv[1]}/") as ws:
            await ws.send(host)
            got.append(await ws.recv())
    try:
        await websockets.connect(f"ws://127.0.0.4:{sys.argv[1]}/", open_timeout=5)
        got.append("127.0.0.4 accepted")
    except OSError:
        got.append("127.0.0.4 refused")
    print(" ".join(got))
asyncio.run(main())
)",
                                             {std::to_string(port)}, &exit_code);
  EXPECT_EQ(exit_code, 0) << out;
  EXPECT_EQ(out, "127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 refused\n");
  json counts = StopAndCount(*server, SIGTERM, &exit_code);
  EXPECT_EQ(counts["connections"], 3);
}

TEST_F(ServeCommandTest, UnknownKindIsAUsageError) {
  auto child = Child::Start({WSYAML_BINARY, "serve", "gopher"});
  ASSERT_TRUE(child);
  child->ReadAll(std::chrono::seconds(5));
  EXPECT_EQ(child->Wait(std::chrono::seconds(5)), 2);
}

TEST_F(ServeCommandTest, APortInUseIsASetupFailure) {
  int port = 0;
  auto first = Serve({"echo"}, &port);
  ASSERT_GT(port, 0);
  auto second = Child::Start({WSYAML_BINARY, "serve", "echo", "--port", std::to_string(port)});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->ReadAll(std::chrono::seconds(5)), "");
  EXPECT_EQ(second->Wait(std::chrono::seconds(5)), 3);
}

}  // namespace
}  // namespace wsyaml::server
