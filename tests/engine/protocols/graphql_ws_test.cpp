// graphql-ws (graphql-transport-ws) on bytes: what the session sends and what it reports.
#include "engine/protocols/graphql_ws.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "recording_link.h"

namespace wsyaml::engine::testing {
namespace {

using std::chrono::milliseconds;
using Strings = std::vector<std::string>;

ProtocolCommand SubscribeCommand(const std::string& name, bool wants_reply = true) {
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSubscribe;
  command.id = name;
  command.query = "subscription { ticks(n: 3) }";
  command.wants_reply = wants_reply;
  return command;
}

ProtocolCommand UnsubscribeCommand(const std::string& name) {
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kUnsubscribe;
  command.id = name;
  return command;
}

// A session past connection_ack, its frames so far forgotten.
struct Acked {
  GraphqlWsSession session{""};
  RecordingLink link;
  Acked() {
    session.Start(link);
    session.OnFrame(R"({"type":"connection_ack"})", false, link);
    link.TakeFrames();
  }
  std::string Subscribe(const std::string& name, bool wants_reply = true) {
    std::string error;
    std::string key = session.Encode(SubscribeCommand(name, wants_reply), link, &error);
    EXPECT_EQ(error, "");
    return key;
  }
  void Frame(const std::string& text) { session.OnFrame(text, false, link); }
};

TEST(GraphqlWs, ConnectionInitCarriesThePayloadAndReadyWaitsForTheAck) {
  GraphqlWsSession session(R"({"token":"abc"})");
  RecordingLink link;
  session.Start(link);
  EXPECT_EQ(link.TakeFrames(), Strings{R"({"type":"connection_init","payload":{"token":"abc"}})"});
  EXPECT_EQ(link.ready, 0);
  session.OnFrame(R"({"type":"ping"})", false, link);
  EXPECT_EQ(link.ready, 0);
  session.OnFrame(R"({"type":"connection_ack","payload":{}})", false, link);
  session.OnFrame(R"({"type":"connection_ack"})", false, link);
  EXPECT_EQ(link.ready, 1);
  EXPECT_TRUE(link.errors.empty());
}

TEST(GraphqlWs, ConnectionInitWithoutPayload) {
  GraphqlWsSession session("");
  RecordingLink link;
  session.Start(link);
  EXPECT_EQ(link.TakeFrames(), Strings{R"({"type":"connection_init"})"});
}

TEST(GraphqlWs, PingIsAnsweredWithPongAndItsPayloadPongIsIgnored) {
  Acked a;
  a.Frame(R"({"type":"ping"})");
  a.Frame(R"({ "type" : "ping", "payload" : {"t": 1} })");
  a.Frame(R"({"type":"pong"})");
  EXPECT_EQ(a.link.TakeFrames(),
            (Strings{R"({"type":"pong"})", R"({"type":"pong","payload":{"t": 1}})"}));
  EXPECT_TRUE(a.link.messages.empty());
  EXPECT_TRUE(a.link.errors.empty());
}

TEST(GraphqlWs, SubscribeHasAutomaticIdsAndEscapedQuery) {
  Acked a;
  ProtocolCommand command = SubscribeCommand("prices");
  command.query = "subscription P($s: String!) {\n  price(symbol: $s) { \"v\" }\n}";
  command.variables = R"({"s":"ACME"})";
  command.operation_name = "P";
  std::string error;
  EXPECT_EQ(a.session.Encode(command, a.link, &error), "1");
  EXPECT_EQ(a.Subscribe("news", false), "");
  EXPECT_EQ(error, "");
  EXPECT_EQ(a.link.TakeFrames(),
            (Strings{R"({"id":"1","type":"subscribe","payload":{"query":"subscription P($s: )"
                     R"(String!) {\n  price(symbol: $s) { \"v\" }\n}","variables":{"s":"ACME"},)"
                     R"("operationName":"P"}})",
                     R"({"id":"2","type":"subscribe","payload":{"query":"subscription )"
                     R"({ ticks(n: 3) }"}})"}));
}

