// wsbench_floor: the physical limit of a WebSocket ping-pong client on this machine — no
// WebSocket library, no Asio. Plain non-blocking sockets and one epoll set: N connections to
// one loopback URL, a minimal HTTP upgrade per connection, then each connection sends a
// pre-built masked text frame on open and again on every echo it receives. In the steady
// state that is one recv() and one send() per message and one epoll_wait() per batch of
// ready connections; nothing is allocated, parsed beyond the frame header, or timed.
// Bounded by --duration and by --messages (0: no bound). Prints one JSON line in the format
// of wsbench_minimal (messages received, CPU seconds from getrusage), plus the system calls
// it made, so the bench can check that the floor is what it claims.
// --two-buffers sends each frame as websocketpp does, one sendmsg() of two buffers (header,
// payload), to measure what that costs in the kernel.
// Usage: wsbench_floor --url ws://127.0.0.1:P/ --connections N --duration S
//                      [--messages M] [--size BYTES] [--max-pending K] [--two-buffers]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host;        // a loopback IPv4 address
  uint16_t port = 0;       // the server's port
  std::string path = "/";  // request target of the upgrade
  int connections = 1;
  double duration_s = 5;
  uint64_t max_messages = 0;  // stop after this many received in all (0: no bound)
  size_t size = 32;           // payload bytes of each message
  int max_pending = 256;      // connects and handshakes in flight at once
  bool two_buffers = false;   // send header and payload as two iovecs, as websocketpp does
};

/// Where one connection is: connecting, waiting for the 101, ping-ponging, or done.
enum class State { kConnecting, kUpgrading, kOpen, kClosed };

/// A server frame header being read: the echo is unmasked, so the header is 2, 4 or 10 bytes,
/// and the payload is skipped without being kept.
struct FrameReader {
  uint8_t header[10];       // header bytes read so far
  size_t header_bytes = 0;  // how many of them
  uint64_t skip = 0;        // payload bytes of the current frame still to come
  bool in_payload = false;  // the header is complete and its payload is being skipped
};

struct Conn {
  int fd = -1;
  State state = State::kConnecting;
  std::string response;  // the upgrade response so far (until the blank line)
  FrameReader reader;
};

/// Counters the run prints; "messages" are text or binary frames received.
struct Counts {
  uint64_t messages = 0;
  uint64_t sends = 0;        // send() calls, upgrade requests included
  uint64_t recvs = 0;        // recv() calls, upgrade responses included
  uint64_t epoll_waits = 0;  // epoll_wait() calls
  long long opened = 0;      // upgrades completed
  long long failed = 0;      // connects, upgrades, short sends or closes by the server
};

/// A masked client text frame with `size` bytes of 'x' (RFC 6455 5.2, 5.3), built once.
std::string MaskedTextFrame(size_t size) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));  // FIN, text
  if (size < 126) {
    frame.push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xffff) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(size >> 8));
    frame.push_back(static_cast<char>(size & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((static_cast<uint64_t>(size) >> shift) & 0xff));
    }
  }
  wsbench::FastRng rng;
  uint32_t key_bits = rng();
  uint8_t key[4];
  std::memcpy(key, &key_bits, sizeof(key));
  frame.append(reinterpret_cast<const char*>(key), sizeof(key));
  for (size_t i = 0; i < size; ++i) frame.push_back(static_cast<char>('x' ^ key[i % 4]));
  return frame;
}

/// Feeds received bytes through `reader`; returns how many data frames they completed, or
/// -1 when the server sent a close frame.
int CountFrames(FrameReader* reader, const uint8_t* data, size_t length) {
  int frames = 0;
  size_t at = 0;
  while (at < length) {
    if (!reader->in_payload) {
      reader->header[reader->header_bytes++] = data[at++];
      if (reader->header_bytes < 2) continue;
      uint8_t length7 = reader->header[1] & 0x7f;
      size_t need = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
      if (reader->header_bytes < need) continue;
      uint64_t payload = length7;
      if (need > 2) {
        payload = 0;
        for (size_t i = 2; i < need; ++i) payload = (payload << 8) | reader->header[i];
      }
      reader->skip = payload;
      reader->in_payload = true;
    }
    uint64_t take = std::min<uint64_t>(reader->skip, length - at);
    reader->skip -= take;
    at += static_cast<size_t>(take);
    if (reader->skip > 0) break;
    // The frame is complete.
    reader->in_payload = false;
    reader->header_bytes = 0;
    uint8_t opcode = reader->header[0] & 0x0f;
    if (opcode == 0x8) return -1;
    if (opcode == 0x1 || opcode == 0x2) ++frames;
  }
  return frames;
}

