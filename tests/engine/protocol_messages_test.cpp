// What a protocol adds to a message, at run time, from compiled YAML: ${msg.event} (socket.io's
// event name, graphql-ws's subscription name), ${msg.headers.NAME} (a STOMP MESSAGE's headers)
// and ${msg.attachments} (socket.io's binary attachments) in templates, `set`, `check`, `if`
// and `where`. One VU on the manual clock, real sessions, the server's frames by hand.
#include <string>
#include <vector>

#include "scenario/compiler.h"
#include "vu_fixture.h"

namespace wsyaml::engine::testing {
namespace {

using namespace std::string_literals;
using Strings = std::vector<std::string>;

constexpr const char* kOpenPacket =
    R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

class ProtocolMessagesTest : public VuTest {
 protected:
  /// Compiles `yaml` and starts one iteration of its scenario; the socket opens 1 ms later.
  void StartYaml(const std::string& yaml) {
    scenario::CompileOptions options;
    options.file_name = "protocol.yaml";
    compiled_ = scenario::Compile("target: ws://127.0.0.1:9\n" + yaml, options);
    std::string diagnostics;
    for (const auto& d : compiled_.diagnostics) diagnostics += d.Format() + "\n";
    ASSERT_TRUE(compiled_.ok()) << diagnostics;
    ctx_.plan = &*compiled_.plan;
    vu_ = std::make_unique<Vu>(ctx_, compiled_.plan->scenarios[0], 1);
    vu_->StartIteration([this](Vu&, bool completed) {
      done_ = true;
      completed_ = completed;
    });
    scheduler_.Advance(1ms);
    ASSERT_EQ(transport_.sockets().size(), 1u);
  }

  /// The server sends `frames` (each text, or binary after a "binary:" prefix), then 1 ms.
  void Server(const Strings& frames) {
    for (const std::string& frame : frames) {
      bool binary = frame.rfind("binary:", 0) == 0;
      transport_.Deliver(0, binary ? frame.substr(7) : frame, binary);
    }
    scheduler_.Advance(1ms);
  }

  /// The frames the client sent since the last call.
  Strings Sent() {
    std::vector<std::string>& sent = transport_.sockets()[0]->sent;
    Strings out(sent.begin() + static_cast<std::ptrdiff_t>(taken_), sent.end());
    taken_ = sent.size();
    return out;
  }

  uint64_t Passes(const std::string& check) {
    auto it = shard_.checks().find(check);
    return it == shard_.checks().end() ? 0 : it->second.passes;
  }
  uint64_t Fails(const std::string& check) {
    auto it = shard_.checks().find(check);
    return it == shard_.checks().end() ? 0 : it->second.fails;
  }

