// The protocol seam on the manual clock (vu_protocol.cpp, vu_conn.cpp): a protocol connection
// opens for its steps only when the protocol's handshake is done, a handshake that never ends
// is a protocol error at its timeout, protocol replies are timed from the step that awaited
// them, and heart-beats follow the negotiated period. Real sessions, fake sockets.
#include <string>

#include "vu_fixture.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::string_literals;

constexpr const char* kOpenPacket =
    R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

graph::Connect SocketIoConnect() {
  graph::Connect connect;
  connect.url = Text("/");
  connect.protocol.kind = graph::Protocol::kSocketIo;
  connect.protocol.handshake_timeout = 3s;
  return connect;
}

graph::Step EmitWithAck(const std::string& event, const std::string& json_arg) {
  graph::Emit emit;
  emit.event = Text(event);
  graph::Payload arg;
  arg.kind = graph::Payload::Kind::kJson;
  arg.body = Text(json_arg);
  emit.args.push_back(arg);
  emit.ack.emplace();
  emit.ack->name = "said";
  emit.ack->within = 2s;
  return S(emit);
}

TEST_F(VuTest, ProtocolStepsWaitForTheProtocolsHandshake) {
  graph::Sleep sleep;
  sleep.duration = Fixed(50ms);
  Start({S(SocketIoConnect()), EmitWithAck("say", R"({"t":"hi"})"), S(sleep), S(graph::Close{})});
  scheduler_.Advance(1ms);
  ASSERT_EQ(transport_.sockets().size(), 1u);
  FakeSocket& socket = *transport_.sockets()[0];
  EXPECT_NE(socket.request.url.find("/socket.io/?EIO=4&transport=websocket"), std::string::npos)
      << socket.request.url;
  EXPECT_TRUE(socket.sent.empty());  // the WebSocket is open; socket.io is not yet
  transport_.Deliver(0, kOpenPacket);
  scheduler_.Advance(1ms);
  EXPECT_EQ(socket.sent, std::vector<std::string>{"40"});
  scheduler_.Advance(500ms);
  EXPECT_EQ(socket.sent.size(), 1u);  // the emit waits for the namespace
  transport_.Deliver(0, R"(40{"sid":"n"})");
  scheduler_.Advance(1ms);
  ASSERT_EQ(socket.sent.size(), 2u);
  EXPECT_EQ(socket.sent[1], R"(420["say",{"t":"hi"}])");
  EXPECT_EQ(Counter(MetricId::kWsMsgsSent), 1);  // the emit, not the namespace CONNECT
  scheduler_.Advance(6ms);
  transport_.Deliver(0, "430[]");
  scheduler_.Advance(1ms);  // the ack arrives 7 ms after the emit
  metrics::Series reply = metrics::CollectSeries(shard_, tags_, MetricId::kWsReplyTime, {});
  EXPECT_EQ(reply.count, 1u);
  EXPECT_NEAR(reply.histogram.Percentile(50), 7e6, 1e5);  // ns, within the histogram's 1%
  EXPECT_EQ(shard_.checks().at("said").passes, 1u);
  EXPECT_TRUE(ErrorTagSets().empty());
  scheduler_.Advance(100ms);
  EXPECT_EQ(socket.sent.back(), "41");  // the close step leaves the namespace first
  EXPECT_TRUE(done_);
}

TEST_F(VuTest, AProtocolHandshakeThatNeverEndsIsAProtocolErrorAtItsTimeout) {
  Start({S(SocketIoConnect()), EmitWithAck("say", "1")});
  scheduler_.Advance(1ms);
  transport_.Deliver(0, kOpenPacket);  // the namespace CONNECT is never answered
  scheduler_.Advance(2900ms);
  EXPECT_TRUE(ErrorTagSets().empty());
  scheduler_.Advance(200ms);
  // As after a raw connect that failed, the step after it counts a send error.
  EXPECT_EQ(ErrorTagSets(), (std::vector<std::string>{"kind=protocol", "kind=send"}));
  FakeSocket& socket = *transport_.sockets()[0];
  EXPECT_EQ(socket.sent, std::vector<std::string>{"40"});  // the emit was never sent
  ASSERT_EQ(socket.close_codes.size(), 1u);
  scheduler_.Advance(10ms);
  EXPECT_TRUE(done_);
  EXPECT_EQ(Counter(MetricId::kWsErrors), 2);  // the close that follows is not one more
}

TEST_F(VuTest, StompHeartBeatsFollowTheNegotiatedPeriod) {
  graph::Connect connect;
  connect.url = Text("/ws");
  connect.protocol.kind = graph::Protocol::kStomp;
  connect.protocol.heartbeat_send = 1s;  // the server wants one every 2 s: 2 s it is
  graph::Sleep sleep;
  sleep.duration = Fixed(7s);
  Start({S(connect), S(sleep), S(graph::Close{})});
  scheduler_.Advance(1ms);
  FakeSocket& socket = *transport_.sockets()[0];
  EXPECT_EQ(socket.request.subprotocols, std::vector<std::string>{"v12.stomp"});
  ASSERT_EQ(socket.sent.size(), 1u);
  EXPECT_EQ(socket.sent[0].rfind("CONNECT\n", 0), 0u) << socket.sent[0];
  transport_.Deliver(0, "CONNECTED\nversion:1.2\nheart-beat:0,2000\n\n"s + '\0');
  scheduler_.Advance(6500ms);
  int beats = 0;
  for (const std::string& frame : socket.sent) beats += frame == "\n";
  EXPECT_EQ(beats, 3);                           // at about 2, 4 and 6 s
  EXPECT_EQ(Counter(MetricId::kWsMsgsSent), 0);  // heart-beats are not messages
  EXPECT_TRUE(ErrorTagSets().empty());
}

}  // namespace
}  // namespace wsyaml::engine::testing