class Floor {
 public:
  explicit Floor(const Options& options)
      : options_(options),
        frame_(MaskedTextFrame(options.size)),
        header_size_(frame_.size() - options.size),
        conns_(static_cast<size_t>(options.connections)),
        epoll_(epoll_create1(0)) {
    request_ = "GET " + options.path + " HTTP/1.1\r\nHost: " + options.host + ":" +
               std::to_string(options.port) +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }
  ~Floor() {
    for (Conn& conn : conns_) {
      if (conn.fd >= 0) close(conn.fd);
    }
    close(epoll_);
  }

  void Run() {
    start_ = Clock::now();
    Clock::time_point end = start_ + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(options_.duration_s));
    Launch();
    epoll_event events[256];
    while (!Done()) {
      Clock::time_point now = Clock::now();
      if (now >= end) break;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count();
      int ready = epoll_wait(epoll_, events, 256, static_cast<int>(left) + 1);
      ++counts_.epoll_waits;
      for (int i = 0; i < ready; ++i) Handle(events[i].data.u32, events[i].events);
    }
    wall_s_ = std::chrono::duration<double>(Clock::now() - start_).count();
    messages_at_end_ = counts_.messages;
    CloseAll();
  }

  void Report() const {
    std::printf(
        "{\"tool\":\"wsbench_floor\",\"mode\":\"pingpong\",\"connections\":%d,\"opened\":%lld,"
        "\"failed\":%lld,\"messages\":%llu,\"seconds\":%.3f,\"cpu_s\":%.4f,\"sends\":%llu,"
        "\"recvs\":%llu,\"epoll_waits\":%llu,\"first_error\":\"%s\"}\n",
        options_.connections, counts_.opened, counts_.failed,
        static_cast<unsigned long long>(messages_at_end_), wall_s_, wsbench::CpuSeconds(),
        static_cast<unsigned long long>(counts_.sends),
        static_cast<unsigned long long>(counts_.recvs),
        static_cast<unsigned long long>(counts_.epoll_waits), first_error_.c_str());
  }

 private:
  bool Done() const {
    if (options_.max_messages > 0 && counts_.messages >= options_.max_messages) return true;
    return launched_ == options_.connections && open_now_ == 0 && pending_ == 0;
  }

  /// Starts connects until every connection is launched or max_pending are in flight.
  void Launch() {
    while (launched_ < options_.connections && pending_ < options_.max_pending) {
      Connect(static_cast<uint32_t>(launched_++));
    }
  }

  void Connect(uint32_t index) {
    Conn& conn = conns_[index];
    ++pending_;
    conn.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn.fd < 0) return Fail(&conn, "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options_.port);
    inet_pton(AF_INET, options_.host.c_str(), &address.sin_addr);
    if (connect(conn.fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 &&
        errno != EINPROGRESS) {
      return Fail(&conn, "connect");
    }
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u32 = index;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, conn.fd, &event);
  }

  void Handle(uint32_t index, uint32_t events) {
    Conn& conn = conns_[index];
    if (conn.state == State::kConnecting) return OnConnected(index, events);
    if (conn.state == State::kUpgrading) return OnUpgradeResponse(&conn);
    if (conn.state == State::kOpen) return OnReadable(&conn);
  }

  /// The TCP connect finished: send the upgrade request and wait for the response.
  void OnConnected(uint32_t index, uint32_t events) {
    Conn& conn = conns_[index];
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(conn.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) return Fail(&conn, std::strerror(error));
    if (!SendAll(&conn, request_)) return;
    conn.state = State::kUpgrading;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u32 = index;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &event);
  }

  void OnUpgradeResponse(Conn* conn) {
    char buffer[1024];
    ssize_t got = recv(conn->fd, buffer, sizeof(buffer), 0);
    ++counts_.recvs;
    if (got <= 0) {
      if (got < 0 && errno == EAGAIN) return;
      return Fail(conn, "upgrade: connection closed");
    }
    conn->response.append(buffer, static_cast<size_t>(got));
    size_t blank = conn->response.find("\r\n\r\n");
    if (blank == std::string::npos) return;
    if (conn->response.compare(0, 12, "HTTP/1.1 101") != 0 || blank + 4 != conn->response.size()) {
      return Fail(conn, "upgrade: no 101");
    }
    conn->response = std::string();
    conn->state = State::kOpen;
    --pending_;
    ++open_now_;
    ++counts_.opened;
    Launch();
    SendFrame(conn);
  }

  /// The steady state: one recv, and one send per echo it completed.
  void OnReadable(Conn* conn) {
    uint8_t buffer[4096];
    ssize_t got = recv(conn->fd, buffer, sizeof(buffer), 0);
    ++counts_.recvs;
    if (got < 0 && errno == EAGAIN) return;
    int frames = got > 0 ? CountFrames(&conn->reader, buffer, static_cast<size_t>(got)) : -1;
    if (frames < 0) return Fail(conn, "closed by the server");
    for (int i = 0; i < frames; ++i) {
      ++counts_.messages;
      if (!SendFrame(conn)) return;
    }
  }

  bool SendFrame(Conn* conn) {
    if (!options_.two_buffers) return SendAll(conn, frame_);
    // websocketpp's write_frame: one sendmsg() of two buffers, the header and the payload.
    iovec parts[2] = {
        {const_cast<char*>(frame_.data()), header_size_},
        {const_cast<char*>(frame_.data()) + header_size_, frame_.size() - header_size_}};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = 2;
    ssize_t sent = sendmsg(conn->fd, &message, MSG_NOSIGNAL);
    ++counts_.sends;
    if (sent == static_cast<ssize_t>(frame_.size())) return true;
    Fail(conn, sent < 0 ? std::strerror(errno) : "short send");
    return false;
  }

  /// One send() of all of `bytes`; a short send is counted as a failure (with one message in
  /// flight per connection the socket buffer never fills).
  bool SendAll(Conn* conn, const std::string& bytes) {
    ssize_t sent = send(conn->fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ++counts_.sends;
    if (sent == static_cast<ssize_t>(bytes.size())) return true;
    Fail(conn, sent < 0 ? std::strerror(errno) : "short send");
    return false;
  }

  void Fail(Conn* conn, const std::string& message) {
    ++counts_.failed;
    if (first_error_.empty()) first_error_ = message;
    if (conn->state == State::kOpen) {
      --open_now_;
    } else if (conn->state != State::kClosed) {
      --pending_;
    }
    conn->state = State::kClosed;
    if (conn->fd >= 0) close(conn->fd);
    conn->fd = -1;
    Launch();
  }

  /// Sends each open connection a masked close frame (1001, going away) and closes it.
  void CloseAll() {
    static const uint8_t kClose[] = {0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe9};  // zero mask
    for (Conn& conn : conns_) {
      if (conn.fd < 0) continue;
      if (conn.state == State::kOpen) send(conn.fd, kClose, sizeof(kClose), MSG_NOSIGNAL);
      close(conn.fd);
      conn.fd = -1;
    }
  }

  Options options_;
  std::string frame_;    // the pre-built masked frame every send sends
  size_t header_size_;   // bytes of frame_ before the payload
  std::string request_;  // the upgrade request
  std::vector<Conn> conns_;
  int epoll_;
  Counts counts_;
  Clock::time_point start_;
  int launched_ = 0;   // connections whose connect has started
  int pending_ = 0;    // connects or upgrades in flight
  int open_now_ = 0;   // connections upgraded and not closed
  double wall_s_ = 0;  // seconds from the first connect to the end of the loop
  uint64_t messages_at_end_ = 0;
  std::string first_error_;
};

