// The socket.io session's own cost per message, without sockets: decoding an event frame
// (with and without an ack request, which also encodes the automatic ack) and encoding an
// emit with an ack id; ns per message (best of 5 rounds) and heap allocations per message
// (a counting operator new). tools/bench/socketio_bench.sh puts it beside the client CPU per
// round trip of a real run.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "engine/protocol.h"
#include "engine/protocols/socketio.h"

namespace {

std::atomic<long> g_allocations{0};

}  // namespace

// GCC 12 at -O3 inlines std::allocator into these and then reads free() after operator new
// as a mismatch (a false positive: this operator new is malloc).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using wsyaml::engine::AppMessage;
using wsyaml::engine::ProtocolCommand;
using wsyaml::engine::ProtocolLink;

// Counts what the session did; keeps nothing.
struct NullLink : ProtocolLink {
  long frames = 0, messages = 0, replies = 0, errors = 0;
  size_t bytes = 0;
  void SendFrame(std::string_view frame, bool) override {
    ++frames;
    bytes += frame.size();
  }
  void Ready() override {}
  void Deliver(const AppMessage& m) override {
    ++messages;
    bytes += m.payload.size();
  }
  void Replied(std::string_view) override { ++replies; }
  void ReplyFailed(std::string_view, std::string_view) override {}
  void ProtocolError(std::string_view, bool) override { ++errors; }
  std::chrono::steady_clock::time_point Now() const override { return {}; }
  void RecordNextInterval(std::string_view, std::chrono::nanoseconds) override {}
};

struct Cost {
  double ns = 0;
  double allocations = 0;
};

template <typename F>
Cost Measure(long n, F&& one) {
  for (long i = 0; i < n / 10; ++i) one(i);  // warm: buffers grown
  Cost best{1e18, 0};
  for (int round = 0; round < 5; ++round) {
    long before = g_allocations.load();
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) one(i);
    std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    double ns = took.count() / static_cast<double>(n);
    if (ns < best.ns) best = {ns, static_cast<double>(g_allocations.load() - before) / n};
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 1000000;
  wsyaml::graph::ProtocolOptions options;
  options.kind = wsyaml::graph::Protocol::kSocketIo;
  options.socketio_namespace = "/chat";
  wsyaml::engine::ProtocolSetup setup;
  setup.options = &options;
  auto session = wsyaml::engine::MakeSocketIoSession(setup);
  NullLink link;
  session->OnFrame(R"(0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000})", false,
                   link);
  session->OnFrame(R"(40/chat,{"sid":"b"})", false, link);
  const std::string event = R"(42/chat,["chat",{"text":"hello from 12","n":12},"sid-abcdef"])";
  const std::string event_ack = R"(42/chat,7["chat",{"text":"hello from 12","n":12}])";
  Cost decode = Measure(n, [&](long) { session->OnFrame(event, false, link); });
  Cost decode_ack = Measure(n, [&](long) { session->OnFrame(event_ack, false, link); });
  ProtocolCommand emit;
  emit.kind = ProtocolCommand::Kind::kEmit;
  emit.event = "chat";
  emit.args = {R"({"text":"hello from 12","n":12})"};
  emit.args_binary = {false};
  emit.wants_reply = true;
  std::string error;
  Cost encode = Measure(n, [&](long) { session->Encode(emit, link, &error); });
  std::printf("socket.io session, %ld messages per round, best of 5:\n", n);
  std::printf("  decode event                 %7.1f ns  %.2f allocations per message\n", decode.ns,
              decode.allocations);
  std::printf("  decode event + automatic ack %7.1f ns  %.2f allocations per message\n",
              decode_ack.ns, decode_ack.allocations);
  std::printf("  encode emit with ack id      %7.1f ns  %.2f allocations per message\n", encode.ns,
              encode.allocations);
  std::printf(
      "{\"decode_ns\":%.1f,\"decode_ack_ns\":%.1f,\"encode_ns\":%.1f,\"decode_allocs\":%.2f,"
      "\"decode_ack_allocs\":%.2f,\"encode_allocs\":%.2f}\n",
      decode.ns, decode_ack.ns, encode.ns, decode.allocations, decode_ack.allocations,
      encode.allocations);
  return link.errors == 0 && error.empty() ? 0 : 1;
}
