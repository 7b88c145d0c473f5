// The two reply times on the manual clock: ws_reply_time counts a reply sent by an `every` tick
// from the tick's deadline (against coordinated omission), ws_reply_wire_time from the actual
// send. A clock that runs the VU's timers late by a known amount (a client short of CPU) tells
// them apart: the lateness is in the first and not in the second, for raw replies and for
// protocol replies (a socket.io ack). An expect is timed from an actual send: both are equal.
#include <string>
#include <utility>

#include "manual_run.h"
#include "vu_fixture.h"

namespace wsyaml::engine::testing {
namespace {

constexpr auto kLate = 30ms;  // how late every VU timer runs

// The manual clock, on which every timer the VU schedules runs `late` after its deadline.
class LateScheduler : public Scheduler {
 public:
  LateScheduler(ManualScheduler* clock, std::chrono::microseconds late)
      : clock_(clock), late_(late) {}
  TimePoint Now() const override { return clock_->Now(); }
  TimerId Schedule(TimePoint when, std::function<void()> fn) override {
    return clock_->Schedule(when + late_, std::move(fn));
  }
  void Cancel(TimerId id) override { clock_->Cancel(id); }

 private:
  ManualScheduler* clock_;
  std::chrono::microseconds late_;
};

class ReplyTimeTest : public VuTest {
 protected:
  ReplyTimeTest() : late_(&scheduler_, kLate) { ctx_.scheduler = &late_; }
  // The VU cancels its timers on its way out: before late_ goes.
  ~ReplyTimeTest() override { vu_.reset(); }

  /// The only sample of trend `id` (ns), within the histogram's 1%; -1 unless one sample.
  double OnlySample(MetricId id, const graph::Tags& filter = {}) {
    metrics::Series s = metrics::CollectSeries(shard_, tags_, id, filter);
    return s.count == 1 ? s.histogram.Percentile(50) : -1;
  }

  LateScheduler late_;
};

// An every that runs its body once, 100 ms after it starts.
graph::Step EveryOnce(graph::Step body) {
  graph::Every every;
  every.name = "tick";
  every.interval = Fixed(100ms);
  every.times = 1;
  every.body.push_back(std::move(body));
  return S(every);
}

graph::Reply NamedReply(const std::string& name) {
  graph::Reply reply;
  reply.name = name;
  reply.within = 2s;
  return reply;
}

TEST_F(ReplyTimeTest, ARawReplyOfALateTickHasTheLatenessOnlyInWsReplyTime) {
  transport_.StartEcho(5ms);  // opens, and echoes each message, 5 ms later
  graph::Send send;
  send.payload.body = Text("ping");
  send.reply = NamedReply("pong");
  send.reply->match.contains = Text("ping");
  graph::Connect connect;
  connect.url = Text("/");
  Start({S(connect), EveryOnce(S(send))});
  scheduler_.Advance(5ms);  // open
  scheduler_.Advance(100ms);
  EXPECT_EQ(transport_.echo_counts().frames_in, 0);  // the tick is due, and late
  scheduler_.Advance(kLate);
  EXPECT_EQ(transport_.echo_counts().frames_in, 1);
  scheduler_.Advance(10ms);
  EXPECT_EQ(shard_.checks().at("pong").passes, 1u);
  EXPECT_NEAR(OnlySample(MetricId::kTimerLateness, {{"name", "tick"}}), 30e6, 3e5);
  // The tick was due 35 ms before the echo came back; the echo took 5 ms.
  EXPECT_NEAR(OnlySample(MetricId::kWsReplyTime, {{"name", "pong"}}), 35e6, 3.5e5);
  EXPECT_NEAR(OnlySample(MetricId::kWsReplyWireTime, {{"name", "pong"}}), 5e6, 5e4);
}

TEST_F(ReplyTimeTest, AnAckOfALateTickHasTheLatenessOnlyInWsReplyTime) {
  constexpr const char* kOpenPacket =
      R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";
  graph::Connect connect;
  connect.url = Text("/");
  connect.protocol.kind = graph::Protocol::kSocketIo;
  connect.protocol.handshake_timeout = 3s;
  graph::Emit emit;
  emit.event = Text("say");
  emit.ack = NamedReply("said");
  Start({S(connect), EveryOnce(S(emit))});
  scheduler_.Advance(1ms);
  transport_.Deliver(0, kOpenPacket);
  scheduler_.Advance(1ms);
  transport_.Deliver(0, R"(40{"sid":"n"})");  // the namespace is open: the every starts
  scheduler_.Advance(100ms);
  FakeSocket& socket = *transport_.sockets()[0];
  EXPECT_EQ(socket.sent.size(), 1u);  // only the namespace CONNECT: the tick is late
  scheduler_.Advance(kLate);
  ASSERT_EQ(socket.sent.size(), 2u);
  EXPECT_EQ(socket.sent[1], R"(420["say"])");
  scheduler_.Advance(7ms);
  transport_.Deliver(0, "430[]");
  scheduler_.Advance(0ms);
  EXPECT_EQ(shard_.checks().at("said").passes, 1u);
  EXPECT_NEAR(OnlySample(MetricId::kWsReplyTime, {{"name", "said"}}), 37e6, 3.7e5);
  EXPECT_NEAR(OnlySample(MetricId::kWsReplyWireTime, {{"name", "said"}}), 7e6, 7e4);
}

TEST_F(ReplyTimeTest, AReplyOutsideATimerHasEqualReplyTimes) {
  transport_.StartEcho(5ms);
  graph::Send send;
  send.payload.body = Text("ping");
  send.reply = NamedReply("pong");
  graph::Connect connect;
  connect.url = Text("/");
  Start({S(connect), S(send)});
  scheduler_.Advance(20ms);
  EXPECT_EQ(shard_.checks().at("pong").passes, 1u);
  EXPECT_NEAR(OnlySample(MetricId::kWsReplyTime, {{"name", "pong"}}), 5e6, 5e4);
  EXPECT_NEAR(OnlySample(MetricId::kWsReplyWireTime, {{"name", "pong"}}), 5e6, 5e4);
}

TEST(ExpectReplyTime, AnExpectRecordsBothReplyTimesEqual) {
  ManualRun run = RunManual(R"(name: expect
target: builtin:echo
load: {vus: 2, iterations: 3}
steps:
  - connect: /
  - send: hi
  - expect: {match: {text: hi}, name: echo}
  - close
thresholds:
  ws_reply_wire_time{name:echo}: ["max < 2ms"]
)");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "echo"}}), 6u);
  EXPECT_EQ(run.Samples(MetricId::kWsReplyWireTime, {{"name", "echo"}}), 6u);
  EXPECT_EQ(run.MaxMicros(MetricId::kWsReplyWireTime), run.MaxMicros(MetricId::kWsReplyTime));
  EXPECT_EQ(run.MinMicros(MetricId::kWsReplyWireTime), 1000);  // the echo server's 1 ms
  ASSERT_EQ(run.thresholds.size(), 1u);
  EXPECT_TRUE(run.thresholds[0].passed);
  EXPECT_TRUE(run.thresholds[0].has_data);
}

}  // namespace
}  // namespace wsyaml::engine::testing
