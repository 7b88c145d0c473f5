// StompSession on bytes: the handshake, frame reading (escaping, content-length, frames split
// and joined, heart-beat EOLs), MESSAGE/RECEIPT/ERROR, the frames of each step, heart-beats.
#include "engine/protocols/stomp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/protocols/recording_link.h"

namespace wsyaml::engine {
namespace {

using namespace std::string_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RecordingLink;

const std::string kConnected = "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n"s + '\0';

struct StompTest : ::testing::Test {
  graph::ProtocolOptions options;
  ProtocolSetup setup;
  RecordingLink link;

  StompTest() {
    options.kind = graph::Protocol::kStomp;
    setup.options = &options;
    setup.url_host = "127.0.0.1";
  }
  // A session past CONNECTED (heart-beats as negotiated with `connected`), frames forgotten.
  std::unique_ptr<StompSession> Connected(const std::string& connected = kConnected) {
    auto session = std::make_unique<StompSession>(setup);
    session->Start(link);
    session->OnFrame(connected, false, link);
    EXPECT_EQ(link.ready, 1);
    link.TakeFrames();
    return session;
  }
  std::string Encode(StompSession& session, const ProtocolCommand& command,
                     std::string* key = nullptr) {
    std::string error;
    std::string k = session.Encode(command, link, &error);
    if (key) *key = k;
    EXPECT_EQ(error, "");
    std::vector<std::string> frames = link.TakeFrames();
    return frames.size() == 1 ? frames[0] : "<" + std::to_string(frames.size()) + " frames>";
  }
};

TEST_F(StompTest, StartSendsConnectWithLoginHostAndHeartbeat) {
  setup.login = "guest";
  setup.passcode = "pa:ss";  // CONNECT headers are not escaped
  options.heartbeat_send = seconds(10);
  options.heartbeat_receive = milliseconds(2500);
  StompSession session(setup);
  session.Start(link);
  ASSERT_EQ(link.frames.size(), 1u);
  EXPECT_EQ(link.frames[0].data,
            "CONNECT\naccept-version:1.2\nhost:127.0.0.1\nlogin:guest\npasscode:pa:ss\n"
            "heart-beat:10000,2500\n\n"s +
                '\0');
  EXPECT_FALSE(link.frames[0].binary);
  EXPECT_EQ(link.ready, 0);
}

TEST_F(StompTest, HostOptionWinsOverTheUrlHost) {
  setup.host = "/";
  StompSession session(setup);
  session.Start(link);
  EXPECT_NE(link.frames.at(0).data.find("\nhost:/\n"), std::string::npos);
  EXPECT_EQ(link.frames.at(0).data.find("login:"), std::string::npos);
}

TEST_F(StompTest, ConnectedMakesItReadyWithoutUnescaping) {
  auto session = Connected("CONNECTED\r\nversion:1.2\r\nserver:RabbitMQ/3.10\\c\r\n\r\n"s + '\0');
  EXPECT_TRUE(link.errors.empty());
  EXPECT_EQ(session->HeartbeatInterval().count(), 0);
}

TEST_F(StompTest, MessageIsDeliveredWithHeadersInOrderAndAckId) {
  auto session = Connected();
  session->OnFrame(
      "MESSAGE\nsubscription:s1\nmessage-id:m\\c1\ndestination:/topic/t\n"
      "ack:A\\\\1\nx:a\\nb\\rc\nx:second\n\n{\"n\":1}"s +
          '\0',
      false, link);
  ASSERT_EQ(link.messages.size(), 1u);
  const AppMessage& m = link.messages[0];
  EXPECT_EQ(m.payload, "{\"n\":1}");
  EXPECT_FALSE(m.binary);
  EXPECT_EQ(m.meta.event, "");
  EXPECT_EQ(m.meta.ack_id, "A\\1");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"subscription", "s1"}, {"message-id", "m:1"}, {"destination", "/topic/t"},
      {"ack", "A\\1"},        {"x", "a\nb\rc"},      {"x", "second"}};
  EXPECT_EQ(m.meta.headers, expected);
  // The next MESSAGE has fewer headers and no ack: nothing stale is left.
  session->OnFrame("MESSAGE\nsubscription:s1\n\nhi"s + '\0', false, link);
  ASSERT_EQ(link.messages.size(), 2u);
  EXPECT_EQ(link.messages[1].meta.headers.size(), 1u);
  EXPECT_EQ(link.messages[1].meta.ack_id, "");
  EXPECT_EQ(link.messages[1].payload, "hi");
}

