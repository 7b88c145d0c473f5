#include "engine/scheduler.h"

#include <gtest/gtest.h>

#include <string>

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;

TEST(ManualScheduler, RunsInDeadlineOrderAndSkipsCancelled) {
  ManualScheduler s;
  std::string order;
  s.Schedule(s.Now() + 3s, [&] { order += "c"; });
  TimerId b = s.Schedule(s.Now() + 2s, [&] { order += "b"; });
  s.Schedule(s.Now() + 1s, [&] { order += "a"; });
  s.Schedule(s.Now() + 1s, [&] { order += "A"; });  // same deadline: scheduling order
  s.Cancel(b);
  s.Advance(10s);
  EXPECT_EQ(order, "aAc");
  EXPECT_EQ(s.pending(), 0u);
}

TEST(ManualScheduler, CallbacksMayScheduleMore) {
  ManualScheduler s;
  int fired = 0;
  std::function<void()> tick = [&] {
    if (++fired < 5) s.Schedule(s.Now() + 1s, tick);
  };
  s.Schedule(s.Now() + 1s, tick);
  s.Advance(3500ms);
  EXPECT_EQ(fired, 3);
  s.Advance(10s);
  EXPECT_EQ(fired, 5);
}

TEST(TimerQueue, RunsOnlyDueTimersAndReportsHowMany) {
  TimerQueue q;
  bool earliest = false;
  TimePoint t0{};
  int ran = 0;
  q.Add(
      t0 + 1ms, [&] { ++ran; }, &earliest);
  EXPECT_TRUE(earliest);
  q.Add(
      t0 + 5ms, [&] { ++ran; }, &earliest);
  EXPECT_FALSE(earliest);
  EXPECT_EQ(q.RunDue(t0 + 3ms), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.NextDeadline(), t0 + 5ms);
}

}  // namespace
}  // namespace wsyaml::engine
