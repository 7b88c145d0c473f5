// SIGINT/SIGTERM reach a watcher thread, not a signal handler, in the order they came.
#include "run/stop_signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace wsyaml::run {
namespace {

TEST(StopSignalWatcherTest, CountsEachSignalOnItsOwnThread) {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<int, int>> seen;
  {
    StopSignalWatcher watcher([&](int signal, int count) {
      std::lock_guard<std::mutex> lock(mutex);
      seen.emplace_back(signal, count);
      changed.notify_all();
    });
    for (int signal : {SIGINT, SIGTERM}) {
      kill(getpid(), signal);
      std::unique_lock<std::mutex> lock(mutex);
      ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(5),
                                   [&] { return seen.size() == (signal == SIGINT ? 1u : 2u); }));
    }
    EXPECT_EQ(watcher.count(), 2);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{SIGINT, 1}, {SIGTERM, 2}}));
}

}  // namespace
}  // namespace wsyaml::run
