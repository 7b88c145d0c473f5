// VU semantics on a manual clock with a fake transport: every/after/cancel ordering, the
// iteration end rules, several connections per VU, linear connects, handlers and checks,
// captures and message counters. Errors: vu_errors_test.cpp; teardown: vu_teardown_test.cpp.
#include "vu_fixture.h"

namespace wsyaml::engine::testing {
namespace {

TEST_F(VuTest, EveryAfterCancelOrdering) {
  graph::Every every;
  every.name = "tick";
  every.interval = Fixed(1s);
  every.body.push_back(SendText("tick"));
  graph::After leave;
  leave.delay = Fixed(3500ms);
  leave.body.push_back(S(graph::Cancel{{"tick"}}));
  leave.body.push_back(SendText("bye"));
  graph::After close_later;
  close_later.delay = Fixed(1s);
  close_later.body.push_back(S(graph::Close{}));
  leave.body.push_back(S(close_later));
  graph::Connect connect;
  connect.url = Text("/room");
  connect.has_steps = true;
  connect.steps = {SendText("hello"), S(every), S(leave)};
  Start({S(connect)});

  scheduler_.Advance(0us);
  ASSERT_EQ(transport_.sockets().size(), 1u);
  EXPECT_EQ(transport_.sockets()[0]->request.url, "ws://127.0.0.1:9/room");
  scheduler_.Advance(3400ms);
  EXPECT_EQ(transport_.sockets()[0]->sent,
            (std::vector<std::string>{"hello", "tick", "tick", "tick"}));
  scheduler_.Advance(200ms);  // 3.6 s: cancelled, said bye, close pending
  EXPECT_EQ(transport_.sockets()[0]->sent.back(), "bye");
  EXPECT_TRUE(transport_.sockets()[0]->close_codes.empty());
  EXPECT_FALSE(done_);
  scheduler_.Advance(2s);
  EXPECT_EQ(transport_.sockets()[0]->close_codes, std::vector<int>{1000});
  EXPECT_EQ(transport_.sockets()[0]->sent.size(), 5u) << "no tick after cancel";
  EXPECT_TRUE(done_);
  EXPECT_TRUE(completed_);
  EXPECT_EQ(Counter(MetricId::kIterations), 1);
  EXPECT_EQ(Counter(MetricId::kWsMsgsSent), 5);
}

TEST_F(VuTest, EveryStopsAfterTimes) {
  graph::Every every;
  every.interval = Fixed(100ms);
  every.times = 3;
  every.body.push_back(SendText("x"));
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.steps = {S(every)};
  Start({S(connect)});
  scheduler_.Advance(1s);
  EXPECT_EQ(transport_.sockets()[0]->sent.size(), 3u);
}

TEST_F(VuTest, IterationEndsOnlyWhenSocketsClosedAndTimersDone) {
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  Start({S(connect)});
  scheduler_.Advance(10s);
  EXPECT_FALSE(done_) << "an open socket keeps the iteration alive";
  transport_.ServerClose(0, 1000);
  scheduler_.Advance(1ms);
  EXPECT_TRUE(done_);
  EXPECT_TRUE(completed_);
}

TEST_F(VuTest, PendingVuTimerKeepsIterationAlive) {
  graph::After later;
  later.delay = Fixed(5s);
  later.body.push_back(S(LogStep("late")));
  Start({S(later)});
  scheduler_.Advance(4s);
  EXPECT_FALSE(done_);
  scheduler_.Advance(2s);
  EXPECT_TRUE(done_);
}

TEST_F(VuTest, SeveralConnectionsPerVuEachRunTheirProgram) {
  graph::Connect connect;
  connect.url = Text("/");
  connect.count = 3;
  connect.has_steps = true;
  graph::Send send;
  send.payload.body = ConnText("I am ");
  connect.steps = {S(send), S(graph::Close{})};
  Start({S(connect)});
  scheduler_.Advance(1s);
  ASSERT_EQ(transport_.sockets().size(), 3u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(transport_.sockets()[i]->sent, std::vector<std::string>{"I am " + std::to_string(i)});
  EXPECT_TRUE(done_);
  EXPECT_EQ(Counter(MetricId::kWsSessions), 3);
}

TEST_F(VuTest, LinearConnectWaitsForOpen) {
  transport_.auto_open = false;
  graph::Connect connect;
  connect.url = Text("/");
  Start({S(connect), SendText("after open"), S(graph::Close{})});
  scheduler_.Advance(1s);
  ASSERT_EQ(transport_.sockets().size(), 1u);
  EXPECT_TRUE(transport_.sockets()[0]->sent.empty());
  transport_.Open(0);
  scheduler_.Advance(1ms);
  EXPECT_EQ(transport_.sockets()[0]->sent, std::vector<std::string>{"after open"});
  scheduler_.Advance(1ms);
  EXPECT_TRUE(done_);
}

TEST_F(VuTest, ConnectTimeoutIsCountedAndTheIterationGoesOn) {
  transport_.auto_open = false;
  graph::Connect connect;
  connect.url = Text("/");
  connect.timeout = 2s;
  Start({S(connect), SendText("never")});
  scheduler_.Advance(3s);
  EXPECT_TRUE(done_);
  ASSERT_EQ(shard_.errors().count("timeout"), 1u);
  EXPECT_EQ(shard_.errors().count("send"), 1u) << "a send on a failed connection is an error";
}

TEST_F(VuTest, HandshakesPastTheWorkerCapWaitForASlot) {
  ctx_.handshakes = HandshakeQueue(2);
  transport_.auto_open = false;
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.count = 3;
  connect.timeout = 2s;
  connect.steps = {SendText("hi")};
  Start({S(connect)});
  scheduler_.Advance(1500ms);
  ASSERT_EQ(transport_.sockets().size(), 2u) << "the third connection waits for a slot";
  EXPECT_EQ(Counter(MetricId::kWsSessions), 3) << "a waiting connection is a session";
  transport_.Open(0);
  scheduler_.Advance(1ms);
  ASSERT_EQ(transport_.sockets().size(), 3u) << "the open freed a slot";
  EXPECT_EQ(transport_.sockets()[0]->sent, std::vector<std::string>{"hi"});
  // The wait is ours, not the server's: the third's timeout counts from its own start.
  scheduler_.Advance(1s);
  ASSERT_EQ(shard_.errors().count("timeout"), 1u);
  EXPECT_EQ(shard_.errors().at("timeout").count, 1u) << "only the second has timed out";
  scheduler_.Advance(1s);
  EXPECT_EQ(shard_.errors().at("timeout").count, 2u);
  EXPECT_EQ(ctx_.handshakes.in_flight(), 0u);
  EXPECT_EQ(ctx_.handshakes.waiting(), 0u);
}

TEST_F(VuTest, InterruptGivesUpWaitingHandshakes) {
  ctx_.handshakes = HandshakeQueue(1);
  transport_.auto_open = false;
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.count = 3;
  Start({S(connect)});
  scheduler_.Advance(1ms);
  ASSERT_EQ(transport_.sockets().size(), 1u);
  EXPECT_EQ(ctx_.handshakes.waiting(), 2u);
  vu_->Interrupt();
  scheduler_.Advance(1s);
  EXPECT_TRUE(done_);
  EXPECT_EQ(transport_.sockets().size(), 1u) << "given-up connections never start";
  EXPECT_EQ(ctx_.handshakes.in_flight(), 0u);
  EXPECT_EQ(ctx_.handshakes.waiting(), 0u);
}

TEST_F(VuTest, HandlersFireInOrderAndOnceFiresOnce) {
  graph::OnMessage first;
  first.match.contains = Text("ping");
  first.once = true;
  first.body.push_back(SendText("first"));
  graph::OnMessage second;
  second.body.push_back(SendText("second"));
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.steps = {S(first), S(second)};
  Start({S(connect)});
  scheduler_.Advance(1ms);
  transport_.Deliver(0, "ping");
  transport_.Deliver(0, "ping");
  scheduler_.Advance(1ms);
  EXPECT_EQ(transport_.sockets()[0]->sent, (std::vector<std::string>{"first", "second", "second"}));
  EXPECT_EQ(Counter(MetricId::kWsMsgsReceived), 2);
}

TEST_F(VuTest, ExpectPassesOnMatchAndFailsOnTimeout) {
  graph::Expect pong;
  pong.match.text = Text("pong");
  pong.within = 1s;
  pong.name = "pong";
  graph::Connect connect;
  connect.url = Text("/");
  Start({S(connect), SendText("ping"), S(pong), SendText("ping"), S(pong), S(graph::Close{})});
  scheduler_.Advance(1ms);
  transport_.Deliver(0, "pong");
  scheduler_.Advance(2s);
  EXPECT_TRUE(done_);
  ASSERT_EQ(shard_.checks().count("pong"), 1u);
  EXPECT_EQ(shard_.checks().at("pong").passes, 1u);
  EXPECT_EQ(shard_.checks().at("pong").fails, 1u);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kWsReplyTime, {}).count, 1u);
}

TEST_F(VuTest, InterruptClosesWithGoingAway) {
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.count = 2;
  Start({S(connect)});
  scheduler_.Advance(1s);
  vu_->Interrupt();
  scheduler_.Advance(1ms);
  EXPECT_EQ(transport_.sockets()[0]->close_codes, std::vector<int>{1001});
  EXPECT_EQ(transport_.sockets()[1]->close_codes, std::vector<int>{1001});
  EXPECT_TRUE(done_);
  EXPECT_FALSE(completed_);
  EXPECT_EQ(Counter(MetricId::kInterruptedIterations), 1);
  EXPECT_EQ(Counter(MetricId::kIterations), 0);
}

TEST_F(VuTest, AbnormalCloseIsAnErrorAndReconnects) {
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.reconnect.max = 1;
  connect.reconnect.backoff = Fixed(1s);
  connect.steps = {SendText("hi")};
  Start({S(connect)});
  scheduler_.Advance(1ms);
  transport_.ServerClose(0, 1006, false);
  scheduler_.Advance(500ms);
  EXPECT_EQ(transport_.sockets().size(), 1u);
  scheduler_.Advance(1s);
  ASSERT_EQ(transport_.sockets().size(), 2u);
  EXPECT_EQ(transport_.sockets()[1]->sent, std::vector<std::string>{"hi"});
  EXPECT_EQ(shard_.errors().at("closed-abnormally").count, 1u);
  EXPECT_EQ(Counter(MetricId::kWsReconnects), 1);
}

TEST_F(VuTest, CapturesOfMissingValuesOrSlotsDoNotCrash) {
  plan_.var_names = {"x"};
  graph::Set set;
  set.assignments.emplace_back(0, Text("before"));
  graph::Capture missing_index{0, {graph::PathElem{"items", -1}, graph::PathElem{"", 3}}};
  graph::Capture no_slot{7, {graph::PathElem{"items", -1}}};
  graph::Capture negative_slot{-1, {}};
  graph::OnMessage on;
  on.captures = {missing_index, no_slot, negative_slot};
  graph::Send echo;
  echo.payload.body = Text("[");
  graph::Segment var;
  var.kind = graph::Segment::Kind::kVar;
  var.slot = 0;
  echo.payload.body.segments.push_back(var);
  echo.payload.body.segments.push_back(Text("]").segments[0]);
  on.body.push_back(S(echo));
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.steps = {S(set), S(on)};
  Start({S(connect)});
  scheduler_.Advance(1ms);
  transport_.Deliver(0, R"({"items": [1, 2]})");
  scheduler_.Advance(1ms);
  EXPECT_EQ(transport_.sockets()[0]->sent, std::vector<std::string>{"[]"})
      << "a missing index captures an empty value";
}

TEST_F(VuTest, MessageCountersFollowTheConnectionTags) {
  graph::Connect connect;
  connect.url = Text("/");
  connect.tags = {{"room", "a"}};
  connect.steps = {};
  Start({S(connect), SendText("hello"), SendText("again")});
  scheduler_.Advance(1ms);
  transport_.Deliver(0, "hi");
  scheduler_.Advance(1ms);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kWsMsgsSent, {{"room", "a"}}).sum, 2);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kDataSent, {{"room", "a"}}).sum, 10);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kWsMsgsReceived, {{"room", "a"}}).sum,
            1);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kDataReceived, {{"room", "a"}}).sum, 2);
}

