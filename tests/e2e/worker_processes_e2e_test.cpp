// Worker processes of `run --procs` and `serve --procs`: they die with their parent when it
// is killed (SIGKILL leaves no handler to clean up), and a SIGINT to the parent reaches them
// once, ending the run gracefully with their results merged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kLong[] = R"(name: long
target: builtin:echo
load: {vus: 4, duration: 1m}
steps:
  - connect: /l
  - send: x
  - expect: {match: {text: x}, within: 2s, name: echo}
  - log: "echoed"
  - sleep: 100ms
  - close
)";

/// Starts `args` with stdout and stderr discarded; returns its pid.
pid_t StartQuietly(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> pids;
  pid_t child = 0;
  while (file >> child) pids.push_back(child);
  return pids;
}

/// True when `pid` no longer runs (gone, or a zombie nobody reaped yet).
bool Gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  if (!(stat >> pid_field >> name >> state)) return true;
  return state == "Z" || state == "X";
}

/// Waits up to `limit` for `pid` to have `count` children; returns them.
std::vector<pid_t> WaitForChildren(pid_t pid, size_t count, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<pid_t> children = ChildrenOf(pid);
  while (children.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    children = ChildrenOf(pid);
  }
  return children;
}

/// SIGKILLs `parent` and expects every one of `children` gone within 5 s; kills leftovers.
void ExpectChildrenDieWithParent(pid_t parent, const std::vector<pid_t>& children) {
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  auto killed = std::chrono::steady_clock::now();
  auto all_gone = [&] {
    for (pid_t child : children)
      if (!Gone(child)) return false;
    return true;
  };
  while (!all_gone() && std::chrono::steady_clock::now() - killed < 5s)
    std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(all_gone());
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 5s);
  for (pid_t child : children) kill(child, SIGKILL);  // leave nothing behind on failure
}

TEST(WorkerProcesses, RunWorkersDieWhenTheirParentIsKilled) {
  std::string file = WriteTempFile("long.yaml", kLong);
  pid_t parent = StartQuietly({WsyamlBinary(), "run", file, "-q", "--procs", "2"});
  ASSERT_GT(parent, 0);
  std::vector<pid_t> children = WaitForChildren(parent, 2, 10s);
  ASSERT_EQ(children.size(), 2u);
  std::this_thread::sleep_for(500ms);  // the workers are loading the target
  ExpectChildrenDieWithParent(parent, children);
}

TEST(WorkerProcesses, ServeProcessesDieWhenTheirParentIsKilled) {
  pid_t parent = StartQuietly({WsyamlBinary(), "serve", "echo", "--port", "0", "--procs", "2"});
  ASSERT_GT(parent, 0);
  std::vector<pid_t> children = WaitForChildren(parent, 2, 10s);
  ASSERT_EQ(children.size(), 2u);
  ExpectChildrenDieWithParent(parent, children);
}

TEST(WorkerProcesses, SigintToTheParentStopsTheWorkersGracefully) {
  // The server runs apart: workers are forked without exec, and under ASan (GCC 12's
  // libsanitizer has no fork handler for its allocator) a built-in server thread allocating
  // during the fork can leave the allocator locked in the child. glibc's malloc is fork-safe.
  ServeProcess server("echo");
  ASSERT_GT(server.port(), 0);
  std::string dir = TempDir();
  std::string file = WriteTempFile("long.yaml", kLong);
  auto started = std::chrono::steady_clock::now();
  // Ctrl-C once five iterations have had their echo (the workers log to the parent's stderr).
  auto five_echoed = [](const ProcessResult& so_far) {
    size_t n = 0;
    for (size_t at = so_far.err.find("echoed\n"); at != std::string::npos;
         at = so_far.err.find("echoed\n", at + 1))
      ++n;
    return n >= 5;
  };
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--procs", "2", "--target",
                                server.Url(), "--out", "result=" + dir + "/r.json"},
                               60s, {}, {{0ms, SIGINT, five_echoed}});
  EXPECT_EQ(p.exit_code, 4) << p.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/r.json", &result, &error)) << error;
  EXPECT_EQ(result.merged_runs, 2);
  EXPECT_GT(CounterTotal(result, metrics::MetricId::kIterations), 4);
  EXPECT_EQ(CounterTotal(result, metrics::MetricId::kInterruptedIterations), 0);
}

}  // namespace
}  // namespace wsyaml::testing