TEST_F(StompTest, ContentLengthAllowsNulsInTheBody) {
  auto session = Connected();
  std::string body = "a\0b\0\0c"s;
  session->OnFrame("MESSAGE\ncontent-length:6\n\n"s + body + '\0' + "MESSAGE\n\nz"s + '\0', true,
                   link);
  ASSERT_EQ(link.messages.size(), 2u);
  EXPECT_EQ(link.messages[0].payload, body);
  EXPECT_TRUE(link.messages[0].binary);
  EXPECT_EQ(link.messages[1].payload, "z");
  EXPECT_TRUE(link.errors.empty());
}

TEST_F(StompTest, SeveralFramesAndHeartbeatsInOneWebSocketMessage) {
  auto session = Connected();
  session->OnFrame(
      "\n\r\nMESSAGE\n\n1"s + '\0' + "\n" + "MESSAGE\r\na:b\r\n\r\n2"s + '\0' + "\r\n\n", false,
      link);
  session->OnFrame("\n", false, link);  // a heart-beat alone
  ASSERT_EQ(link.messages.size(), 2u);
  EXPECT_EQ(link.messages[0].payload, "1");
  EXPECT_EQ(link.messages[1].payload, "2");
  EXPECT_EQ(link.messages[1].meta.headers.at(0).second, "b");  // CR of CR LF is not the value's
  EXPECT_TRUE(link.errors.empty());
}

TEST_F(StompTest, FramesSplitAtEveryByteAreReassembled) {
  std::string stream = "MESSAGE\nsubscription:s\\c1\ncontent-length:3\n\nx\0y"s + '\0' +
                       "\nRECEIPT\nreceipt-id:r-7\n\n"s + '\0' + "MESSAGE\n\nlast"s + '\0';
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    link = RecordingLink();
    auto session = Connected();
    session->OnFrame(std::string_view(stream).substr(0, cut), false, link);
    session->OnFrame(std::string_view(stream).substr(cut), false, link);
    ASSERT_EQ(link.messages.size(), 2u);
    EXPECT_EQ(link.messages[0].payload, "x\0y"s);
    EXPECT_EQ(link.messages[0].meta.headers.at(0).second, "s:1");
    EXPECT_EQ(link.messages[1].payload, "last");
    EXPECT_EQ(link.replied, std::vector<std::string>{"r-7"});
    EXPECT_TRUE(link.errors.empty());
  }
  // One byte per WebSocket message.
  link = RecordingLink();
  auto session = Connected();
  for (char c : stream) session->OnFrame(std::string_view(&c, 1), false, link);
  EXPECT_EQ(link.messages.size(), 2u);
  EXPECT_EQ(link.replied.size(), 1u);
}

TEST_F(StompTest, MalformedFramesCloseTheConnection) {
  const std::vector<std::string> bad = {
      "MESSAGE\nno-colon\n\n"s + '\0',             // a header without ':'
      "MESSAGE\nbad:esc\\t\n\n"s + '\0',           // an undefined escape
      "MESSAGE\ncontent-length:2\n\nabc"s + '\0',  // longer than content-length
      "MESSAGE\ncontent-length:x\n\nabc"s + '\0',  // not a number
      "\0"s,                                       // no command
  };
  for (const std::string& frame : bad) {
    SCOPED_TRACE(frame);
    link = RecordingLink();
    auto session = Connected();
    session->OnFrame(frame, false, link);
    session->OnFrame("MESSAGE\n\nafter"s + '\0', false, link);  // ignored: the session failed
    ASSERT_EQ(link.errors.size(), 1u);
    EXPECT_TRUE(link.errors[0].second);
    EXPECT_TRUE(link.messages.empty());
  }
}

TEST_F(StompTest, AFrameThatNeverEndsIsBounded) {
  auto session = Connected();
  std::string chunk(1u << 20, 'x');  // a header line 1 MiB at a time, never ended
  session->OnFrame("MESSAGE\n", false, link);
  size_t sent = 0;
  while (link.errors.empty() && sent <= StompSession::kMaxPendingBytes) {
    session->OnFrame(chunk, false, link);
    sent += chunk.size();
  }
  ASSERT_EQ(link.errors.size(), 1u);
  EXPECT_EQ(link.errors[0].first, "STOMP frame larger than 64 MiB without its end");
  EXPECT_TRUE(link.errors[0].second);
  EXPECT_GT(sent, StompSession::kMaxPendingBytes - chunk.size());
}

TEST_F(StompTest, MessageBeforeConnectedIsAProtocolError) {
  StompSession session(setup);
  session.Start(link);
  session.OnFrame("MESSAGE\n\nx"s + '\0', false, link);
  EXPECT_EQ(link.ready, 0);
  EXPECT_TRUE(link.messages.empty());
  ASSERT_EQ(link.errors.size(), 1u);
  EXPECT_EQ(link.errors[0].first, "unexpected STOMP frame MESSAGE before CONNECTED");
  EXPECT_TRUE(link.errors[0].second);
}

