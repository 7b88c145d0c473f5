// `protocol: stomp` end to end against a real broker: RabbitMQ with rabbitmq_web_stomp and
// rabbitmq_prometheus (rabbitmq_broker.h), started once for this file on free loopback ports
// and stopped at the end. What wsyaml counted is compared exactly with the broker's own
// account: its global message counters (messages received from SENDs, routed, delivered as
// MESSAGE frames, acknowledged, redelivered after a NACK, dropped as unroutable), read before
// and after each run, and its queues (rabbitmqctl list_queues). Covered: the example
// (client-individual ACKs, RECEIPTs), the same without ACKs, `ack: client` (one ACK
// acknowledges every MESSAGE before it), NACK (the broker redelivers), UNSUBSCRIBE (the broker
// stops routing), an ERROR frame, a bad login and heart-beats.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include "process_util.h"
#include "rabbitmq_broker.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class StompEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (access((RabbitBroker::kBin + "rabbitmq-server").c_str(), X_OK) != 0) {
      why_ = "RabbitMQ is not installed (" + RabbitBroker::kBin +
             "rabbitmq-server): apt-get install -y --no-install-recommends rabbitmq-server";
      return;
    }
    // Its ports are picked free but may be taken before the node binds them (other tests on
    // the machine): once more with new ports when the node says a port was in use.
    for (int attempt = 0; attempt < 2 && !broker_; ++attempt) {
      broker_ = new RabbitBroker();
      if (broker_->Start(&why_)) break;
      broker_->Stop();
      delete broker_;
      broker_ = nullptr;
      if (why_.find("already_used") == std::string::npos &&
          why_.find("eaddrinuse") == std::string::npos)
        break;
    }
  }
  static void TearDownTestSuite() {
    if (broker_) broker_->Stop();
    delete broker_;
    broker_ = nullptr;
  }
  void SetUp() override {
    if (!broker_ && why_.find("not installed") != std::string::npos)
      GTEST_SKIP() << "\n\n*** SKIPPED: STOMP END-TO-END TESTS NEED RABBITMQ ***\n*** " << why_
                   << " ***\n\n";
    ASSERT_NE(broker_, nullptr) << why_;
  }
  /// The broker's counters now (its endpoint must answer).
  static BrokerCounts Counts() {
    BrokerCounts counts = broker_->Counts();
    EXPECT_FALSE(counts.empty()) << "rabbitmq_prometheus did not answer on /metrics";
    return counts;
  }
  /// Compares the broker's growth since `before` with `expected` (zeros left out) exactly.
  static void ExpectBrokerCounted(const BrokerCounts& before, BrokerCounts expected,
                                  const ScenarioRun& run) {
    for (auto it = expected.begin(); it != expected.end();)
      it = it->second == 0 ? expected.erase(it) : std::next(it);
    EXPECT_EQ(broker_->GrowthSince(before, expected), expected)
        << "left: the broker's counters (rabbitmq_global_messages_*_total), right: wsyaml's\n"
        << run.Output();
  }
  static RabbitBroker* broker_;
  static std::string why_;
};

RabbitBroker* StompEndToEnd::broker_ = nullptr;
std::string StompEndToEnd::why_;

// What the topic example's frames make the broker count, from what wsyaml counted: wsyaml
// sent 2 SUBSCRIBEs per subscriber (2 VUs x 3), `acks` ACKs and SENDs; each MESSAGE it
// received is one the broker routed to a subscriber's queue and delivered, the `delivered`
// check runs on each from a client-individual subscription, the hellos are auto-acked.
BrokerCounts TopicExampleCounts(const ScenarioRun& run, double acks) {
  const double messages = run.Counter(MetricId::kWsMsgsReceived);
  const double manual = static_cast<double>(run.Passes("delivered"));
  const double receipts = run.Samples(MetricId::kWsReplyTime, {{"name", "published"}});
  return {{"received", run.Counter(MetricId::kWsMsgsSent) - 2 * 3 * 2 - acks},
          {"received_confirm", receipts},  // a SEND with a receipt is a confirmed publish
          {"confirmed", receipts},
          // RabbitMQ 3.10's routed also grows by one for each MESSAGE still unacknowledged
          // when its subscriber closed (measured: 126 = 66 + 60 without `ack`, 66 with it; a
          // NACK's requeue does not grow it).
          {"routed", messages + manual - acks},
          {"delivered", messages},
          {"delivered_consume_manual_ack", manual},
          {"delivered_consume_auto_ack", messages - manual},
          {"acknowledged", acks}};
}

