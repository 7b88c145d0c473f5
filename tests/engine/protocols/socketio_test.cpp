// The socket.io session on bytes: what it sends for what it receives, the frames socket.io's
// own parser (npm socket.io-parser, engine.io-parser 5) writes and reads.
#include "engine/protocols/socketio.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/protocols/recording_link.h"

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;
using testing::RecordingLink;
using Strings = std::vector<std::string>;

constexpr const char* kOpen =
    R"(0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

struct Fixture {
  graph::ProtocolOptions options;
  std::unique_ptr<ProtocolSession> session;
  RecordingLink link;

  explicit Fixture(const std::string& nsp = "/", const std::string& auth = "") {
    options.kind = graph::Protocol::kSocketIo;
    options.socketio_namespace = nsp;
    ProtocolSetup setup;
    setup.options = &options;
    setup.auth = auth;
    session = MakeSocketIoSession(setup);
    session->Start(link);
  }
  void Text(const std::string& frame) { session->OnFrame(frame, false, link); }
  // Open and namespace connect done; the frames sent so far forgotten.
  void Connect(const std::string& ack = R"(40{"sid":"s1"})") {
    Text(kOpen);
    Text(ack);
    link.TakeFrames();
  }
  std::string Emit(const std::string& event, const Strings& args, bool ack,
                   std::vector<bool> binary = {}) {
    ProtocolCommand command;
    command.kind = ProtocolCommand::Kind::kEmit;
    command.event = event;
    command.args = args;
    command.args_binary = binary.empty() ? std::vector<bool>(args.size(), false) : binary;
    command.wants_reply = ack;
    std::string error;
    std::string key = session->Encode(command, link, &error);
    EXPECT_EQ(error, "");
    return key;
  }
};

TEST(SocketIo, WaitsForTheOpenPacketThenConnectsTheDefaultNamespace) {
  Fixture f;
  EXPECT_TRUE(f.link.frames.empty());
  f.Text(kOpen);
  EXPECT_EQ(f.link.TakeFrames(), Strings{"40"});
  EXPECT_EQ(f.link.ready, 0);
  f.Text(R"(40{"sid":"s1"})");
  EXPECT_EQ(f.link.ready, 1);
  EXPECT_TRUE(f.link.errors.empty());
}

TEST(SocketIo, ConnectsANamedNamespaceWithAuth) {
  Fixture f("/chat", R"({"token":"abc"})");
  f.Text(kOpen);
  EXPECT_EQ(f.link.TakeFrames(), Strings{R"(40/chat,{"token":"abc"})"});
  f.Text(R"(40{"sid":"other"})");  // the default namespace's, not ours
  EXPECT_EQ(f.link.ready, 0);
  f.Text(R"(40/chat,{"sid":"s2"})");
  EXPECT_EQ(f.link.ready, 1);
}

TEST(SocketIo, ConnectErrorIsAProtocolErrorThatCloses) {
  Fixture f("/admin");
  f.Text(kOpen);
  f.Text(R"(44/admin,{"message":"not authorized"})");
  ASSERT_EQ(f.link.errors.size(), 1u);
  EXPECT_EQ(f.link.errors[0].first,
            "socket.io: namespace /admin refused the connection: not authorized");
  EXPECT_TRUE(f.link.errors[0].second);
  EXPECT_EQ(f.link.ready, 0);
}

TEST(SocketIo, PingIsAnsweredAtOnceWithItsData) {
  Fixture f;
  f.Connect();
  f.Text("2");
  f.Text("2probe");
  EXPECT_EQ(f.link.TakeFrames(), (Strings{"3", "3probe"}));
}

TEST(SocketIo, AServerThatStopsPingingIsAnErrorAfterIntervalPlusTimeout) {
  Fixture f;
  f.Connect();
  EXPECT_EQ(f.session->HeartbeatInterval(), std::chrono::microseconds(45s) / 4);
  f.link.now += 30s;
  f.Text("2");
  f.link.now += 45s;  // exactly the allowance since the last ping: still fine
  f.session->OnHeartbeat(0s, f.link);
  EXPECT_TRUE(f.link.errors.empty());
  f.link.now += 1ms;
  f.session->OnHeartbeat(0s, f.link);
  ASSERT_EQ(f.link.errors.size(), 1u);
  EXPECT_NE(f.link.errors[0].first.find("no ping from the server"), std::string::npos);
  EXPECT_TRUE(f.link.errors[0].second);
}

TEST(SocketIo, EventDeliversItsNameFirstArgumentAndAllArguments) {
  Fixture f;
  f.Connect();
  f.Text(R"(42["chat",{"text":"hi","n":[1,"]"]},2,"x"])");
  ASSERT_EQ(f.link.messages.size(), 1u);
  const AppMessage& m = f.link.messages[0];
  EXPECT_EQ(m.meta.event, "chat");
  EXPECT_EQ(m.payload, R"({"text":"hi","n":[1,"]"]})");
  EXPECT_EQ(m.meta.args_json, R"([{"text":"hi","n":[1,"]"]},2,"x"])");
  EXPECT_EQ(m.meta.attachments, 0);
  EXPECT_TRUE(f.link.frames.empty());
}

