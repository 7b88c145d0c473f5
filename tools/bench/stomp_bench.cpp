// The STOMP codec's cost (issue 13): µs and heap allocations per MESSAGE decoded (a
// RabbitMQ-shaped frame: 8 headers, 60-byte JSON body, delivered to a link that drops it) and
// per SEND encoded (destination, JSON body, content-type and content-length written), each
// against a raw frame in the same run: the same frame copied into a message and delivered
// (as graphql_ws_bench's raw), and the body copied into a frame buffer and sent.
// Usage: stomp_bench [iterations [repetitions]]   (µs are CPU time of the thread, the minimum
// over the repetitions)
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "engine/protocols/stomp.h"

namespace {

size_t allocations = 0;

}  // namespace

void* operator new(size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

using wsyaml::engine::AppMessage;
using wsyaml::engine::ProtocolCommand;

// Counts what it is given and keeps nothing.
struct NullLink : wsyaml::engine::ProtocolLink {
  size_t frames = 0, messages = 0, bytes = 0;
  void SendFrame(std::string_view frame, bool) override {
    ++frames;
    bytes += frame.size();
  }
  void Ready() override {}
  void Deliver(const AppMessage& message) override { bytes += message.payload.size(), ++messages; }
  void Replied(std::string_view) override {}
  void ReplyFailed(std::string_view, std::string_view) override {}
  void ProtocolError(std::string_view message, bool) override {
    std::fprintf(stderr, "protocol error: %.*s\n", static_cast<int>(message.size()),
                 message.data());
    std::exit(1);
  }
  std::chrono::steady_clock::time_point Now() const override { return {}; }
  void RecordNextInterval(std::string_view, std::chrono::nanoseconds) override {}
};

// CPU time of this thread: the machine is shared, so wall time measures the neighbours.
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// The best µs per op of `reps` runs of `n` ops, and the allocations per op (warm).
struct Cost {
  double us = 1e30;
  double allocations = 0;
};

template <typename F>
Cost Measure(long n, int reps, F&& body) {
  body();  // warm: buffers grow to the frame's size once
  Cost cost;
  size_t before = allocations;
  for (int r = 0; r < reps; ++r) {
    double start = CpuSeconds();
    for (long i = 0; i < n; ++i) body();
    cost.us = std::min(cost.us, (CpuSeconds() - start) * 1e6 / static_cast<double>(n));
  }
  cost.allocations = static_cast<double>(allocations - before) / (static_cast<double>(n) * reps);
  return cost;
}

void Print(const char* what, const Cost& codec, const Cost& raw) {
  std::printf("%-15s %6.3f us/op CPU  %4.2f allocations/op  raw frame %5.1f ns  (%.1fx)\n", what,
              codec.us, codec.allocations, raw.us * 1000, codec.us / raw.us);
}

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  wsyaml::graph::ProtocolOptions options;
  options.kind = wsyaml::graph::Protocol::kStomp;
  wsyaml::engine::ProtocolSetup setup;
  setup.options = &options;
  setup.host = "/";
  wsyaml::engine::StompSession session(setup);
  NullLink link;
  session.Start(link);
  session.OnFrame(std::string("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n") + '\0', false, link);

  std::string body = R"({"text":"hello from 1","sent":1764540000000,"room":"lobby-7"})";
  std::string message =
      "MESSAGE\nsubscription:room\ndestination:/topic/room-1\n"
      "message-id:T_room@@session-sgHsMo7w3cZz5yHhSAAITw@@123\nredelivered:false\n"
      "ack:T_room@@session-sgHsMo7w3cZz5yHhSAAITw@@123\ncontent-type:application/json\n"
      "content-length:" +
      std::to_string(body.size()) + "\n\n" + body + '\0' + "\n";
  Cost decode = Measure(n, reps, [&] { session.OnFrame(message, false, link); });
  AppMessage raw_message;
  Cost raw_in = Measure(n, reps, [&] {
    raw_message.payload.assign(message);
    link.Deliver(raw_message);
  });
  Print("MESSAGE decode", decode, raw_in);

  ProtocolCommand send;
  send.kind = ProtocolCommand::Kind::kSend;
  send.destination = "/topic/room-1";
  send.body = body;
  std::string error;
  Cost encode = Measure(n, reps, [&] { session.Encode(send, link, &error); });
  std::string raw_frame;
  Cost raw_out = Measure(n, reps, [&] {
    raw_frame.assign(send.body);
    link.SendFrame(raw_frame, false);
  });
  Print("SEND encode", encode, raw_out);
  std::printf("(%zu messages, %zu frames, %zu bytes)\n", link.messages, link.frames, link.bytes);
  return error.empty() ? 0 : 1;
}