// ws_payload_* only where permessage-deflate was negotiated; data_* (the wire) everywhere.
TEST_F(VuTest, PayloadCountersOnlyOnDeflateConnections) {
  graph::Connect deflate;
  deflate.url = Text("/");
  deflate.tags = {{"room", "z"}};
  deflate.compression = true;
  graph::Connect raw;
  raw.url = Text("/");
  raw.tags = {{"room", "r"}};
  transport_.accept_deflate = true;
  Start({S(deflate), SendText("hello"), S(raw), SendText("again")});
  scheduler_.Advance(1ms);
  ASSERT_EQ(transport_.sockets().size(), 2u);
  EXPECT_TRUE(transport_.sockets()[0]->compression);
  EXPECT_FALSE(transport_.sockets()[1]->compression);
  transport_.Deliver(0, "hi");
  transport_.Deliver(1, "hey");
  scheduler_.Advance(1ms);
  auto sum = [&](MetricId id, const char* room) {
    return metrics::CollectSeries(shard_, tags_, id, {{"room", room}}).sum;
  };
  EXPECT_EQ(sum(MetricId::kWsPayloadSent, "z"), 5);
  EXPECT_EQ(sum(MetricId::kWsPayloadReceived, "z"), 2);
  EXPECT_EQ(sum(MetricId::kDataSent, "z"), 5);
  EXPECT_EQ(sum(MetricId::kWsPayloadSent, "r"), 0);
  EXPECT_EQ(sum(MetricId::kWsPayloadReceived, "r"), 0);
  EXPECT_EQ(sum(MetricId::kDataSent, "r"), 5);
  EXPECT_EQ(sum(MetricId::kDataReceived, "r"), 3);
}

TEST_F(VuTest, MessageCountersFollowTagsThatChangeOnReconnect) {
  plan_.var_names = {"room"};
  graph::Set set_a;
  set_a.assignments.emplace_back(0, Text("a"));
  graph::Set set_b;
  set_b.assignments.emplace_back(0, Text("b"));
  graph::Template room;
  graph::Segment var;
  var.kind = graph::Segment::Kind::kVar;
  var.slot = 0;
  room.segments.push_back(var);
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.tags = {{"room", "${room}"}};
  connect.templated_tags = {{"room", room}};
  connect.reconnect.max = 1;
  connect.reconnect.backoff = Fixed(1s);
  connect.steps = {SendText("hi"), S(set_b)};
  Start({S(set_a), S(connect)});
  scheduler_.Advance(1ms);
  transport_.ServerClose(0, 1006, false);
  scheduler_.Advance(2s);
  ASSERT_EQ(transport_.sockets().size(), 2u);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kWsMsgsSent, {{"room", "a"}}).sum, 1);
  EXPECT_EQ(metrics::CollectSeries(shard_, tags_, MetricId::kWsMsgsSent, {{"room", "b"}}).sum, 1);
}

}  // namespace
}  // namespace wsyaml::engine::testing