// The example, exactly: 2 VUs x 3 subscribers x 10 sends, each MESSAGE acknowledged.
TEST_F(StompEndToEnd, TopicExampleDeliversEverySendToEverySubscriberAndAcksAll) {
  BrokerCounts before = Counts();
  ScenarioRun run =
      RunScenarioFile(SourcePath("scenarios/stomp-topic.yaml"), {"--target", broker_->Url()}, 60s);
  ASSERT_FALSE(run.process.timed_out) << run.Output();
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(run.Passes("delivered"), 2u * 3 * 10);
  EXPECT_EQ(run.Fails("delivered"), 0u);
  EXPECT_EQ(run.Passes("published"), 2u * 10) << run.LastFailure("published");
  EXPECT_EQ(run.Fails("published"), 0u) << run.LastFailure("published");
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "published"}}), 2u * 10);
  // MESSAGEs: 60 on the room, 6 hellos (one per subscriber).
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 60 + 6);
  // Frames: 20 SENDs to the room, 6 hellos, 12 SUBSCRIBEs, 60 ACKs.
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 20 + 6 + 12 + 60);
  EXPECT_EQ(run.Counter(MetricId::kWsSessions), 2 * 4);
  // The broker's account: 26 SENDs received, 66 MESSAGEs delivered, 60 of them acknowledged
  // (one ACK each, client-individual) ...
  ExpectBrokerCounted(before, TopicExampleCounts(run, run.Passes("delivered")), run);
  // ... and one durable queue per subscriber, nothing left in it.
  auto queues = broker_->Queues("stomp-topic-");
  EXPECT_EQ(queues.size(), 6u);
  for (const auto& [name, counts] : queues)
    EXPECT_EQ(counts, std::make_pair(0, 0)) << name << ": ready, unacknowledged";
}

// The same example without its `ack`: the broker keeps every MESSAGE (what the check above
// would see if wsyaml's ACKs went missing).
TEST_F(StompEndToEnd, WithoutAckTheBrokerKeepsEveryMessage) {
  std::string yaml = ReadFile(SourcePath("scenarios/stomp-topic.yaml"));
  size_t ack = yaml.find("              - ack\n");
  ASSERT_NE(ack, std::string::npos);
  yaml.erase(ack, std::string("              - ack\n").size());
  yaml.replace(yaml.find("stomp-topic-${vu}"), 11, "no-ack");
  BrokerCounts before = Counts();
  ScenarioRun run = RunScenario(yaml, {"--target", broker_->Url()}, {}, 60s);
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_EQ(run.Passes("delivered"), 2u * 3 * 10) << run.Output();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 20 + 6 + 12);
  ExpectBrokerCounted(before, TopicExampleCounts(run, 0), run);  // nothing acknowledged
  auto queues = broker_->Queues("no-ack-");
  EXPECT_EQ(queues.size(), 6u);
  for (const auto& [name, counts] : queues)  // requeued when the subscriber disconnected
    EXPECT_EQ(counts, std::make_pair(10, 0)) << name << ": ready, unacknowledged";
}

