// Interrupt and Abandon: every timer of the iteration is cancelled, whatever was pending.
#include "vu_fixture.h"

namespace wsyaml::engine::testing {
namespace {

/// A VU with something of every timer kind pending: a VU timer, a connection's every and after,
/// a reply timeout, a program waiting in expect, the main steps asleep, a handshake timeout
/// and the iteration timeout.
class VuTeardownTest : public VuTest {
 protected:
  void StartBusy() {
    transport_.auto_open = false;
    plan_.scenarios.resize(1);
    plan_.scenarios[0].load.iteration_timeout = 1h;
    graph::Every every;
    every.interval = Fixed(1s);
    every.body.push_back(SendText("tick"));
    graph::After later;
    later.delay = Fixed(10min);
    graph::Send send;
    send.payload.body = Text("question");
    send.reply = graph::Reply{};
    send.reply->within = 10min;
    graph::Expect expect;
    expect.within = 10min;
    expect.name = "never";
    graph::Connect open;
    open.url = Text("/open");
    open.has_steps = true;
    open.steps = {S(every), S(later), S(send), S(expect)};
    graph::Connect stuck = open;
    stuck.url = Text("/stuck");
    stuck.timeout = 10min;
    graph::After vu_later;
    vu_later.delay = Fixed(10min);
    graph::Sleep sleep;
    sleep.duration = Fixed(10min);
    Start({S(open), S(stuck), S(vu_later), S(sleep)});
    scheduler_.Advance(1ms);
    transport_.Open(0);  // /stuck stays connecting
    scheduler_.Advance(1500ms);
    ASSERT_EQ(transport_.sockets()[0]->sent, (std::vector<std::string>{"question", "tick"}));
  }
};

TEST_F(VuTeardownTest, InterruptLeavesNoLiveTimer) {
  StartBusy();
  vu_->Interrupt();
  scheduler_.Advance(1ms);
  EXPECT_TRUE(done_);
  EXPECT_FALSE(completed_);
  EXPECT_EQ(transport_.sockets()[0]->close_codes, std::vector<int>{1001});
  // Not the run's end (an iteration timeout): the transport's own close timeout applies.
  EXPECT_EQ(transport_.sockets()[0]->closes_at_end, 0);
  EXPECT_TRUE(transport_.sockets()[1]->destroyed) << "the connecting one is dropped";
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_EQ(shard_.checks().count("never"), 0u) << "an interrupted expect is no failed check";
}

TEST_F(VuTeardownTest, AbandonLeavesNoLiveTimer) {
  StartBusy();
  vu_->Abandon();
  EXPECT_EQ(scheduler_.pending(), 0u);
  EXPECT_FALSE(vu_->running());
  EXPECT_EQ(vu_->LiveSockets(), 0);
  EXPECT_TRUE(transport_.sockets()[0]->destroyed);
  EXPECT_EQ(Counter(MetricId::kInterruptedIterations), 1);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kWsSessionDuration, {}).count, 1u)
      << "the dropped open socket is still a session";
  scheduler_.Advance(1h);
  EXPECT_FALSE(done_) << "an abandoned iteration reports nothing";
}

TEST_F(VuTest, AbandonCancelsAPostedFinish) {
  Start({S(LogStep("only"))});
  EXPECT_EQ(scheduler_.pending(), 1u) << "Finish is posted";
  vu_->Abandon();
  EXPECT_EQ(scheduler_.pending(), 0u);
  vu_.reset();
  scheduler_.Advance(1s);  // would call into the destroyed VU if Finish were still posted
  EXPECT_FALSE(done_);
}

}  // namespace
}  // namespace wsyaml::engine::testing
