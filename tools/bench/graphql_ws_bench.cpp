// Micro benchmark: the graphql-ws session's cost per `next` (decode: find type, id and payload,
// copy the payload, name it by its subscription, time it) against a raw frame (the payload
// copied into a message as the raw path delivers it) and against a full JSON parse of the
// same frame (nlohmann, what a parser-based session would pay). ns of thread CPU per frame, the
// minimum over repetitions, and heap allocations per `next`. Then the encode side: a
// subscription's frames (`subscribe` with query and variables, then its `complete`) against
// the same two texts sent as raw frames.
//
//   graphql_ws_bench [--rounds N] [--reps R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/protocols/graphql_ws.h"

using namespace wsyaml;

// Counts heap allocations, to show a warm session allocates nothing per `next`. GCC sees
// nlohmann's inlined `new` reach this `free` and cannot tell they are the same pair.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static long g_allocations = 0;
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

// A link that does what the engine's must at least do: nothing it could skip is skipped by
// the compiler (the sizes are summed).
struct SinkLink : engine::ProtocolLink {
  size_t bytes = 0;
  std::chrono::steady_clock::time_point now{};
  void SendFrame(std::string_view frame, bool) override { bytes += frame.size(); }
  void Ready() override {}
  void Deliver(const engine::AppMessage& message) override {
    bytes += message.payload.size() + message.meta.event.size();
  }
  void Replied(std::string_view key) override { bytes += key.size(); }
  void ReplyFailed(std::string_view, std::string_view) override {}
  void ProtocolError(std::string_view, bool) override { std::abort(); }
  std::chrono::steady_clock::time_point Now() const override { return now; }
  void RecordNextInterval(std::string_view, std::chrono::nanoseconds interval) override {
    bytes += static_cast<size_t>(interval.count() & 1);
  }
};

// A `next` of about `payload_bytes`: a list of small quote objects, the shape of a typical
// subscription result (many short strings and numbers, not one long string).
std::string NextFrame(size_t payload_bytes) {
  std::string frame = R"({"id":"1","type":"next","payload":{"data":{"quotes":[)";
  for (int n = 0; frame.size() < payload_bytes; ++n) {
    if (n > 0) frame += ',';
    frame += R"({"symbol":"ACME","price":101.25,"seq":)" + std::to_string(n) + "}";
  }
  return frame + "]}}}";
}

// CPU time of this thread: wall time on the shared machine measures the neighbours.
double ThreadCpuNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

template <typename F>
double MinNsPerFrame(long rounds, int reps, F&& body) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double start = ThreadCpuNs();
    for (long i = 0; i < rounds; ++i) body();
    best = std::min(best, (ThreadCpuNs() - start) / static_cast<double>(rounds));
  }
  return best;
}

void Bench(size_t payload_bytes, long rounds, int reps) {
  std::string frame = NextFrame(payload_bytes);
  SinkLink link;
  engine::GraphqlWsSession session("");
  session.Start(link);
  session.OnFrame(R"({"type":"connection_ack"})", false, link);
  engine::ProtocolCommand subscribe;
  subscribe.kind = engine::ProtocolCommand::Kind::kSubscribe;
  subscribe.id = "prices";
  subscribe.query = "subscription { price }";
  std::string error;
  session.Encode(subscribe, link, &error);
  long before = g_allocations;
  double next = MinNsPerFrame(rounds, reps, [&] {
    link.now += std::chrono::microseconds(1);
    session.OnFrame(frame, false, link);
  });
  // The first `next` warms the session's buffers.
  double allocations = static_cast<double>(g_allocations - before - 1) / (rounds * reps);
  engine::AppMessage raw_message;
  double raw = MinNsPerFrame(rounds, reps, [&] {
    raw_message.payload.assign(frame);
    link.Deliver(raw_message);
  });
  size_t parsed = 0;
  double json = MinNsPerFrame(rounds / 10 + 1, reps, [&] {
    parsed += nlohmann::json::parse(frame)["payload"].dump().size();
  });
  std::printf(
      "%5zu-byte frame: next %.0f ns (%.2f allocations), raw %.0f ns (%.2fx), nlohmann "
      "parse+dump %.0f ns\n",
      frame.size(), next, allocations, raw, next / raw, json);
  if (link.bytes == 42 && parsed == 42) std::printf(" ");  // keeps the work observable
}

// A link that keeps the last frame sent (to replay it raw) and sums sizes.
struct KeepLink : SinkLink {
  std::string last;
  void SendFrame(std::string_view frame, bool binary) override {
    SinkLink::SendFrame(frame, binary);
    last.assign(frame);
  }
};

// `subscribe` + `unsubscribe` (complete) per op: a name subscribes again once it ended.
void BenchSubscribe(long rounds, int reps) {
  KeepLink link;
  engine::GraphqlWsSession session("");
  session.Start(link);
  session.OnFrame(R"({"type":"connection_ack"})", false, link);
  engine::ProtocolCommand subscribe;
  subscribe.kind = engine::ProtocolCommand::Kind::kSubscribe;
  subscribe.id = "prices";
  subscribe.query = "subscription P($s: String!) { price(symbol: $s) { symbol price seq } }";
  subscribe.variables = R"({"s":"ACME"})";
  engine::ProtocolCommand complete;
  complete.kind = engine::ProtocolCommand::Kind::kUnsubscribe;
  complete.id = "prices";
  std::string error;
  session.Encode(subscribe, link, &error);  // warm, and the two frames for the raw side
  std::string subscribe_frame = link.last;
  session.Encode(complete, link, &error);
  std::string complete_frame = link.last;
  SinkLink sink;
  engine::GraphqlWsSession measured("");
  measured.Start(sink);
  measured.OnFrame(R"({"type":"connection_ack"})", false, sink);
  // Warm: the first subscribe grows the session's subscription list and frame buffer.
  measured.Encode(subscribe, sink, &error);
  measured.Encode(complete, sink, &error);
  long before = g_allocations;
  double codec = MinNsPerFrame(rounds, reps, [&] {
    measured.Encode(subscribe, sink, &error);
    measured.Encode(complete, sink, &error);
  });
  double allocations = static_cast<double>(g_allocations - before) / (rounds * reps);
  std::string raw_frame;
  double raw = MinNsPerFrame(rounds, reps, [&] {
    raw_frame.assign(subscribe_frame);
    sink.SendFrame(raw_frame, false);
    raw_frame.assign(complete_frame);
    sink.SendFrame(raw_frame, false);
  });
  std::printf(
      "subscribe+complete encode (%zu+%zu bytes): %.0f ns (%.2f allocations), raw %.0f ns "
      "(%.2fx)%s\n",
      subscribe_frame.size(), complete_frame.size(), codec, allocations, raw, codec / raw,
      error.empty() ? "" : " ERROR");
  if (sink.bytes == 42) std::printf(" ");  // keeps the work observable
}

}  // namespace

int main(int argc, char** argv) {
  long rounds = 1000000;
  int reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atol(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
  }
  for (size_t size : {100, 1000, 10000}) Bench(size, size > 1000 ? rounds / 10 : rounds, reps);
  BenchSubscribe(rounds, reps);
  return 0;
}