  scenario::CompileResult compiled_;
  size_t taken_ = 0;
};

TEST_F(ProtocolMessagesTest, SocketIoEventNameAndAttachmentsReachTemplatesAndExpressions) {
  StartYaml(R"(
vars: {seen: none}
steps:
  - connect: {url: /, protocol: socket.io}
  - on-message:
      match: {event: news}
      do:
        - emit: {event: "re-${msg.event}", data: {got: "${msg.event}", title: "${msg.title}"}}
        - set: {seen: "${msg.event}"}
        - check: {name: is-news, that: "${msg.event == 'news' && msg.attachments == 0}"}
  - on-message:
      match: {event: file, where: "${msg.attachments == 2}"}
      do:
        - check: {name: two-attachments, that: "${msg.attachments == 2}"}
        - emit: {event: "got-${msg.event}", args: ["${msg.attachments}", "${args[1]}"]}
  - expect: {match: {event: file}, within: 1s, name: file}
  - if:
      condition: ${seen == 'news'}
      then: [{emit: {event: seen, data: "${seen}"}}]
  - close
)");
  Server({kOpenPacket});
  EXPECT_EQ(Sent(), Strings{"40"});
  Server({R"(40{"sid":"n"})"});
  Server({R"(42["news",{"title":"t1","event":"shadowed"}])"});
  EXPECT_EQ(Sent(), Strings{R"(42["re-news",{"got":"news","title":"t1"}])"});
  EXPECT_EQ(Passes("is-news"), 1u);
  // Two attachments: the event is delivered once both arrived, with their count.
  Server({R"(452-["file",{"_placeholder":true,"num":0},"name",{"_placeholder":true,"num":1}])"});
  EXPECT_EQ(Sent(), Strings{});
  Server({"binary:\x01\x02", "binary:\x03"});
  scheduler_.Advance(10ms);
  EXPECT_EQ(Sent(), (Strings{R"(42["got-file",2,"name"])", R"(42["seen","news"])", "41"}));
  EXPECT_EQ(Passes("two-attachments"), 1u);
  EXPECT_EQ(Passes("file"), 1u);
  EXPECT_EQ(Fails("is-news") + Fails("two-attachments") + Fails("file"), 0u);
  // An event is one message, its attachments included.
  EXPECT_EQ(Counter(MetricId::kWsMsgsReceived), 2);
  EXPECT_TRUE(ErrorTagSets().empty());
  EXPECT_TRUE(done_);
}

TEST_F(ProtocolMessagesTest, StompHeadersReachChecksSetsConditionsAndTemplates) {
  StartYaml(R"(
vars: {dest: "", trace: "", mid: "", last_id: "", last_trace: ""}
steps:
  - connect: {url: /ws, protocol: stomp}
  - subscribe: {destination: /topic/prices, id: p, ack: client-individual}
  - on-message:
      match: {headers: {subscription: p}}
      do:
        - check: {name: destination, that: "${msg.headers.destination == '/topic/prices'}"}
        - check: {name: trace, that: "${msg.headers['x-trace'] == 't-' + msg.seq}"}
        - set: {dest: "${msg.headers.destination}", trace: "${msg.headers['x-trace']}",
                mid: "id ${msg.headers.message-id}"}
        - if:
            condition: ${msg.headers.priority == '9'}
            then: [ack]
            else: [nack]
  - expect: {match: {headers: {destination: /topic/prices}}, within: 1s, name: got}
  - expect:
      match: {headers: {destination: /topic/prices}}
      within: 1s
      name: got
      capture: {last_id: msg.headers.message-id, last_trace: "msg.headers.x-trace"}
  - send:
      destination: "/queue/seen${dest}"
      headers: {x-seen: "${trace}", x-id: "${last_id}", x-mid: "${mid}"}
      text: "${last_trace}"
  - close
)");
  ASSERT_EQ(Sent().size(), 1u);  // CONNECT
  Server({"CONNECTED\nversion:1.2\nheart-beat:0,0\n\n"s + '\0'});
  EXPECT_EQ(
      Sent(),
      Strings{"SUBSCRIBE\nid:p\ndestination:/topic/prices\nack:client-individual\n\n"s + '\0'});
  Server(
      {"MESSAGE\nsubscription:p\nmessage-id:m1\ndestination:/topic/prices\nack:a1\n"
       "x-trace:t-1\npriority:9\n\n{\"seq\":1}"s +
       '\0'});
  EXPECT_EQ(Sent(), Strings{"ACK\nid:a1\n\n"s + '\0'});
  Server(
      {"MESSAGE\nsubscription:p\nmessage-id:m2\ndestination:/topic/prices\nack:a2\n"
       "x-trace:t-2\nx-trace:repeated\n\n{\"seq\":2}"s +
       '\0'});
  Strings sent = Sent();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], "NACK\nid:a2\n\n"s + '\0');
  // The send after the expects: what they captured, and what the handler set.
  EXPECT_EQ(sent[1],
            "SEND\ndestination:/queue/seen/topic/prices\nx-seen:t-2\nx-id:m2\nx-mid:id m2\n"
            "content-length:3\n\nt-2"s +
                '\0');
  EXPECT_EQ(sent[2].rfind("DISCONNECT\n", 0), 0u) << sent[2];
  EXPECT_EQ(Passes("destination"), 2u);
  EXPECT_EQ(Passes("trace"), 2u);  // a repeated header's first value
  EXPECT_EQ(Passes("got"), 2u);
  EXPECT_EQ(Fails("destination") + Fails("trace") + Fails("got"), 0u);
  EXPECT_TRUE(ErrorTagSets().empty());
}

TEST_F(ProtocolMessagesTest, GraphqlWsEventIsTheSubscriptionsName) {
  StartYaml(R"(
vars: {seen: ""}
steps:
  - connect: {url: /graphql, protocol: graphql-ws}
  - subscribe: {name: prices, query: "subscription { price }"}
  - on-message:
      match: {subscription: prices}
      do:
        - check: {name: named, that: "${msg.event == 'prices' && msg.data.price > 0}"}
        - log: "event=${msg.event} price=${msg.data.price}"
  - expect:
      match: {json: {data: {price: 5}}}
      within: 1s
      name: got
      capture: {seen: msg.event}
  - check: {name: after, that: "${seen == 'prices'}"}
  - close
)");
  Server({R"({"type":"connection_ack"})"});
  Strings sent = Sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[1].find(R"("id":"1")"), std::string::npos) << sent[1];
  Server({R"({"id":"1","type":"next","payload":{"data":{"price":5}}})"});
  EXPECT_EQ(Passes("named"), 1u);
  EXPECT_EQ(Passes("got"), 1u);
  EXPECT_EQ(Passes("after"), 1u);
  EXPECT_EQ(Fails("named") + Fails("after"), 0u);
  EXPECT_TRUE(ErrorTagSets().empty());
}

}  // namespace
}  // namespace wsyaml::engine::testing
