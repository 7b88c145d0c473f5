// The process pool: children run a function, talk back in framed messages, take forwarded
// signals, and die with their parent.
#include "run/process_pool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace wsyaml::run {
namespace {

using namespace std::chrono_literals;

TEST(ProcessPoolTest, ChildrenSendMessagesAndExitCodes) {
  ProcessPool pool;
  std::string error;
  ASSERT_TRUE(pool.Start(
      3,
      [](int index, ChildChannel& channel) {
        channel.Send("hello " + std::to_string(index));
        channel.Send(std::string(1 << 20, 'x'));  // more than a socket buffer holds
        return 10 + index;
      },
      &error))
      << error;
  ASSERT_EQ(pool.size(), 3);
  for (int i = 0; i < 3; ++i) {
    std::string message;
    ASSERT_TRUE(pool.ReadMessage(i, &message));
    EXPECT_EQ(message, "hello " + std::to_string(i));
    ASSERT_TRUE(pool.ReadMessage(i, &message));
    EXPECT_EQ(message.size(), 1u << 20);
    EXPECT_FALSE(pool.ReadMessage(i, &message));  // the end of its output
  }
  std::vector<ProcessPool::Exit> exits = pool.Finish();
  ASSERT_EQ(exits.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(exits[i].code, 10 + i);
}

// A built-in server thread in the parent wakes only once the first child connects; forking
// the next child at that moment could copy a lock that thread holds. So no child runs before
// the last is forked: each sees all its siblings among its parent's children.
TEST(ProcessPoolTest, NoChildRunsBeforeEveryChildIsForked) {
  constexpr int kChildren = 6;
  // Children stay until the parent has every count (an exited child leaves the list).
  int release[2];
  ASSERT_EQ(pipe(release), 0);
  ProcessPool pool;
  std::string error;
  ASSERT_TRUE(pool.Start(
      kChildren,
      [&release](int, ChildChannel& channel) {
        const std::string parent = std::to_string(getppid());
        std::ifstream children("/proc/" + parent + "/task/" + parent + "/children");
        int seen = 0;
        for (pid_t pid; children >> pid;) ++seen;
        channel.Send(std::to_string(seen));
        close(release[1]);
        char byte;
        while (read(release[0], &byte, 1) > 0) {
        }
        return 0;
      },
      &error))
      << error;
  for (int i = 0; i < kChildren; ++i) {
    std::string seen;
    ASSERT_TRUE(pool.ReadMessage(i, &seen));
    EXPECT_GE(std::stoi(seen), kChildren) << "child " << i;
  }
  close(release[1]);
  close(release[0]);
  for (const ProcessPool::Exit& exit : pool.Finish()) EXPECT_EQ(exit.code, 0);
}

TEST(ProcessPoolTest, SignalReachesEveryChild) {
  ProcessPool pool;
  std::string error;
  ASSERT_TRUE(pool.Start(
      2,
      [](int, ChildChannel& channel) {
        // A runner test before this one blocked the stop signals in this process.
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_UNBLOCK, &all, nullptr);
        channel.Send("ready");
        pause();  // until the signal's default action ends it
        return 0;
      },
      &error));
  std::string message;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.ReadMessage(i, &message));
  pool.Signal(SIGTERM);
  for (const ProcessPool::Exit& exit : pool.Finish()) {
    EXPECT_EQ(exit.code, -1);
    EXPECT_EQ(exit.signal, SIGTERM);
  }
}

/// True when `pid` no longer runs (gone, or a zombie nobody reaped yet).
bool Gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  if (!(stat >> pid_field >> name >> state)) return true;
  return state == "Z" || state == "X";
}

TEST(ProcessPoolTest, ChildrenDieWithTheirParent) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    // The parent of the pool: reports its children's pids, then waits to be killed.
    close(fds[0]);
    ProcessPool pool;
    std::string error;
    pool.Start(
        2,
        [](int, ChildChannel&) -> int {
          for (;;) pause();
        },
        &error);
    pid_t pids[2] = {pool.pid(0), pool.pid(1)};
    if (write(fds[1], pids, sizeof pids) != sizeof pids) _exit(1);
    for (;;) pause();
  }
  close(fds[1]);
  pid_t children[2] = {0, 0};
  ASSERT_EQ(read(fds[0], children, sizeof children), static_cast<ssize_t>(sizeof children));
  close(fds[0]);
  EXPECT_FALSE(Gone(children[0]));
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while ((!Gone(children[0]) || !Gone(children[1])) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(Gone(children[0]));
  EXPECT_TRUE(Gone(children[1]));
  for (pid_t child : children) kill(child, SIGKILL);  // leave nothing behind on failure
}

}  // namespace
}  // namespace wsyaml::run