// `ack: client`: an ACK acknowledges its MESSAGE and every earlier one of the subscription.
// wsyaml ACKs every 5th of 10 MESSAGEs: 2 ACK frames, 10 messages acknowledged.
TEST_F(StompEndToEnd, ClientAckAcknowledgesEveryEarlierMessage) {
  BrokerCounts before = Counts();
  ScenarioRun run = RunScenario(R"(name: stomp-ack-client
load: {vus: 1, iterations: 1}
vars: {n: 0}
steps:
  - connect: {url: /ws, protocol: stomp, stomp: {login: guest, passcode: guest, host: /}}
  - on-message:
      match: {headers: {subscription: c}}
      do:
        - set: {n: "${n + 1}"}
        - if: {condition: "${n % 5 == 0}", then: [ack, {check: {name: acked, that: "${true}"}}]}
  - subscribe:
      destination: /topic/client-ack
      id: c
      ack: client
      headers: {x-queue-name: client-ack, durable: "true", auto-delete: "false"}
  - repeat: {times: 10, do: [{send: {destination: /topic/client-ack, text: m}}]}
  - repeat: {for: 10s, while: "${n < 10}", do: [{sleep: 10ms}]}
  - close
)",
                                {"--target", broker_->Url()});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(run.Passes("acked"), 2u);
  const double messages = run.Counter(MetricId::kWsMsgsReceived);
  EXPECT_EQ(messages, 10);
  const double sends = run.Counter(MetricId::kWsMsgsSent) - 1 - run.Passes("acked");
  EXPECT_EQ(sends, 10);
  ExpectBrokerCounted(before,
                      {{"received", sends},
                       {"routed", sends},
                       {"delivered", messages},
                       {"delivered_consume_manual_ack", messages},
                       {"acknowledged", messages}},
                      run);
  EXPECT_EQ(broker_->Queues("client-ack"),
            (std::map<std::string, std::pair<int, int>>{{"client-ack", {0, 0}}}));
}

// NACK: RabbitMQ requeues the MESSAGE and delivers it again with `redelivered: true`, which
// wsyaml ACKs. 5 SENDs: 10 MESSAGEs, 5 NACKs, 5 redeliveries, 5 acknowledged.
TEST_F(StompEndToEnd, NackMakesTheBrokerRedeliver) {
  BrokerCounts before = Counts();
  ScenarioRun run = RunScenario(R"(name: stomp-nack
load: {vus: 1, iterations: 1}
vars: {acked: 0}
steps:
  - connect: {url: /ws, protocol: stomp, stomp: {login: guest, passcode: guest, host: /}}
  - on-message:
      match: {headers: {subscription: n, redelivered: "false"}}
      do: [nack, {check: {name: nacked, that: "${true}"}}]
  - on-message:
      match: {headers: {subscription: n, redelivered: "true"}}
      do: [ack, {check: {name: acked, that: "${true}"}}, {set: {acked: "${acked + 1}"}}]
  - subscribe:
      destination: /topic/nack
      id: n
      ack: client-individual
      headers: {x-queue-name: nack, durable: "true", auto-delete: "false"}
  - repeat: {times: 5, do: [{send: {destination: /topic/nack, text: m}}]}
  - repeat: {for: 10s, while: "${acked < 5}", do: [{sleep: 10ms}]}
  - close
)",
                                {"--target", broker_->Url()});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  const double nacks = run.Passes("nacked"), acks = run.Passes("acked");
  EXPECT_EQ(nacks, 5);
  EXPECT_EQ(acks, 5);
  const double messages = run.Counter(MetricId::kWsMsgsReceived);
  EXPECT_EQ(messages, 10);
  const double sends = run.Counter(MetricId::kWsMsgsSent) - 1 - nacks - acks;
  EXPECT_EQ(sends, 5);
  ExpectBrokerCounted(before,
                      {{"received", sends},
                       {"routed", sends},
                       {"delivered", messages},
                       {"delivered_consume_manual_ack", messages},
                       {"redelivered", nacks},
                       {"acknowledged", acks}},
                      run);
  EXPECT_EQ(broker_->Queues("nack"),
            (std::map<std::string, std::pair<int, int>>{{"nack", {0, 0}}}));
}

// UNSUBSCRIBE: the subscription's queue goes, so the 3 SENDs after it reach no queue (the
// broker drops them as unroutable) and wsyaml receives only the 3 before it.
TEST_F(StompEndToEnd, UnsubscribeStopsTheBrokerRouting) {
  BrokerCounts before = Counts();
  ScenarioRun run = RunScenario(R"(name: stomp-unsubscribe
load: {vus: 1, iterations: 1}
vars: {n: 0}
steps:
  - connect: {url: /ws, protocol: stomp, stomp: {login: guest, passcode: guest, host: /}}
  - on-message:
      match: {headers: {subscription: u}}
      do: [{set: {n: "${n + 1}"}}]
  - subscribe: {destination: /topic/unsubscribe, id: u}
  - repeat: {times: 3, do: [{send: {destination: /topic/unsubscribe, text: before}}]}
  - repeat: {for: 10s, while: "${n < 3}", do: [{sleep: 10ms}]}
  - unsubscribe: u
  - repeat: {times: 3, do: [{send: {destination: /topic/unsubscribe, text: after}}]}
  - close
)",
                                {"--target", broker_->Url()});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  const double messages = run.Counter(MetricId::kWsMsgsReceived);
  EXPECT_EQ(messages, 3);
  const double sends = run.Counter(MetricId::kWsMsgsSent) - 2;  // SUBSCRIBE, UNSUBSCRIBE
  EXPECT_EQ(sends, 6);
  ExpectBrokerCounted(before,
                      {{"received", sends},
                       {"routed", messages},
                       {"unroutable_dropped", sends - messages},
                       {"delivered", messages},
                       {"delivered_consume_auto_ack", messages}},
                      run);
}

