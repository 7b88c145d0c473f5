// Errors reach the shard typed: the user-visible kind, the status tag, backpressure apart.
#include "vu_fixture.h"

namespace wsyaml::engine::testing {
namespace {

TEST_F(VuTest, HandshakeFailureReachesTheShardAsKindAndStatus) {
  transport_.auto_open = false;
  graph::OnEvent on_error;
  on_error.kind = graph::OnEvent::Kind::kError;
  graph::Fail fail;
  fail.name = "saw error";
  on_error.body.push_back(S(fail));
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  connect.steps = {S(on_error)};
  Start({S(connect)});
  scheduler_.Advance(1ms);
  transport_.Fail(0, ErrorKind::kHandshake, 404);
  scheduler_.Advance(1ms);
  EXPECT_TRUE(done_);
  ASSERT_EQ(shard_.errors().count("handshake 404"), 1u);
  EXPECT_EQ(shard_.errors().at("handshake 404").example, "handshake failure");
  EXPECT_EQ(ErrorTagSets(), std::vector<std::string>{"kind=handshake,status=404"});
  ASSERT_EQ(shard_.checks().count("saw error"), 1u) << "on-error hears a failed connect";
  EXPECT_EQ(shard_.checks().at("saw error").fails, 1u);
}

TEST_F(VuTest, ErrorsWithoutStatusHaveNoStatusTag) {
  transport_.auto_open = false;
  graph::Connect connect;
  connect.url = Text("/");
  connect.has_steps = true;
  Start({S(connect)});
  scheduler_.Advance(1ms);
  transport_.Fail(0, ErrorKind::kRefused);
  scheduler_.Advance(1ms);
  EXPECT_EQ(shard_.errors().count("refused"), 1u);
  EXPECT_EQ(ErrorTagSets(), std::vector<std::string>{"kind=refused"});
}

TEST_F(VuTest, BackpressureIsCountedAsItsOwnKind) {
  graph::Connect connect;
  connect.url = Text("/");
  Start({S(connect), SendText("one"), SendText("two")});
  // The socket exists once the connect step ran; make it refuse before the sends run.
  ASSERT_EQ(transport_.sockets().size(), 1u);
  transport_.sockets()[0]->send_failure =
      Failure{ErrorKind::kBackpressure, "backpressure: 9000000 bytes already queued", 0};
  scheduler_.Advance(1ms);
  ASSERT_EQ(shard_.errors().count("backpressure"), 1u);
  EXPECT_EQ(shard_.errors().at("backpressure").count, 2u);
  EXPECT_EQ(shard_.errors().count("send"), 0u);
  EXPECT_EQ(ErrorTagSets(), std::vector<std::string>{"kind=backpressure"});
  EXPECT_EQ(Counter(MetricId::kWsMsgsSent), 0);
  EXPECT_EQ(live_.errors.load(), 2);
}

}  // namespace
}  // namespace wsyaml::engine::testing