TEST_F(StompTest, ErrorFrameReportsMessageAndBodyAndFailsItsReceipt) {
  StompSession session(setup);
  session.Start(link);
  // A bad login: ERROR instead of CONNECTED.
  session.OnFrame("ERROR\nmessage:Access refused\ncontent-type:text/plain\n\nBad login\n"s + '\0',
                  false, link);
  EXPECT_EQ(link.ready, 0);
  ASSERT_EQ(link.errors.size(), 1u);
  EXPECT_EQ(link.errors[0].first, "STOMP ERROR: Access refused (Bad login)");
  EXPECT_TRUE(link.errors[0].second);

  link = RecordingLink();
  auto connected = Connected();
  connected->OnFrame(
      "ERROR\nreceipt-id:r-3\nmessage:not_found\n\n"s + '\0' + "MESSAGE\n\nx"s + '\0', false, link);
  ASSERT_EQ(link.reply_failures.size(), 1u);
  EXPECT_EQ(link.reply_failures[0].first, "r-3");
  EXPECT_EQ(link.reply_failures[0].second, "STOMP ERROR: not_found");
  EXPECT_EQ(link.errors.size(), 1u);
  EXPECT_TRUE(link.messages.empty());  // nothing after an ERROR
}

TEST_F(StompTest, SendWritesDestinationHeadersJsonTypeAndReceipt) {
  auto session = Connected();
  ProtocolCommand send;
  send.kind = ProtocolCommand::Kind::kSend;
  send.destination = "/topic/t";
  send.headers = {{"x:y", "a\nb\\"}, {"content-length", "999"}};
  send.body = "{\"text\":\"hi\"}";
  send.json = true;  // a `json:` body: typed as JSON
  send.wants_reply = true;
  std::string key;
  EXPECT_EQ(Encode(*session, send, &key),
            "SEND\ndestination:/topic/t\nx\\cy:a\\nb\\\\\ncontent-type:application/json\n"
            "receipt:r-1\ncontent-length:13\n\n{\"text\":\"hi\"}"s +
                '\0');
  EXPECT_EQ(key, "r-1");
  session->OnFrame("RECEIPT\nreceipt-id:r-1\n\n"s + '\0', false, link);
  EXPECT_EQ(link.replied, std::vector<std::string>{"r-1"});

  send.headers = {{"content-type", "text/plain"}};
  send.wants_reply = false;
  EXPECT_EQ(Encode(*session, send, &key),
            "SEND\ndestination:/topic/t\ncontent-type:text/plain\ncontent-length:13\n\n"
            "{\"text\":\"hi\"}"s +
                '\0');
  EXPECT_EQ(key, "");

  send.headers.clear();
  send.body = "\0\1"s;
  send.binary = true;
  send.json = false;
  std::string error;
  session->Encode(send, link, &error);
  ASSERT_EQ(link.frames.size(), 1u);
  EXPECT_TRUE(link.frames[0].binary);
  EXPECT_EQ(link.frames[0].data, "SEND\ndestination:/topic/t\ncontent-length:2\n\n\0\1\0"s);
}

TEST_F(StompTest, SubscribeUnsubscribeAckNack) {
  auto session = Connected();
  ProtocolCommand subscribe;
  subscribe.kind = ProtocolCommand::Kind::kSubscribe;
  subscribe.id = "s1";
  subscribe.destination = "/topic/t";
  subscribe.ack_mode = graph::Subscribe::AckMode::kClientIndividual;
  subscribe.headers = {{"prefetch-count", "10"}};
  EXPECT_EQ(
      Encode(*session, subscribe),
      "SUBSCRIBE\nid:s1\ndestination:/topic/t\nack:client-individual\nprefetch-count:10\n\n"s +
          '\0');
  subscribe.ack_mode = graph::Subscribe::AckMode::kClient;
  subscribe.id = "s2";
  subscribe.headers.clear();
  subscribe.wants_reply = true;
  std::string key;
  EXPECT_EQ(Encode(*session, subscribe, &key),
            "SUBSCRIBE\nid:s2\ndestination:/topic/t\nack:client\nreceipt:r-1\n\n"s + '\0');
  EXPECT_EQ(key, "r-1");

  ProtocolCommand unsubscribe;
  unsubscribe.kind = ProtocolCommand::Kind::kUnsubscribe;
  unsubscribe.id = "s1";
  EXPECT_EQ(Encode(*session, unsubscribe), "UNSUBSCRIBE\nid:s1\n\n"s + '\0');

  ProtocolCommand ack;
  ack.kind = ProtocolCommand::Kind::kAck;
  ack.ack_id = "T_s1@@session@@1";
  EXPECT_EQ(Encode(*session, ack), "ACK\nid:T_s1@@session@@1\n\n"s + '\0');
  ack.kind = ProtocolCommand::Kind::kNack;
  EXPECT_EQ(Encode(*session, ack), "NACK\nid:T_s1@@session@@1\n\n"s + '\0');
}