/// ws://127.x.y.z:PORT/PATH, loopback only: this tool must never load anything else.
bool ParseUrl(const std::string& url, Options* options) {
  const std::string scheme = "ws://";
  if (url.rfind(scheme, 0) != 0) return false;
  size_t colon = url.find(':', scheme.size());
  if (colon == std::string::npos) return false;
  size_t slash = url.find('/', colon);
  options->host = url.substr(scheme.size(), colon - scheme.size());
  options->port = static_cast<uint16_t>(std::stoi(url.substr(colon + 1, slash - colon - 1)));
  options->path = slash == std::string::npos ? "/" : url.substr(slash);
  in_addr address{};
  return inet_pton(AF_INET, options->host.c_str(), &address) == 1 &&
         (ntohl(address.s_addr) >> 24) == 127 && options->port != 0;
}

bool ParseOptions(int argc, char** argv, Options* options) {
  if (!ParseUrl(wsbench::Flag(argc, argv, "--url", ""), options)) return false;
  options->connections = std::stoi(wsbench::Flag(argc, argv, "--connections", "1"));
  options->duration_s = std::stod(wsbench::Flag(argc, argv, "--duration", "5"));
  options->max_messages = std::stoull(wsbench::Flag(argc, argv, "--messages", "0"));
  options->size = static_cast<size_t>(std::stoul(wsbench::Flag(argc, argv, "--size", "32")));
  options->max_pending = std::stoi(wsbench::Flag(argc, argv, "--max-pending", "256"));
  options->two_buffers = wsbench::HasFlag(argc, argv, "--two-buffers");
  return options->connections > 0 && options->duration_s > 0 && options->duration_s <= 3600 &&
         options->max_pending > 0 && options->size <= (1u << 20);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool ok = false;
  try {
    ok = ParseOptions(argc, argv, &options);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) {
    std::fprintf(
        stderr,
        "usage: wsbench_floor --url ws://127.0.0.1:PORT/ --connections N "
        "--duration SECONDS [--messages M] [--size BYTES] [--max-pending K] [--two-buffers]"
        "   (IPv4 loopback URLs only)\n");
    return 2;
  }
  wsbench::RaiseFileLimit();
  Floor floor(options);
  floor.Run();
  floor.Report();
  return 0;
}
