// Protocols on a connect (SCENARIO.md section 10) as compiled: the options, the protocol steps,
// the matchers of each protocol, their plan lines, and the errors at their line:column.
#include "compile_helpers.h"

#include "scenario/plan_format.h"

namespace wsyaml::scenario::testing {
namespace {

TEST(ProtocolSteps, SocketIoConnectEmitAndEventMatcher) {
  graph::TestPlan plan = MustCompile(R"(target: ws://127.0.0.1:3000
vars: {room: r1}
steps:
  - connect:
      url: /
      protocol: socket.io
      socket.io: {namespace: /chat, auth: {token: "t-${vu}"}, timeout: 3s}
  - emit: {event: join, data: "${room}", ack: {within: 2s, name: joined}}
  - emit: {event: say, args: [{text: hi}, 2]}
  - expect: {match: {event: said, json: {text: hi}}, within: 1s}
)");
  const auto& steps = Steps(plan);
  ASSERT_EQ(steps.size(), 4u);
  const auto& connect = std::get<graph::Connect>(steps[0].action);
  EXPECT_EQ(connect.protocol.kind, graph::Protocol::kSocketIo);
  EXPECT_EQ(connect.protocol.socketio_namespace, "/chat");
  ASSERT_TRUE(connect.protocol.auth);
  EXPECT_EQ(Render(*connect.protocol.auth), "{\"token\":\"t-{vu/s}\"}");
  EXPECT_EQ(connect.protocol.handshake_timeout, std::chrono::seconds(3));
  const auto& join = std::get<graph::Emit>(steps[1].action);
  EXPECT_EQ(Render(join.event), "join");
  ASSERT_EQ(join.args.size(), 1u);
  ASSERT_TRUE(join.ack);
  EXPECT_EQ(join.ack->name, "joined");
  EXPECT_EQ(join.ack->within, std::chrono::seconds(2));
  EXPECT_EQ(std::get<graph::Emit>(steps[2].action).args.size(), 2u);
  const auto& expect = std::get<graph::Expect>(steps[3].action);
  ASSERT_TRUE(expect.match.event);
  EXPECT_EQ(Render(*expect.match.event), "said");
  std::string text = FormatPlan(plan, false);
  EXPECT_NE(text.find("protocol socket.io namespace /chat"), std::string::npos) << text;
  EXPECT_NE(text.find("emit \"join\""), std::string::npos) << text;
  EXPECT_NE(text.find("ack 'joined' within 2s"), std::string::npos) << text;
  EXPECT_NE(text.find("event=\"said\""), std::string::npos) << text;
}

TEST(ProtocolSteps, StompSubscribeSendReceiptAndAck) {
  graph::TestPlan plan = MustCompile(R"(target: ws://127.0.0.1:15674
steps:
  - connect:
      url: /ws
      protocol: stomp
      stomp: {login: guest, passcode: guest, host: /, heart-beat: [10s, 0s]}
      steps:
        - subscribe: {destination: /topic/t, id: s1, ack: client-individual}
        - on-message:
            match: {headers: {subscription: s1}}
            do: [ack]
        - send: {destination: /topic/t, headers: {priority: "9"}, json: {n: 1}, receipt: {name: sent}}
        - unsubscribe: s1
)");
  const auto& connect = std::get<graph::Connect>(Steps(plan)[0].action);
  EXPECT_EQ(connect.protocol.kind, graph::Protocol::kStomp);
  EXPECT_EQ(Render(connect.protocol.login), "guest");
  EXPECT_EQ(connect.protocol.heartbeat_send, std::chrono::seconds(10));
  EXPECT_EQ(connect.protocol.heartbeat_receive, std::chrono::seconds(0));
  const auto& program = connect.steps;
  ASSERT_EQ(program.size(), 4u);
  const auto& sub = std::get<graph::Subscribe>(program[0].action);
  EXPECT_EQ(sub.id, "s1");
  EXPECT_EQ(sub.ack, graph::Subscribe::AckMode::kClientIndividual);
  EXPECT_EQ(Render(sub.destination), "/topic/t");
  const auto& on = std::get<graph::OnMessage>(program[1].action);
  ASSERT_EQ(on.match.headers.size(), 1u);
  EXPECT_EQ(on.match.headers[0].first, "subscription");
  EXPECT_FALSE(std::get<graph::Acknowledge>(on.body.at(0).action).negative);
  const auto& send = std::get<graph::Send>(program[2].action);
  EXPECT_EQ(Render(send.destination), "/topic/t");
  ASSERT_EQ(send.headers.size(), 1u);
  ASSERT_TRUE(send.receipt);
  EXPECT_EQ(send.receipt->name, "sent");
  EXPECT_EQ(std::get<graph::Unsubscribe>(program[3].action).name, "s1");
}

TEST(ProtocolSteps, GraphqlWsSubscribeAndSubscriptionMatcher) {
  graph::TestPlan plan = MustCompile(R"(target: ws://127.0.0.1:4000
steps:
  - connect:
      url: /graphql
      protocol: graphql-ws
      graphql-ws: {payload: {token: abc}}
  - subscribe:
      name: prices
      query: "subscription ($s: String!) { price(symbol: $s) }"
      variables: {s: ACME}
      within: 3s
  - expect: {match: {subscription: prices, json: {data: {price: 1}}}}
  - unsubscribe: prices
)");
  const auto& steps = Steps(plan);
  const auto& connect = std::get<graph::Connect>(steps[0].action);
  EXPECT_EQ(connect.protocol.kind, graph::Protocol::kGraphqlWs);
  ASSERT_TRUE(connect.protocol.init_payload);
  EXPECT_EQ(Render(*connect.protocol.init_payload), "{\"token\":\"abc\"}");
  const auto& sub = std::get<graph::Subscribe>(steps[1].action);
  EXPECT_EQ(sub.name, "prices");
  ASSERT_TRUE(sub.variables);
  EXPECT_EQ(Render(*sub.variables), "{\"s\":\"ACME\"}");
  ASSERT_TRUE(sub.reply);
  EXPECT_EQ(sub.reply->name, "prices");
  EXPECT_EQ(sub.reply->within, std::chrono::seconds(3));
  const auto& expect = std::get<graph::Expect>(steps[2].action);
  ASSERT_TRUE(expect.match.event);
  EXPECT_EQ(Render(*expect.match.event), "prices");
}

struct BadProtocol {
  const char* yaml;
  int line;
  int column;
  const char* fragment;
};

TEST(ProtocolSteps, EveryErrorAtItsPosition) {
  const BadProtocol cases[] = {
      {"  - connect: {url: /, protocol: socketio}\n", 3, 33, "did you mean 'socket.io'"},
      {"  - connect: {url: /, stomp: {login: a}}\n", 3, 30, "add protocol: stomp"},
      {"  - connect: {url: /, protocol: stomp, stomp: {heart-beat: 10s}}\n", 3, 60,
       "[send, receive]"},
      {"  - connect: {url: /, protocol: socket.io, socket.io: {namespace: chat}}\n", 3, 67,
       "starts with /"},
      {"  - connect: /\n  - emit: {event: a}\n", 4, 5, "needs a socket.io connection"},
      {"  - connect: {url: /, protocol: stomp}\n  - subscribe: {destination: /t}\n"
       "  - expect: {match: {event: a}}\n",
       5, 29, "matches socket.io messages only"},
      {"  - connect: {url: /, protocol: stomp}\n  - ack\n", 4, 5, "on-message"},
      {"  - connect: {url: /, protocol: stomp}\n  - send: {text: hi}\n", 4, 11,
       "needs a destination"},
      {"  - connect: {url: /, protocol: graphql-ws}\n  - subscribe: {name: x}\n", 4, 16,
       "needs a query"},
      {"  - connect: {url: /, protocol: socket.io}\n  - emit: {data: 1}\n", 4, 11,
       "needs an event"},
  };
  for (const auto& c : cases) {
    CompileResult r = CompileText("target: ws://127.0.0.1:1\nsteps:\n" + std::string(c.yaml));
    ASSERT_FALSE(r.ok()) << c.yaml;
    ASSERT_FALSE(r.diagnostics.empty()) << c.yaml;
    const Diagnostic& d = r.diagnostics[0];
    EXPECT_EQ(d.line, c.line) << c.yaml << "\n" << AllDiagnostics(r);
    EXPECT_EQ(d.column, c.column) << c.yaml << "\n" << AllDiagnostics(r);
    EXPECT_NE((d.message + " " + d.hint).find(c.fragment), std::string::npos) << c.yaml << "\n"
                                                                              << AllDiagnostics(r);
  }
}

}  // namespace
}  // namespace wsyaml::scenario::testing