TEST(GraphqlWs, NextIsAMessageNamedByItsSubscriptionFirstOneIsTheReply) {
  Acked a;
  std::string key = a.Subscribe("prices");
  a.link.TakeFrames();
  a.Frame(R"({"id":"1","type":"next","payload":{"data":{"price":1}}})");
  a.link.now += milliseconds(250);
  a.Frame(R"({"payload":{"data":{"price":"}{"}},"type":"next","id":"1"})");
  a.link.now += milliseconds(100);
  a.Frame(R"({"id":"1","type":"next","payload":{"data":{"price":3}}})");
  ASSERT_EQ(a.link.messages.size(), 3u);
  EXPECT_EQ(a.link.messages[0].payload, R"({"data":{"price":1}})");
  EXPECT_EQ(a.link.messages[1].payload, R"({"data":{"price":"}{"}})");
  EXPECT_EQ(a.link.messages[2].meta.event, "prices");
  EXPECT_FALSE(a.link.messages[0].binary);
  EXPECT_EQ(a.link.replied, Strings{key});
  ASSERT_EQ(a.link.intervals.size(), 2u);
  EXPECT_EQ(a.link.intervals[0].first, "prices");
  EXPECT_EQ(a.link.intervals[0].second, milliseconds(250));
  EXPECT_EQ(a.link.intervals[1].second, milliseconds(100));
  EXPECT_TRUE(a.link.frames.empty());  // nexts are not answered
}

TEST(GraphqlWs, EscapesInsideStringsDoNotEndThem) {
  Acked a;
  a.Subscribe("s");
  a.Frame(R"({"id":"1","type":"next","payload":{"t":"a\\","u":"b\"}{\\\"","v":[1,{"w":"]"}]}})");
  ASSERT_EQ(a.link.messages.size(), 1u);
  EXPECT_EQ(a.link.messages[0].payload, R"({"t":"a\\","u":"b\"}{\\\"","v":[1,{"w":"]"}]})");
  a.Frame(R"({"id":"1","type":"next","payload":{"t":"a\\"}x}})");
  EXPECT_EQ(a.link.errors.size(), 1u);
}

TEST(GraphqlWs, TwoSubscriptionsInterleaveByIdAndUnknownIdsAreIgnored) {
  Acked a;
  a.Subscribe("a");
  a.Subscribe("b");
  a.Frame(R"({"id":"2","type":"next","payload":{"v":"b1"}})");
  a.Frame(R"({"id":"9","type":"next","payload":{"v":"x"}})");
  a.Frame(R"({"id":"1","type":"next","payload":{"v":"a1"}})");
  ASSERT_EQ(a.link.messages.size(), 2u);
  EXPECT_EQ(a.link.messages[0].meta.event, "b");
  EXPECT_EQ(a.link.messages[1].meta.event, "a");
  EXPECT_EQ(a.link.replied, (Strings{"2", "1"}));
  EXPECT_TRUE(a.link.intervals.empty());
}

TEST(GraphqlWs, ErrorBeforeTheFirstNextFailsTheReply) {
  Acked a;
  a.Subscribe("prices");
  a.Frame(R"({"id":"1","type":"error","payload":[{"message":"Cannot query field"}]})");
  ASSERT_EQ(a.link.reply_failures.size(), 1u);
  EXPECT_EQ(a.link.reply_failures[0].first, "1");
  EXPECT_NE(a.link.reply_failures[0].second.find("Cannot query field"), std::string::npos);
  EXPECT_TRUE(a.link.errors.empty());
  a.Frame(R"({"id":"1","type":"next","payload":{}})");  // ended: ignored
  EXPECT_TRUE(a.link.messages.empty());
}

TEST(GraphqlWs, ErrorAfterTheFirstNextIsAProtocolErrorThatKeepsTheConnection) {
  Acked a;
  a.Subscribe("prices");
  a.Frame(R"({"id":"1","type":"next","payload":{}})");
  a.Frame(R"({"id":"1","type":"error","payload":[{"message":"boom"}]})");
  ASSERT_EQ(a.link.errors.size(), 1u);
  EXPECT_NE(a.link.errors[0].first.find("prices"), std::string::npos);
  EXPECT_NE(a.link.errors[0].first.find("boom"), std::string::npos);
  EXPECT_FALSE(a.link.errors[0].second);
  EXPECT_TRUE(a.link.reply_failures.empty());
}

