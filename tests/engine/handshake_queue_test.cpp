#include "engine/handshake_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace wsyaml::engine {
namespace {

TEST(HandshakeQueue, StartsUpToTheLimitThenInOrderAsSlotsFree) {
  ManualScheduler scheduler;
  HandshakeQueue queue(2);
  HandshakeQueue::Ticket a, b, c, d;
  std::string started;
  queue.Enter(a, [&] { started += "a"; });
  queue.Enter(b, [&] { started += "b"; });
  queue.Enter(c, [&] { started += "c"; });
  queue.Enter(d, [&] { started += "d"; });
  EXPECT_EQ(started, "ab");
  EXPECT_TRUE(a.holding());
  EXPECT_TRUE(c.waiting());

  queue.Leave(a, scheduler);
  EXPECT_EQ(started, "ab") << "waiting handshakes start from a timer, not inside Leave";
  scheduler.Advance(std::chrono::microseconds(0));
  EXPECT_EQ(started, "abc");
  EXPECT_TRUE(c.holding());
  EXPECT_EQ(queue.in_flight(), 2u);
  EXPECT_EQ(queue.waiting(), 1u);
}

TEST(HandshakeQueue, GivingUpAWaitingTicketRemovesIt) {
  ManualScheduler scheduler;
  HandshakeQueue queue(1);
  HandshakeQueue::Ticket a, b, c;
  std::string started;
  queue.Enter(a, [&] { started += "a"; });
  queue.Enter(b, [&] { started += "b"; });
  queue.Enter(c, [&] { started += "c"; });
  queue.Leave(b, scheduler);
  queue.Leave(b, scheduler);  // leaving twice is harmless
  queue.Leave(a, scheduler);
  scheduler.Advance(std::chrono::microseconds(0));
  EXPECT_EQ(started, "ac");
  queue.Leave(c, scheduler);
  EXPECT_EQ(queue.in_flight(), 0u);
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(HandshakeQueue, AStartThatFailsAtOnceLetsTheNextOneStart) {
  ManualScheduler scheduler;
  HandshakeQueue queue(1);
  HandshakeQueue::Ticket a, b, c;
  std::string started;
  queue.Enter(a, [&] { started += "a"; });
  queue.Enter(b, [&] {
    started += "b";
    queue.Leave(b, scheduler);  // e.g. out of descriptors: fails inside the start
  });
  queue.Enter(c, [&] { started += "c"; });
  queue.Leave(a, scheduler);
  scheduler.Advance(std::chrono::microseconds(0));
  EXPECT_EQ(started, "abc");
  EXPECT_TRUE(c.holding());
}

}  // namespace
}  // namespace wsyaml::engine
