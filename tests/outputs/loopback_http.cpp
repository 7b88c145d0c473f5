#include "outputs/loopback_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

namespace wsyaml::outputs::testing {

LoopbackHttp::LoopbackHttp(Script script) : script_(std::move(script)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      listen(listen_fd_, 16) == 0 &&
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

LoopbackHttp::~LoopbackHttp() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<std::string> LoopbackHttp::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

bool LoopbackHttp::Handle(int fd, std::string* pending) {
  char buffer[65536];
  ssize_t n = recv(fd, buffer, sizeof buffer, 0);
  if (n <= 0) return false;
  pending->append(buffer, static_cast<size_t>(n));
  for (;;) {
    size_t head_end = pending->find("\r\n\r\n");
    if (head_end == std::string::npos) return true;
    size_t length_at = pending->find("Content-Length: ");
    size_t length =
        length_at < head_end ? std::strtoul(pending->c_str() + length_at + 16, nullptr, 10) : 0;
    size_t whole = head_end + 4 + length;
    if (pending->size() < whole) return true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(pending->substr(0, whole));
    }
    pending->erase(0, whole);
    if (script_.silent) continue;
    send(fd, script_.raw.data(), script_.raw.size(), MSG_NOSIGNAL);
    if (script_.close_after_response) return false;
  }
}

void LoopbackHttp::Serve() {
  std::map<int, std::string> clients;  // fd -> bytes of an incomplete request
  while (!stop_) {
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const auto& client : clients) fds.push_back({client.first, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        clients[fd];
        ++connections_;
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      if (!Handle(fds[i].fd, &clients[fds[i].fd])) {
        close(fds[i].fd);
        clients.erase(fds[i].fd);
      }
    }
  }
  for (const auto& client : clients) close(client.first);
}

}  // namespace wsyaml::outputs::testing