TEST(SocketIo, EventWithoutArgumentsAndWithAnEscapedName) {
  Fixture f;
  f.Connect();
  f.Text(R"(42["tick"])");
  f.Text(R"(42["a\"b", "s"])");
  ASSERT_EQ(f.link.messages.size(), 2u);
  EXPECT_EQ(f.link.messages[0].meta.event, "tick");
  EXPECT_EQ(f.link.messages[0].payload, "");
  EXPECT_EQ(f.link.messages[0].meta.args_json, "[]");
  EXPECT_EQ(f.link.messages[1].meta.event, "a\"b");
  EXPECT_EQ(f.link.messages[1].payload, R"("s")");
}

TEST(SocketIo, EventsOfOtherNamespacesAreIgnored) {
  Fixture f("/chat");
  f.Connect(R"(40/chat,{"sid":"s"})");
  f.Text(R"(42["chat","default ns"])");
  f.Text(R"(42/chat,["chat","ours"])");
  ASSERT_EQ(f.link.messages.size(), 1u);
  EXPECT_EQ(f.link.messages[0].payload, R"("ours")");
}

TEST(SocketIo, AServerAskingForAnAckGetsAnEmptyOne) {
  Fixture f("/chat");
  f.Connect(R"(40/chat,{"sid":"s"})");
  f.Text(R"(42/chat,17["question",1])");
  EXPECT_EQ(f.link.TakeFrames(), Strings{"43/chat,17[]"});
  ASSERT_EQ(f.link.messages.size(), 1u);
  EXPECT_EQ(f.link.messages[0].meta.event, "question");
}

TEST(SocketIo, EmitEncodesEventAndArgumentsWithAckIdsCountingUp) {
  Fixture f("/chat");
  f.Connect(R"(40/chat,{"sid":"s"})");
  EXPECT_EQ(f.Emit("chat", {R"({"text":"hi"})"}, true), "0");
  EXPECT_EQ(f.Emit("say \"x\"", {"1", R"("two")"}, false), "");
  EXPECT_EQ(f.Emit("ping", {}, true), "1");
  EXPECT_EQ(f.link.TakeFrames(),
            (Strings{R"(42/chat,0["chat",{"text":"hi"}])", R"(42/chat,["say \"x\"",1,"two"])",
                     R"(42/chat,1["ping"])"}));
  f.Text(R"(43/chat,1["ok"])");
  f.Text(R"(430["ok"])");  // the default namespace's ack 0: not ours
  f.Text(R"(43/chat,0[])");
  EXPECT_EQ(f.link.replied, (Strings{"1", "0"}));
}

TEST(SocketIo, BinaryArgumentsGoAsPlaceholdersAndAttachments) {
  Fixture f;
  f.Connect();
  EXPECT_EQ(f.Emit("file", {"\x01\x02", R"("name")", "\xff"}, true, {true, false, true}), "0");
  ASSERT_EQ(f.link.frames.size(), 3u);
  EXPECT_EQ(f.link.frames[0].data,
            R"(452-0["file",{"_placeholder":true,"num":0},"name",{"_placeholder":true,"num":1}])");
  EXPECT_FALSE(f.link.frames[0].binary);
  EXPECT_EQ(f.link.frames[1].data, "\x01\x02");
  EXPECT_TRUE(f.link.frames[1].binary);
  EXPECT_EQ(f.link.frames[2].data, "\xff");
}

TEST(SocketIo, BinaryEventIsDeliveredOnceItsAttachmentsArrived) {
  Fixture f;
  f.Connect();
  f.Text(R"(452-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  f.session->OnFrame("\x01", true, f.link);
  EXPECT_TRUE(f.link.messages.empty());
  f.session->OnFrame("\x02", true, f.link);
  ASSERT_EQ(f.link.messages.size(), 1u);
  EXPECT_EQ(f.link.messages[0].meta.event, "upload");
  EXPECT_EQ(f.link.messages[0].meta.attachments, 2);
  EXPECT_EQ(f.link.messages[0].payload, R"({"_placeholder":true,"num":0})");
  f.session->OnFrame("\x03", true, f.link);  // announced by nothing
  ASSERT_EQ(f.link.errors.size(), 1u);
  EXPECT_FALSE(f.link.errors[0].second);
}

TEST(SocketIo, BinaryAckSettlesTheEmitOnceItsAttachmentArrived) {
  Fixture f;
  f.Connect();
  f.Emit("get", {}, true);
  f.Text(R"(461-0[{"_placeholder":true,"num":0}])");
  EXPECT_TRUE(f.link.replied.empty());
  f.session->OnFrame("data", true, f.link);
  EXPECT_EQ(f.link.replied, Strings{"0"});
}

TEST(SocketIo, SendEmitsMessageAsJsonOrAsAString) {
  Fixture f;
  f.Connect();
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSend;
  std::string error;
  for (const char* body : {R"({"a":1})", "hello \"you\"", "12", "true", "12 monkeys"}) {
    command.body = body;
    f.session->Encode(command, f.link, &error);
  }
  EXPECT_EQ(error, "");
  EXPECT_EQ(
      f.link.TakeFrames(),
      (Strings{R"(42["message",{"a":1}])", R"(42["message","hello \"you\""])",
               R"(42["message",12])", R"(42["message",true])", R"(42["message","12 monkeys"])"}));
}