// A SEND to a destination RabbitMQ does not have: an ERROR frame, one protocol error per
// connection (not a second one for the close that follows), and the SEND's receipt fails;
// the broker received no message.
TEST_F(StompEndToEnd, ErrorFrameIsAProtocolErrorAndFailsItsReceipt) {
  BrokerCounts before = Counts();
  ScenarioRun run = RunScenario(R"(name: stomp-error
load: {vus: 1, iterations: 2}
steps:
  - connect: {url: /ws, protocol: stomp, stomp: {login: guest, passcode: guest, host: /}}
  - send: {destination: /bogus/x, text: hi, receipt: {within: 5s, name: bogus}}
  - wait: {max: 5s}
)",
                                {"--target", broker_->Url()});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.has_result) << run.Output();
  auto errors = run.result.shard.errors();
  ASSERT_EQ(errors.count("protocol"), 1u) << run.DescribeErrors();
  EXPECT_EQ(errors.at("protocol").count, 2u);
  EXPECT_NE(errors.at("protocol").example.find("STOMP ERROR: Unknown destination"),
            std::string::npos)
      << errors.at("protocol").example;
  // RabbitMQ's ERROR names no receipt-id: the receipt fails as the connection closes.
  EXPECT_EQ(run.Fails("bogus"), 2u);
  EXPECT_EQ(run.Passes("bogus"), 0u);
  EXPECT_EQ(errors.size(), 1u) << run.DescribeErrors();
  ExpectBrokerCounted(before, {}, run);
}

// A bad login: ERROR instead of CONNECTED; the connection's steps never start.
TEST_F(StompEndToEnd, BadLoginIsAProtocolError) {
  ScenarioRun run = RunScenario(R"(name: stomp-login
load: {vus: 1, iterations: 1}
steps:
  - connect: {url: /ws, protocol: stomp, stomp: {login: guest, passcode: wrong, host: /}}
  - send: {destination: /topic/t, text: never}
)",
                                {"--target", broker_->Url()});
  ASSERT_TRUE(run.has_result) << run.Output();
  auto errors = run.result.shard.errors();
  ASSERT_EQ(errors.count("protocol"), 1u) << run.DescribeErrors();
  EXPECT_EQ(errors.at("protocol").count, 1u);
  EXPECT_NE(errors.at("protocol").example.find("STOMP ERROR: Bad CONNECT (Access refused"),
            std::string::npos)
      << errors.at("protocol").example;
  EXPECT_EQ(run.Errors("send"), 1u);                 // the send after the failed connect
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 0);  // never went
}

// Heart-beats both ways every second for 3.5 s: neither side gives up on the other.
TEST_F(StompEndToEnd, HeartbeatsKeepAnIdleConnectionOpen) {
  ScenarioRun run = RunScenario(R"(name: stomp-heartbeat
load: {vus: 1, iterations: 1}
steps:
  - connect:
      url: /ws
      protocol: stomp
      stomp: {login: guest, passcode: guest, host: /, heart-beat: [1s, 1s]}
  - sleep: 3500ms
  - send: {destination: /topic/t, text: still here, receipt: {within: 2s, name: alive}}
  - sleep: 500ms
  - close
)",
                                {"--target", broker_->Url()});
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  EXPECT_EQ(run.Passes("alive"), 1u) << run.LastFailure("alive");
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsSent), 1);  // heart-beats are frames, not messages
}

}  // namespace
}  // namespace wsyaml::testing
