// The production scheduler on a real io_context: order, cancellation, batching of nearby
// deadlines and shutdown. Assertions are on order and counts, never on how long things took.
#include "engine/asio_scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;

TEST(AsioScheduler, RunsInDeadlineOrderNotBeforeTheDeadlineAndSkipsCancelled) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  std::string order;
  std::vector<TimePoint> ran_at(3);
  TimePoint start = scheduler.Now();
  scheduler.Schedule(start + 30ms, [&] {
    order += "c";
    ran_at[2] = scheduler.Now();
  });
  TimerId b = scheduler.Schedule(start + 20ms, [&] { order += "b"; });
  scheduler.Schedule(start + 10ms, [&] {
    order += "a";
    ran_at[0] = scheduler.Now();
  });
  scheduler.Schedule(start + 10ms, [&] { order += "A"; });  // same deadline: scheduling order
  scheduler.Cancel(b);
  io.run();  // returns when no timer is left
  EXPECT_EQ(order, "aAc");
  EXPECT_GE(ran_at[0], start + 10ms);
  EXPECT_GE(ran_at[2], start + 30ms);
}

TEST(AsioScheduler, TimersScheduledByTimersRunAndNowIsPostedWork) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  int fired = 0;
  std::function<void()> tick = [&] {
    if (++fired < 20) scheduler.Schedule(scheduler.Now() + 1ms, tick);
  };
  scheduler.Schedule(scheduler.Now(), tick);
  io.run();
  EXPECT_EQ(fired, 20);
}

TEST(AsioScheduler, DeadlinesInsideTheBatchWindowShareAWakeUp) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  // A first wake-up, then deadlines 1 us apart after it: each runs no earlier than its
  // deadline, and none later than the batch window past the previous wake-up allows.
  std::vector<TimePoint> deadlines, ran;
  scheduler.Schedule(scheduler.Now() + 5ms, [&] {
    TimePoint base = scheduler.Now() + 2ms;
    for (int i = 0; i < 50; ++i) {
      TimePoint when = base + std::chrono::microseconds(i);
      deadlines.push_back(when);
      scheduler.Schedule(when, [&ran, &scheduler] { ran.push_back(scheduler.Now()); });
    }
  });
  io.run();
  ASSERT_EQ(ran.size(), deadlines.size());
  for (size_t i = 0; i < ran.size(); ++i) EXPECT_GE(ran[i], deadlines[i]);
}

TEST(AsioScheduler, ClearDropsEveryTimer) {
  asio::io_context io;
  AsioScheduler scheduler(io);
  bool ran = false;
  scheduler.Schedule(scheduler.Now() + 1h, [&] { ran = true; });
  scheduler.Schedule(scheduler.Now(), [&] { scheduler.Clear(); });
  io.run();  // would wait an hour if Clear left the timer armed
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace wsyaml::engine