TEST(SocketIo, BinarySendIsOneAttachmentOfMessage) {
  Fixture f;
  f.Connect();
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSend;
  command.body = std::string("\0\1", 2);
  command.binary = true;
  std::string error;
  f.session->Encode(command, f.link, &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(f.link.frames.size(), 2u);
  EXPECT_EQ(f.link.frames[0].data, R"(451-["message",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(f.link.frames[1].data, std::string("\0\1", 2));
  EXPECT_TRUE(f.link.frames[1].binary);
}

TEST(SocketIo, StepsOfOtherProtocolsAreRefused) {
  Fixture f;
  f.Connect();
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSubscribe;
  std::string error;
  f.session->Encode(command, f.link, &error);
  EXPECT_NE(error, "");
  EXPECT_TRUE(f.link.frames.empty());
}

TEST(SocketIo, ServerDisconnectAndEngineCloseClose) {
  Fixture f("/chat");
  f.Connect(R"(40/chat,{"sid":"s"})");
  f.Text("41/chat,");
  ASSERT_EQ(f.link.errors.size(), 1u);
  EXPECT_TRUE(f.link.errors[0].second);
  f.session->Stop(f.link);  // already disconnected: no goodbye
  EXPECT_TRUE(f.link.frames.empty());
  Fixture g;
  g.Connect();
  g.Text("1");
  ASSERT_EQ(g.link.errors.size(), 1u);
  EXPECT_TRUE(g.link.errors[0].second);
}

TEST(SocketIo, StopDisconnectsTheNamespace) {
  Fixture f("/chat");
  f.Connect(R"(40/chat,{"sid":"s"})");
  f.session->Stop(f.link);
  EXPECT_EQ(f.link.TakeFrames(), Strings{"41/chat,"});
}

TEST(SocketIo, MalformedPacketsAreErrorsThatDoNotClose) {
  Fixture f;
  f.Connect();
  for (const char* bad :
       {"", "9", "47", R"(42{"not":"an array"})", "450-[\"x\"]", "43[]", R"(42["a\x"])"})
    f.Text(bad);
  ASSERT_EQ(f.link.errors.size(), 7u);
  for (const auto& [message, close] : f.link.errors) EXPECT_FALSE(close) << message;
  EXPECT_TRUE(f.link.messages.empty());
}

// Truncations and byte flips of valid frames: every one is decoded or reported, none read out
// of bounds (the sanitized pass checks that) or throws.
TEST(SocketIo, MutatedFramesAreDecodedOrReported) {
  const std::vector<std::string> valid = {
      R"(42/chat,17["chat",{"t":"a\"]}"},[1,2],"x"])", R"(452-/chat,["u",{"_placeholder":true}])",
      R"(43/chat,3["ok"])", R"(461-/chat,4[{"_placeholder":true,"num":0}])", R"(44/chat,{"m":1})"};
  constexpr std::string_view kBytes = "[]{}\",/0123456789x\\";
  std::mt19937 random(13);
  for (int round = 0; round < 20000; ++round) {
    Fixture f("/chat");
    f.Connect(R"(40/chat,{"sid":"s"})");
    std::string frame = valid[random() % valid.size()];
    frame.resize(random() % (frame.size() + 1));
    for (int flips = random() % 3; flips > 0 && !frame.empty(); --flips)
      frame[random() % frame.size()] = kBytes[random() % kBytes.size()];
    f.Text(frame);
    f.session->OnFrame("\x01", true, f.link);
    EXPECT_LE(f.link.messages.size() + f.link.replied.size(), 1u) << frame;
  }
}

TEST(SocketIo, AMalformedOpenPacketCloses) {
  Fixture f;
  f.Text("0{}");
  ASSERT_EQ(f.link.errors.size(), 1u);
  EXPECT_TRUE(f.link.errors[0].second);
  EXPECT_TRUE(f.link.frames.empty());
}

}  // namespace
}  // namespace wsyaml::engine