TEST_F(StompTest, StepsThatCannotBeEncodedAreErrors) {
  auto session = Connected();
  auto error_of = [&](const ProtocolCommand& command) {
    std::string error;
    session->Encode(command, link, &error);
    return error;
  };
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSend;
  EXPECT_EQ(error_of(command), "send on a stomp connection needs a `destination`");
  command.kind = ProtocolCommand::Kind::kEmit;
  command.event = "chat";
  EXPECT_NE(error_of(command).find("emit is socket.io's"), std::string::npos);
  command.kind = ProtocolCommand::Kind::kUnsubscribe;
  command.id = "nope";
  EXPECT_EQ(error_of(command), "unsubscribe: no STOMP subscription \"nope\" on this connection");
  command.kind = ProtocolCommand::Kind::kSubscribe;
  command.id = "s";
  command.destination = "/queue/q";
  EXPECT_EQ(error_of(command), "");
  EXPECT_EQ(error_of(command), "subscribe: STOMP subscription id \"s\" is already in use");
  EXPECT_EQ(link.frames.size(), 1u);
}

TEST_F(StompTest, HeartbeatsAreNegotiatedByTheLargerOfBothSides) {
  struct Case {
    int cx, cy;          // ours, ms
    std::string server;  // CONNECTED heart-beat
    int interval_ms;     // HeartbeatInterval
  };
  const std::vector<Case> cases = {
      {0, 0, "5000,5000", 0},         {1000, 0, "0,0", 0},
      {1000, 0, "0,3000", 3000},      {1000, 1000, "500,0", 1000},
      {4000, 2000, "3000,500", 3000}, {0, 1000, "200,9000", 1000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.server);
    link = RecordingLink();
    options.heartbeat_send = milliseconds(c.cx);
    options.heartbeat_receive = milliseconds(c.cy);
    auto session = Connected("CONNECTED\nversion:1.2\nheart-beat:"s + c.server + "\n\n" + '\0');
    EXPECT_EQ(session->HeartbeatInterval(), milliseconds(c.interval_ms));
  }
}

TEST_F(StompTest, HeartbeatSendsEolAndDetectsASilentServer) {
  options.heartbeat_send = seconds(1);
  options.heartbeat_receive = seconds(1);
  auto session = Connected("CONNECTED\nversion:1.2\nheart-beat:1000,1000\n\n"s + '\0');
  ASSERT_EQ(session->HeartbeatInterval(), seconds(1));
  link.now += seconds(1);
  session->OnHeartbeat(seconds(1), link);
  EXPECT_EQ(link.TakeFrames(), std::vector<std::string>{"\n"});
  // A frame sent just now: no EOL needed until the next period.
  link.now += milliseconds(1);
  ProtocolCommand ack;
  ack.kind = ProtocolCommand::Kind::kAck;
  ack.ack_id = "a";
  Encode(*session, ack);
  session->OnHeartbeat(milliseconds(1), link);
  EXPECT_TRUE(link.TakeFrames().empty());
  // The server is allowed twice its period; beyond, the connection is closed.
  link.now += seconds(1);
  session->OnHeartbeat(seconds(2), link);
  EXPECT_TRUE(link.errors.empty());
  EXPECT_EQ(link.TakeFrames(), std::vector<std::string>{"\n"});
  link.now += seconds(1);
  session->OnHeartbeat(milliseconds(2001), link);
  ASSERT_EQ(link.errors.size(), 1u);
  EXPECT_EQ(link.errors[0].first,
            "STOMP server silent for 2001 ms (its heart-beat: every 1000 ms)");
  EXPECT_TRUE(link.errors[0].second);
  session->OnHeartbeat(seconds(3), link);
  EXPECT_EQ(link.errors.size(), 1u);
  EXPECT_TRUE(link.frames.empty());
}

TEST_F(StompTest, StopSendsDisconnectWhoseReceiptSettlesNothing) {
  auto session = Connected();
  session->Stop(link);
  EXPECT_EQ(link.TakeFrames(),
            std::vector<std::string>{"DISCONNECT\nreceipt:disconnect\n\n"s + '\0'});
  session->OnFrame("RECEIPT\nreceipt-id:disconnect\n\n"s + '\0', false, link);
  EXPECT_TRUE(link.replied.empty());
  StompSession unconnected(setup);
  unconnected.Stop(link);
  EXPECT_TRUE(link.frames.empty());
}

}  // namespace
}  // namespace wsyaml::engine
