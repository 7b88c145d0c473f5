#include "outputs/http_post.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace wsyaml::outputs {
namespace {

using Clock = HttpClient::Clock;

// Milliseconds left until `deadline`, rounded up, at least 0.
int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Waits for `events` on `fd` until `deadline`; false with *error when it passes.
bool Wait(int fd, short events, Clock::time_point deadline, std::string* error) {
  for (;;) {
    pollfd p{fd, events, 0};
    int ms = MillisLeft(deadline);
    int n = poll(&p, 1, ms);
    if (n > 0) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::strerror(errno);
      return false;
    }
    if (ms == 0 || Clock::now() >= deadline) {
      *error = "no response within the deadline";
      return false;
    }
  }
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

bool ParseHttpUrl(const std::string& text, HttpUrl* out, std::string* error) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0) {
    *error = text.compare(0, 8, "https://") == 0 ? "https is not supported, only http://"
                                                 : "expected an http:// URL, got '" + text + "'";
    return false;
  }
  std::string rest = text.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out->path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string::npos) {
    *error = "user names and passwords in the URL are not supported";
    return false;
  }
  std::string port;
  if (!authority.empty() && authority[0] == '[') {  // [::1]:8086
    size_t close = authority.find(']');
    if (close == std::string::npos) {
      *error = "unclosed '[' in '" + text + "'";
      return false;
    }
    out->host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else {
    size_t colon = authority.rfind(':');
    out->host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (out->host.empty()) {
    *error = "no host in '" + text + "'";
    return false;
  }
  out->port = 80;
  if (!port.empty()) {
    bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), ::isdigit);
    out->port = digits ? std::stoi(port) : 0;
    if (out->port < 1 || out->port > 65535) {
      *error = "bad port '" + port + "' in '" + text + "'";
      return false;
    }
  }
  return true;
}

std::string UrlEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void HttpClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool HttpClient::Connect(Clock::time_point deadline, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found);
  if (rc != 0) {
    *error = "cannot resolve " + host_ + ": " + gai_strerror(rc);
    return false;
  }
  *error = "no address for " + host_;
  for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      *error = std::strerror(errno);
      continue;
    }
    int err = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      socklen_t len = sizeof err;
      err = Wait(fd, POLLOUT, deadline, error) ? 0 : ETIMEDOUT;
      if (err == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    if (err == 0) {
      fd_ = fd;
    } else {
      *error = err == ETIMEDOUT ? "connect timed out" : Lower(std::strerror(err));
      close(fd);
    }
  }
  freeaddrinfo(found);
  return fd_ >= 0;
}

bool HttpClient::SendAll(const std::string& data, Clock::time_point deadline, std::string* error) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!Wait(fd_, POLLOUT, deadline, error)) return false;
    } else {
      *error = Lower(std::strerror(errno));
      return false;
    }
  }
  return true;
}

bool HttpClient::ReadMore(Clock::time_point deadline, std::string* error) {
  char chunk[16384];
  for (;;) {
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) {
      error->clear();
      return false;
    }
    if (errno != EAGAIN && errno != EINTR) {
      *error = Lower(std::strerror(errno));
      return false;
    }
    if (!Wait(fd_, POLLIN, deadline, error)) return false;
  }
}

bool HttpClient::ReadChunked(Clock::time_point deadline, std::string* body, std::string* error) {
  for (;;) {
    size_t eol;
    while ((eol = buffer_.find("\r\n")) == std::string::npos)
      if (!ReadMore(deadline, error)) return false;
    size_t size = std::strtoul(buffer_.substr(0, eol).c_str(), nullptr, 16);
    // The chunk, its CRLF; the last (empty) chunk is followed by a CRLF (no trailers sent).
    while (buffer_.size() < eol + 2 + size + 2)
      if (!ReadMore(deadline, error)) return false;
    body->append(buffer_, eol + 2, size);
    buffer_.erase(0, eol + 2 + size + 2);
    if (size == 0) return true;
  }
}

bool HttpClient::ReadResponse(Clock::time_point deadline, HttpResponse* response, bool* keep_alive,
                              std::string* error) {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (!ReadMore(deadline, error)) return false;
  std::string head = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  if (head.compare(0, 5, "HTTP/") != 0 || head.size() < 12) {
    *error = "not an HTTP response";
    return false;
  }
  response->status = std::atoi(head.c_str() + 9);
  *keep_alive = head.compare(0, 8, "HTTP/1.1") == 0;
  long long length = -1;
  bool chunked = false;
  std::string lower = Lower(head);
  for (size_t at = lower.find("\r\n"); at != std::string::npos; at = lower.find("\r\n", at + 2)) {
    size_t next = lower.find("\r\n", at + 2);
    std::string line = lower.substr(at + 2, next == std::string::npos ? next : next - at - 2);
    if (line.rfind("content-length:", 0) == 0) length = std::atoll(line.c_str() + 15);
    if (line.rfind("transfer-encoding:", 0) == 0) chunked = line.find("chunked") != line.npos;
    if (line.rfind("connection:", 0) == 0 && line.find("close") != line.npos) *keep_alive = false;
  }
  response->body.clear();
  if (chunked) return ReadChunked(deadline, &response->body, error);
  if (response->status == 204 || response->status == 304 || response->status < 200) length = 0;
  if (length < 0) {  // until the server closes
    while (ReadMore(deadline, error)) {
    }
    *keep_alive = false;
    response->body.swap(buffer_);
    return error->empty();
  }
  while (buffer_.size() < static_cast<size_t>(length))
    if (!ReadMore(deadline, error)) return false;
  response->body = buffer_.substr(0, static_cast<size_t>(length));
  buffer_.erase(0, static_cast<size_t>(length));
  return true;
}

bool HttpClient::Post(const std::string& target, const std::string& content_type,
                      const std::string& body, Clock::time_point deadline, HttpResponse* response,
                      std::string* error) {
  std::string request = "POST " + target + " HTTP/1.1\r\nHost: " + host_ + ":" +
                        std::to_string(port_) +
                        "\r\nUser-Agent: wsyaml\r\nContent-Type: " + content_type +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused && !Connect(deadline, error)) return false;
    bool keep_alive = false;
    if (SendAll(request, deadline, error) && ReadResponse(deadline, response, &keep_alive, error)) {
      if (!keep_alive) Close();
      return true;
    }
    Close();
    // A kept connection the server had closed meanwhile: once more on a fresh one.
    if (!reused || Clock::now() >= deadline) break;
  }
  if (error->empty()) *error = "connection closed before a response";
  return false;
}

}  // namespace wsyaml::outputs
