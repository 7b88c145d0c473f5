// What the server kinds share: counts, their JSON line, option checks and Start's dispatch.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/ip/address.hpp>
#include <cerrno>
#include <cstring>

#include "server/server_internal.h"

namespace wsyaml::server {

namespace {

// Field names and members, in output order; one table keeps FormatCounts, += and AddTo in step.
struct Field {
  const char* name;
  uint64_t ServerCounts::*plain;
  std::atomic<uint64_t> internal::AtomicCounts::*atomic;
};

constexpr Field kFields[] = {
    {"connections", &ServerCounts::connections, &internal::AtomicCounts::connections},
    {"open", &ServerCounts::open, &internal::AtomicCounts::open},
    {"rejected", &ServerCounts::rejected, &internal::AtomicCounts::rejected},
    {"frames_in", &ServerCounts::frames_in, &internal::AtomicCounts::frames_in},
    {"frames_out", &ServerCounts::frames_out, &internal::AtomicCounts::frames_out},
    {"bytes_in", &ServerCounts::bytes_in, &internal::AtomicCounts::bytes_in},
    {"bytes_out", &ServerCounts::bytes_out, &internal::AtomicCounts::bytes_out},
    {"closes", &ServerCounts::closes, &internal::AtomicCounts::closes},
    {"set_names", &ServerCounts::set_names, &internal::AtomicCounts::set_names},
    {"says", &ServerCounts::says, &internal::AtomicCounts::says},
    {"leaves", &ServerCounts::leaves, &internal::AtomicCounts::leaves},
    {"errors_sent", &ServerCounts::errors_sent, &internal::AtomicCounts::errors_sent},
    {"pings_sent", &ServerCounts::pings_sent, &internal::AtomicCounts::pings_sent},
    {"pongs_received", &ServerCounts::pongs_received, &internal::AtomicCounts::pongs_received},
};

}  // namespace

bool ParseKind(const std::string& name, Kind* kind) {
  if (name == "chat") {
    *kind = Kind::kChat;
  } else if (name == "echo") {
    *kind = Kind::kEcho;
  } else if (name == "chaos") {
    *kind = Kind::kChaos;
  } else {
    return false;
  }
  return true;
}

ServerCounts& ServerCounts::operator+=(const ServerCounts& other) {
  for (const Field& f : kFields) this->*f.plain += other.*f.plain;
  return *this;
}

std::string FormatCounts(const ServerCounts& counts) {
  std::string out = "{";
  for (const Field& f : kFields) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += f.name;
    out += "\":";
    out += std::to_string(counts.*f.plain);
  }
  out += '}';
  return out;
}

std::unique_ptr<ReferenceServer> ReferenceServer::Start(const ServerOptions& options,
                                                        std::string* error) {
  if (options.threads < 1) {
    *error = "threads must be at least 1";
    return nullptr;
  }
  if (!internal::CheckLoopback(options, error)) return nullptr;
  if (options.kind == Kind::kChaos) return internal::StartChaosServer(options, error);
  return internal::StartWebSocketServer(options, error);
}

std::unique_ptr<ReferenceServer> ReferenceServer::Start(Kind kind, uint16_t port, int threads,
                                                        std::string* error) {
  ServerOptions options;
  options.kind = kind;
  options.port = port;
  options.threads = threads;
  return Start(options, error);
}

bool ExpandAddressRanges(const std::vector<std::string>& in, std::vector<std::string>* out,
                         std::string* error) {
  for (const std::string& item : in) {
    size_t dash = item.find('-');
    if (dash == std::string::npos) {
      out->push_back(item);
      continue;
    }
    std::string first = item.substr(0, dash);
    std::string last = item.substr(dash + 1);
    if (last.find('.') == std::string::npos) last = first.substr(0, first.rfind('.') + 1) + last;
    asio::error_code ec1, ec2;
    asio::ip::address_v4 from = asio::ip::make_address_v4(first, ec1);
    asio::ip::address_v4 to = asio::ip::make_address_v4(last, ec2);
    uint32_t begin = from.to_uint();
    uint32_t end = to.to_uint();
    if (ec1 || ec2 || (begin >> 8) != (end >> 8) || begin > end) {
      *error = "not an address range like 127.0.0.1-127.0.0.8 or 127.0.0.1-8: " + item;
      return false;
    }
    for (uint32_t a = begin; a <= end; ++a) out->push_back(asio::ip::address_v4(a).to_string());
  }
  return true;
}

std::unique_ptr<ClosedPort> ClosedPort::Open(std::string* error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  if (fd < 0 || bind(fd, raw, sizeof(address)) != 0 || getsockname(fd, raw, &length) != 0) {
    *error = std::string("cannot bind a closed port: ") + std::strerror(errno);
    if (fd >= 0) close(fd);
    return nullptr;
  }
  return std::unique_ptr<ClosedPort>(new ClosedPort(fd, ntohs(address.sin_port)));
}

ClosedPort::~ClosedPort() { close(fd_); }

namespace internal {

void AtomicCounts::AddTo(ServerCounts* out) const {
  for (const Field& f : kFields) out->*f.plain += (this->*f.atomic).load(std::memory_order_relaxed);
}

bool CheckLoopback(const ServerOptions& options, std::string* error) {
  if (options.addresses.empty()) {
    *error = "no address to listen on";
    return false;
  }
  for (const std::string& text : options.addresses) {
    asio::error_code ec;
    asio::ip::address address = asio::ip::make_address(text, ec);
    if (ec) {
      *error = "not an IP address: " + text;
      return false;
    }
    if (!address.is_loopback()) {
      *error = "refusing to listen on " + text + ": the reference servers listen on loopback only";
      return false;
    }
  }
  return true;
}

}  // namespace internal
}  // namespace wsyaml::server
