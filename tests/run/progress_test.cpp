// The live status line on the run's clock, driven tick by tick: one line per 10 s in a log, the
// line rewritten in place every second on a terminal, nothing when quiet.
#include "run/progress.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace wsyaml::run {
namespace {

using namespace std::chrono_literals;

graph::TestPlan PlanOf(std::chrono::seconds duration) {
  graph::TestPlan plan;
  graph::Scenario scenario;
  scenario.load.duration = duration;
  plan.scenarios.push_back(scenario);
  return plan;
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Ticks once a second from `from` s to `to` s, with `per_tick` more messages each way a tick.
void TickThrough(Progress& progress, engine::LiveCounters& live, int from, int to, int per_tick) {
  metrics::Shard cumulative;
  for (int s = from; s <= to; ++s) {
    live.msgs_sent += per_tick;
    live.msgs_received += per_tick;
    progress.Tick(std::chrono::milliseconds(s * 1000), cumulative);
  }
}

TEST(ProgressTest, ALogGetsOneLinePerTenSecondsOfTheRunsClock) {
  engine::LiveCounters live;
  live.vus = 2;
  live.open_sockets = 3;
  live.errors = 1;
  std::ostringstream out;
  Progress progress(PlanOf(30s), live, /*quiet=*/false, {&out, /*terminal=*/false});
  TickThrough(progress, live, 1, 9, 50);
  EXPECT_EQ(out.str(), "") << "nothing before 10 s";
  TickThrough(progress, live, 10, 10, 50);
  EXPECT_EQ(CountOf(out.str(), "running "), 1u) << out.str();
  TickThrough(progress, live, 11, 25, 50);
  progress.Done();
  // 10 s and 20 s print; the ticks between are less than 10 s after the last line.
  std::string text = out.str();
  EXPECT_EQ(CountOf(text, "running "), 2u) << text;
  EXPECT_EQ(CountOf(text, "\n"), 2u) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << "no carriage returns in a log";
  EXPECT_EQ(text.find("\033"), std::string::npos) << "no escapes in a log";
  EXPECT_NE(text.find("running    10s/30s  vus 2  open 3  msgs/s out 50 in 50  errors 1\n"),
            std::string::npos)
      << text;
}

TEST(ProgressTest, ALogLineRatesCoverOnlyTheLastTick) {
  engine::LiveCounters live;
  std::ostringstream out;
  Progress progress(PlanOf(10s), live, false, {&out, false});
  metrics::Shard cumulative;
  for (int s = 1; s <= 10; ++s) {
    live.msgs_sent += s == 10 ? 700 : 5;
    live.msgs_received += s == 10 ? 300 : 5;
    progress.Tick(std::chrono::milliseconds(s * 1000), cumulative);
  }
  EXPECT_NE(out.str().find("msgs/s out 700 in 300"), std::string::npos) << out.str();
}

TEST(ProgressTest, ATerminalGetsTheLineRewrittenEverySecondAndClearedAtTheEnd) {
  engine::LiveCounters live;
  live.vus = 4;
  std::ostringstream out;
  Progress progress(PlanOf(3s), live, false, {&out, /*terminal=*/true});
  TickThrough(progress, live, 1, 3, 10);
  EXPECT_EQ(CountOf(out.str(), "\r\033[Krunning "), 3u) << out.str();
  EXPECT_EQ(out.str().find('\n'), std::string::npos) << "one line, rewritten in place";
  EXPECT_NE(out.str().find("running     2s/3s  vus 4  open 0  msgs/s out 10 in 10"),
            std::string::npos)
      << out.str();
  progress.Done();
  std::string text = out.str();
  EXPECT_EQ(text.substr(text.size() - 4), "\r\033[K") << "Done clears the line";
}

TEST(ProgressTest, QuietPrintsNothingAnywhere) {
  for (bool terminal : {false, true}) {
    engine::LiveCounters live;
    std::ostringstream out;
    Progress progress(PlanOf(30s), live, /*quiet=*/true, {&out, terminal});
    TickThrough(progress, live, 1, 30, 10);
    progress.Done();
    EXPECT_EQ(out.str(), "") << "terminal " << terminal;
  }
}

TEST(ProgressTest, DoneLeavesALogAlone) {
  engine::LiveCounters live;
  std::ostringstream out;
  Progress progress(PlanOf(30s), live, false, {&out, false});
  TickThrough(progress, live, 1, 10, 1);
  std::string before = out.str();
  progress.Done();
  EXPECT_EQ(out.str(), before);
}

}  // namespace
}  // namespace wsyaml::run
