// Worker processes' ticks: the messages, the parent's merge across registries, and what a
// tick costs for a run with many tag sets.
#include "run/worker_ticks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "run/tick_codec.h"

namespace wsyaml::run {
namespace {

using metrics::MetricId;
using std::chrono::microseconds;
using Tags = std::vector<std::pair<std::string, std::string>>;

uint64_t CountOf(const metrics::Shard& shard, const metrics::TagRegistry& tags, MetricId id,
                 const Tags& want) {
  for (const auto& [key, series] : shard.series())
    if (key.first == id && tags.Tags(key.second) == want) return series.count;
  return 0;
}

uint64_t CountOf(const metrics::Shard& shard, const metrics::TagRegistry& tags, MetricId id,
                 const std::string& name) {
  return CountOf(shard, tags, id, Tags{{"name", name}});
}

// A worker's state: `n` echoes per name of `counts`, tag sets interned in the order of `names`.
metrics::Result State(const std::vector<std::string>& names,
                      const std::vector<std::pair<std::string, int>>& counts, double elapsed_s) {
  metrics::Result state;
  state.start_unix_ms = 1'000'000;
  state.duration_s = elapsed_s;
  for (const auto& each : names) state.tags.Intern({{"name", each}});
  for (const auto& [name, n] : counts) {
    uint32_t id = state.tags.Intern({{"name", name}});
    for (int i = 0; i < n; ++i) {
      state.shard.Add(MetricId::kWsMsgsSent, 1, id);
      state.shard.Record(MetricId::kWsReplyTime, microseconds(100 + i), id);
      state.shard.Check("ok", i % 2 == 0, "odd");
    }
  }
  state.shard.Move(MetricId::kVus, 2);
  state.shard.Error("timeout", "no reply");
  return state;
}

std::string TickOf(const metrics::Result& state) {
  return EncodeTickMessage(state.duration_s, state.start_unix_ms, state.shard, state.tags);
}

TEST(WorkerTicksTest, TicksRoundTripExactly) {
  metrics::Result state = State({"a", "b"}, {{"b", 3}, {"a", 1}}, 1.5);
  metrics::TagRegistry tags;
  tags.Intern({{"name", "c"}});  // the reader's ids differ from the writer's
  Tick tick;
  std::string message = TickOf(state);
  ASSERT_TRUE(DecodeTick(message, 1, &tags, &tick));
  EXPECT_EQ(tick.elapsed_s, 1.5);
  EXPECT_EQ(tick.start_unix_ms, 1'000'000);
  ASSERT_EQ(tick.shard.series().size(), state.shard.series().size());
  for (const auto& [key, series] : state.shard.series()) {
    const auto& back =
        tick.shard.series().at({key.first, tags.Intern(state.tags.Tags(key.second))});
    EXPECT_EQ(back.count, series.count);
    EXPECT_EQ(back.sum, series.sum);
    EXPECT_EQ(back.gauge, series.gauge);
    EXPECT_EQ(back.histogram.Buckets().size(), series.histogram.Buckets().size());
    EXPECT_EQ(back.histogram.Percentile(95), series.histogram.Percentile(95));
  }
  EXPECT_EQ(tick.shard.checks().at("ok").fails, 1u);
  EXPECT_EQ(tick.shard.checks().at("ok").last_failure, "odd");
  EXPECT_EQ(tick.shard.errors().at("timeout").example, "no reply");
  message.pop_back();
  EXPECT_FALSE(DecodeTick(message, 1, &tags, &tick));
}

TEST(WorkerTicksTest, BadMessagesAreRefusedAndIgnored) {
  WorkerTicks ticks(1);
  std::string error;
  std::string tick = TickOf(State({"a"}, {{"a", 1}}, 1.0));
  tick.pop_back();
  EXPECT_FALSE(ticks.Accept(0, tick, &error));
  EXPECT_EQ(error, "a malformed tick");
  EXPECT_FALSE(ticks.Accept(0, "x{}", &error));
  EXPECT_EQ(error, "a message of an unknown kind");
  EXPECT_FALSE(ticks.Accept(0, "r{", &error));
  EXPECT_EQ(error, "a result that is not JSON");
  EXPECT_FALSE(ticks.Pending());
}

TEST(WorkerTicksTest, ReadyWhenEveryRunningWorkerTicked) {
  WorkerTicks ticks(2);
  std::string error;
  EXPECT_FALSE(ticks.Pending());
  ASSERT_TRUE(ticks.Accept(0, TickOf(State({"a"}, {{"a", 1}}, 1.0)), &error)) << error;
  EXPECT_TRUE(ticks.Pending());
  EXPECT_FALSE(ticks.Ready());
  ASSERT_TRUE(ticks.Accept(1, TickOf(State({"b"}, {{"b", 1}}, 1.0)), &error)) << error;
  EXPECT_TRUE(ticks.Ready());
  metrics::Shard merged;
  double elapsed_s = 0;
  int64_t start = 0;
  ticks.Merge(&merged, &elapsed_s, &start);
  EXPECT_FALSE(ticks.Pending());
  ticks.Ended(1);  // died without a result: not waited for, counted with its last tick
  EXPECT_EQ(ticks.running(), 1);
  ASSERT_TRUE(ticks.Accept(0, TickOf(State({"a"}, {{"a", 2}}, 2.0)), &error)) << error;
  EXPECT_TRUE(ticks.Ready());
  ASSERT_TRUE(ticks.Accept(0, EncodeResultMessage(State({"a"}, {{"a", 3}}, 2.5)), &error));
  EXPECT_EQ(ticks.running(), 0);
  EXPECT_EQ(ticks.results(), 1);
  metrics::Result result = ticks.Result();
  EXPECT_EQ(CountOf(result.shard, result.tags, MetricId::kWsMsgsSent, "a"), 3u);
  EXPECT_EQ(CountOf(result.shard, result.tags, MetricId::kWsMsgsSent, "b"), 1u);
}

// Two workers intern the same names in different orders; the parent's snapshots and its
// final result share one registry, so the intervals add up exactly to the result.
TEST(WorkerTicksTest, SnapshotsAndResultShareTagIdsAndAddUp) {
  WorkerTicks ticks(2);
  metrics::Shard summed, previous;
  auto snapshot = [&] {
    metrics::Shard merged;
    double elapsed_s = 0;
    int64_t start = 0;
    ticks.Merge(&merged, &elapsed_s, &start);
    summed.Merge(merged.Since(previous));
    previous = merged;
    return elapsed_s;
  };
  std::string error;
  ASSERT_TRUE(ticks.Accept(0, TickOf(State({"a", "b"}, {{"a", 2}}, 1.0)), &error)) << error;
  ASSERT_TRUE(ticks.Accept(1, TickOf(State({"b", "a"}, {{"a", 3}}, 1.1)), &error)) << error;
  EXPECT_DOUBLE_EQ(snapshot(), 1.1);
  EXPECT_EQ(CountOf(previous, ticks.tags(), MetricId::kWsMsgsSent, "a"), 5u);
  ASSERT_TRUE(
      ticks.Accept(0, EncodeResultMessage(State({"a", "b"}, {{"a", 2}, {"b", 4}}, 2.0)), &error));
  ASSERT_TRUE(
      ticks.Accept(1, EncodeResultMessage(State({"b", "a"}, {{"a", 3}, {"b", 1}}, 2.2)), &error));
  EXPECT_EQ(ticks.results(), 2);
  metrics::Result result = ticks.Result();
  summed.Merge(result.shard.Since(previous));
  EXPECT_EQ(result.merged_runs, 2);
  EXPECT_DOUBLE_EQ(result.duration_s, 2.2);
  for (const std::string name : {"a", "b"}) {
    for (MetricId id : {MetricId::kWsMsgsSent, MetricId::kWsReplyTime})
      EXPECT_EQ(CountOf(summed, result.tags, id, name), 5u) << name;
  }
  EXPECT_EQ(summed.checks().at("ok").passes, result.shard.checks().at("ok").passes);
}

// One worker's tick with `tag_sets` tag sets (a counter and a trend of 50 distinct values
// each), encoded, decoded and merged the third time (as in a long run: memory reused); checks
// the merge and returns worker + parent milliseconds, after printing them.
double TickCost(int tag_sets) {
  metrics::Result state;
  for (int n = 0; n < tag_sets; ++n) {
    uint32_t id = state.tags.Intern({{"name", "step" + std::to_string(n)}, {"scenario", "s"}});
    for (int i = 0; i < 50; ++i) {
      state.shard.Add(MetricId::kWsMsgsSent, 1, id);
      state.shard.Record(MetricId::kWsReplyTime, microseconds(100 + 37 * i), id);
    }
  }
  using Clock = std::chrono::steady_clock;
  WorkerTicks ticks(1);
  std::string message, error;
  metrics::Shard merged;
  Clock::duration worker{}, parent{};
  for (int second = 0; second < 3; ++second) {
    const Clock::time_point t0 = Clock::now();
    message = TickOf(state);
    const Clock::time_point t1 = Clock::now();
    EXPECT_TRUE(ticks.Accept(0, message, &error)) << error;
    double elapsed_s = 0;
    int64_t start = 0;
    ticks.Merge(&merged, &elapsed_s, &start);
    worker = t1 - t0;
    parent = Clock::now() - t1;
  }
  auto ms = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count() / 1000.0;
  };
  std::cout << "tick with " << tag_sets << " tag sets: " << message.size() / 1024.0
            << " KiB; worker " << ms(worker) << " ms, parent " << ms(parent) << " ms\n";
  EXPECT_EQ(merged.series().size(), state.shard.series().size());
  const std::string last = "step" + std::to_string(tag_sets - 1);
  EXPECT_EQ(CountOf(merged, ticks.tags(), MetricId::kWsReplyTime,
                    Tags{{"name", last}, {"scenario", "s"}}),
            50u);
  return ms(worker + parent);
}

// The cost per second of a tick: the worker's coordinator encodes, the parent decodes and
// merges. Printed for docs/reports.md.
TEST(WorkerTicksTest, ATickWithManyTagSetsIsCheap) {
  TickCost(20);
  // Generous for a loaded CI machine: the point is a small share of one second.
  EXPECT_LT(TickCost(1000), 900);
}

}  // namespace
}  // namespace wsyaml::run