TEST(GraphqlWs, ServerCompleteEndsTheSubscriptionAndALaterUnsubscribeIsANoOp) {
  Acked a;
  a.Subscribe("prices");
  a.Frame(R"({"id":"1","type":"next","payload":{}})");
  a.Frame(R"({"id":"1","type":"complete"})");
  a.link.TakeFrames();
  std::string error;
  a.session.Encode(UnsubscribeCommand("prices"), a.link, &error);
  EXPECT_EQ(error, "");
  EXPECT_TRUE(a.link.frames.empty());
  EXPECT_TRUE(a.link.reply_failures.empty());
  EXPECT_EQ(a.Subscribe("prices"), "2");  // the name subscribes again, under a new id
}

TEST(GraphqlWs, CompleteBeforeTheFirstNextFailsTheReply) {
  Acked a;
  a.Subscribe("prices");
  a.Frame(R"({"id":"1","type":"complete"})");
  ASSERT_EQ(a.link.reply_failures.size(), 1u);
  EXPECT_NE(a.link.reply_failures[0].second.find("before its first next"), std::string::npos);
}

TEST(GraphqlWs, UnsubscribeSendsCompleteForItsId) {
  Acked a;
  a.Subscribe("a", false);
  a.Subscribe("b", false);
  a.link.TakeFrames();
  std::string error;
  a.session.Encode(UnsubscribeCommand("b"), a.link, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(a.link.TakeFrames(), Strings{R"({"id":"2","type":"complete"})"});
  a.Frame(R"({"id":"2","type":"next","payload":{}})");  // in flight: ignored
  EXPECT_TRUE(a.link.messages.empty());
  a.session.Encode(UnsubscribeCommand("nope"), a.link, &error);
  EXPECT_EQ(error, "unsubscribe: no subscription named nope");
}

TEST(GraphqlWs, UnsubscribeBeforeTheFirstNextSettlesTheReply) {
  Acked a;
  a.Subscribe("prices");
  std::string error;
  a.session.Encode(UnsubscribeCommand("prices"), a.link, &error);
  ASSERT_EQ(a.link.reply_failures.size(), 1u);
  EXPECT_EQ(a.link.reply_failures[0].first, "1");
}

TEST(GraphqlWs, AnActiveNameCannotSubscribeTwice) {
  Acked a;
  a.Subscribe("prices");
  std::string error;
  EXPECT_EQ(a.session.Encode(SubscribeCommand("prices"), a.link, &error), "");
  EXPECT_EQ(error, "subscribe: subscription prices is already active");
  EXPECT_EQ(a.link.TakeFrames().size(), 1u);
}

TEST(GraphqlWs, OtherStepsAreRefused) {
  Acked a;
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kEmit;
  std::string error;
  a.session.Encode(command, a.link, &error);
  EXPECT_NE(error, "");
  EXPECT_TRUE(a.link.frames.empty());
}

TEST(GraphqlWs, MalformedOrUnknownMessagesCloseTheConnection) {
  const char* const kBad[] = {
      "",
      "not json",
      R"({"type":"next")",
      R"({"type":"bogus"})",
      "[]",
      R"({"type":)",
      "{}",
      R"({"type":"next"} x)",
  };
  for (const char* bad : kBad) {
    Acked a;
    a.Frame(bad);
    ASSERT_EQ(a.link.errors.size(), 1u) << bad;
    EXPECT_TRUE(a.link.errors[0].second) << bad;
  }
  Acked a;
  a.session.OnFrame(R"({"type":"ping"})", true, a.link);
  ASSERT_EQ(a.link.errors.size(), 1u);
  EXPECT_TRUE(a.link.frames.empty());
}

TEST(GraphqlWs, ServerCloseCodesOfTheProtocolAreErrors) {
  GraphqlWsSession session("");
  RecordingLink link;
  session.Start(link);
  session.OnClose(4403, "Forbidden", link);
  ASSERT_EQ(link.errors.size(), 1u);
  EXPECT_EQ(link.errors[0].first,
            "graphql-ws: the server closed the connection with 4403 Forbidden "
            "(connection_init refused)");
  EXPECT_FALSE(link.errors[0].second);
  Acked a;
  a.session.OnClose(1000, "", a.link);
  a.session.OnClose(1001, "going away", a.link);
  EXPECT_TRUE(a.link.errors.empty());
  a.session.OnClose(4409, "Subscriber for 1 already exists", a.link);
  ASSERT_EQ(a.link.errors.size(), 1u);
  EXPECT_EQ(a.link.errors[0].first,
            "graphql-ws: the server closed the connection with 4409 Subscriber for 1 already "
            "exists");
}

}  // namespace
}  // namespace wsyaml::engine::testing
