// Test support: a plain HTTP/1.0 GET on loopback, for the endpoints a run serves (Prometheus'
// /metrics) and the consumers the tests start (Prometheus' query API). Header-only: the
// outputs unit tests use it too.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace wsyaml::testing {

/// What a GET got: status 0 when nothing answered.
struct HttpReply {
  int status = 0;
  std::string headers;  ///< the status line and headers
  std::string body;
};

/// GET http://127.0.0.1:port`target` with HTTP/1.0 (no chunks, the server closes); every
/// read waits at most `timeout_s` seconds.
inline HttpReply HttpGet(uint16_t port, const std::string& target, int timeout_s = 5) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  timeval timeout{timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[8192];
      for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, n);
    }
  }
  close(fd);
  const size_t end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return reply;
  reply.status = std::atoi(response.c_str() + response.find(' ') + 1);
  reply.headers = response.substr(0, end);
  reply.body = response.substr(end + 4);
  return reply;
}

}  // namespace wsyaml::testing
