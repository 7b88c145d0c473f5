#include "server/chaos_session.h"

#include <websocketpp/base64/base64.hpp>
#include <websocketpp/sha1/sha1.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace wsyaml::server::internal {
namespace {

constexpr uint64_t kMaxPayload = 16 * 1024 * 1024;
constexpr uint64_t kMaxMilliseconds = 600000;
constexpr int kCloseGraceMs = 2000;   // wait this long for the client's close frame
constexpr int kNoReadHoldMs = 60000;  // /no-read holds the connection at most this long
constexpr char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr char kPaths[] =
    "chaos paths: /echo /status/<code> /slow-accept/<ms> /silent /close[/<code>] "
    "/drop-after/<n> /reset-after/<n> /invalid-frame /invalid-utf8 /flood[/<count>[/<bytes>]] "
    "/no-read /ping[/<ms>]\n";

enum Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kCloseOp = 0x8,
  kPingOp = 0x9,
  kPongOp = 0xA,
};
constexpr uint8_t kFin = 0x80;

bool ParseNumber(const std::string& text, uint64_t max, uint64_t* out) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit) || text.size() > 12) {
    return false;
  }
  *out = std::strtoull(text.c_str(), nullptr, 10);
  return *out <= max;
}

std::vector<std::string> Segments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

const char* Reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Chaos";
  }
}

std::string AcceptKey(const std::string& key) {
  std::string input = key + kGuid;
  unsigned char hash[20];
  websocketpp::sha1::calc(input.data(), input.size(), hash);
  return websocketpp::base64_encode(hash, sizeof(hash));
}

/// The value of header `name` (lower case) in an HTTP request, trimmed; "" if absent.
std::string Header(const std::string& request, const std::string& name) {
  std::string lower = request;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  size_t at = lower.find("\r\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t begin = at + name.size() + 3;
  size_t end = request.find("\r\n", begin);
  std::string value = request.substr(begin, end - begin);
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t") + 1);
  return value;
}

std::string CloseCode(uint64_t code) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

}  // namespace

Behaviour ParseChaosPath(const std::string& target) {
  std::vector<std::string> s = Segments(target);
  Behaviour b;
  if (s.empty()) return b;
  const std::string& name = s[0];
  const size_t args = s.size() - 1;
  auto number = [&](size_t i, uint64_t max) { return ParseNumber(s[i], max, &b.number); };
  if (name == "echo" && args == 0) {
    b.mode = Behaviour::kEcho;
  } else if (name == "status" && args == 1 && number(1, 599) && b.number >= 200) {
    b.mode = Behaviour::kStatus;
  } else if (name == "slow-accept" && args == 1 && number(1, kMaxMilliseconds)) {
    b.mode = Behaviour::kSlowAccept;
  } else if (name == "silent" && args == 0) {
    b.mode = Behaviour::kSilent;
  } else if (name == "close" && (args == 0 || (args == 1 && number(1, 65535)))) {
    b.mode = Behaviour::kClose;
    b.has_number = args == 1;
  } else if ((name == "drop-after" || name == "reset-after") && args == 1 && number(1, 1000000)) {
    b.mode = name == "drop-after" ? Behaviour::kDropAfter : Behaviour::kResetAfter;
  } else if (name == "invalid-frame" && args == 0) {
    b.mode = Behaviour::kInvalidFrame;
  } else if (name == "invalid-utf8" && args == 0) {
    b.mode = Behaviour::kInvalidUtf8;
  } else if (name == "no-read" && args == 0) {
    b.mode = Behaviour::kNoRead;
  } else if (name == "flood" && args <= 2) {
    b.number = 10000;
    b.size = 1024;
    bool ok = args < 1 || number(1, 1000000);
    ok = ok && (args < 2 || ParseNumber(s[2], 1 << 20, &b.size));
    if (ok) b.mode = Behaviour::kFlood;
  } else if (name == "ping" && args <= 1) {
    b.number = 100;
    if (args == 0 || (number(1, 60000) && b.number >= 10)) b.mode = Behaviour::kPing;
  }
  if (b.mode == Behaviour::kNotFound) b = Behaviour();
  return b;
}

ChaosSession::ChaosSession(asio::ip::tcp::socket socket, ChaosWorkerState* worker)
    : socket_(std::move(socket)),
      worker_(worker),
      timer_(socket_.get_executor()),
      request_(16 * 1024) {}

void ChaosSession::Start() {
  asio::async_read_until(socket_, request_, "\r\n\r\n",
                         [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                           self->OnRequest(ec, n);
                         });
}

void ChaosSession::Abort() { End(); }

void ChaosSession::OnRequest(const asio::error_code& ec, size_t bytes) {
  if (ec || ended_) return End();
  std::string request(asio::buffers_begin(request_.data()),
                      asio::buffers_begin(request_.data()) + bytes);
  request_.consume(bytes);
  size_t space = request.find(' ');
  size_t space2 = request.find(' ', space + 1);
  key_ = Header(request, "sec-websocket-key");
  if (request.compare(0, 4, "GET ") != 0 || space2 == std::string::npos || key_.empty()) {
    return AnswerStatus(400);
  }
  behaviour_ = ParseChaosPath(request.substr(space + 1, space2 - space - 1));
  switch (behaviour_.mode) {
    case Behaviour::kStatus:
      return AnswerStatus(static_cast<int>(behaviour_.number));
    case Behaviour::kNotFound:
      return AnswerStatus(404);
    case Behaviour::kSilent:
      return Discard();  // never answer; wait for the client to give up
    case Behaviour::kSlowAccept:
      timer_.expires_after(std::chrono::milliseconds(behaviour_.number));
      timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
        if (!e && !self->ended_) self->Upgrade();
      });
      return;
    default:
      return Upgrade();
  }
}

void ChaosSession::AnswerStatus(int status) {
  Bump(worker_->counts->rejected);
  std::string body = status == 404 ? kPaths : "chaos: answering the upgrade with this status\n";
  std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
      "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  SendRaw(std::move(response), [this] {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    CloseAfter(kCloseGraceMs);
  });
  Discard();  // notices the client closing
}

void ChaosSession::Discard() {
  payload_.resize(1024);
  socket_.async_read_some(asio::buffer(payload_),
                          [self = shared_from_this()](const asio::error_code& ec, size_t) {
                            if (ec || self->ended_) return self->End();
                            self->Discard();
                          });
}

void ChaosSession::Upgrade() {
  SendRaw(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      AcceptKey(key_) + "\r\n\r\n");
  open_ = true;
  Bump(worker_->counts->connections);
  Bump(worker_->counts->open);
  AfterUpgrade();
}

void ChaosSession::AfterUpgrade() {
  const uint64_t n = behaviour_.number;
  switch (behaviour_.mode) {
    case Behaviour::kClose:
      close_sent_ = true;
      SendFrame(kFin | kCloseOp,
                behaviour_.has_number ? CloseCode(n) + "chaos close " + std::to_string(n) : "");
      CloseAfter(kCloseGraceMs);
      break;
    case Behaviour::kDropAfter:
    case Behaviour::kResetAfter:
      if (n == 0 && behaviour_.mode == Behaviour::kResetAfter) return DropTcp(true);
      if (n == 0) DropTcp(false);
      break;
    case Behaviour::kInvalidFrame:
      SendRaw(std::string{static_cast<char>(kFin | 0x3), 0});  // opcode 3 is reserved
      break;
    case Behaviour::kInvalidUtf8:
      SendRaw(std::string{static_cast<char>(kFin | kText), 2, '\xC3', '\x28'});
      break;
    case Behaviour::kFlood:
      flood_left_ = n;
      FloodNext();
      break;
    case Behaviour::kNoRead:
      return CloseAfter(kNoReadHoldMs);
    case Behaviour::kPing:
      PingNext();
      break;
    default:
      break;
  }
  ReadFrameHeader();
}

void ChaosSession::ReadFrameHeader() {
  header_.resize(2);
  asio::async_read(socket_, asio::buffer(header_),
                   [self = shared_from_this()](const asio::error_code& ec, size_t) {
                     if (ec || self->ended_) return self->End();
                     self->OnFrameHeader();
                   });
}

void ChaosSession::OnFrameHeader() {
  const bool masked = header_[1] & 0x80;
  const uint8_t length7 = header_[1] & 0x7F;
  const size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  if (!masked) {
    // Clients must mask (RFC 6455 5.1).
    close_sent_ = true;
    SendFrame(kFin | kCloseOp, CloseCode(1002) + "unmasked frame");
    return CloseAfter(kCloseGraceMs);
  }
  header_.resize(2 + extended + 4);
  asio::async_read(
      socket_, asio::buffer(header_.data() + 2, extended + 4),
      [self = shared_from_this(), extended, length7](const asio::error_code& ec, size_t) {
        if (ec || self->ended_) return self->End();
        uint64_t length = length7;
        if (extended > 0) {
          length = 0;
          for (size_t i = 0; i < extended; ++i) length = (length << 8) | self->header_[2 + i];
        }
        if (length > kMaxPayload) {
          self->close_sent_ = true;
          self->SendFrame(kFin | kCloseOp, CloseCode(1009) + "message too big");
          return self->CloseAfter(kCloseGraceMs);
        }
        self->payload_.resize(length);
        asio::async_read(self->socket_, asio::buffer(self->payload_),
                         [self](const asio::error_code& e, size_t) {
                           if (e || self->ended_) return self->End();
                           const uint8_t* mask = &self->header_[self->header_.size() - 4];
                           for (size_t i = 0; i < self->payload_.size(); ++i) {
                             self->payload_[i] = static_cast<char>(self->payload_[i] ^ mask[i % 4]);
                           }
                           self->OnFrame(self->header_[0], std::move(self->payload_));
                         });
      });
}

void ChaosSession::OnFrame(uint8_t first_byte, std::string payload) {
  const uint8_t opcode = first_byte & 0x0F;
  const bool fin = first_byte & kFin;
  if (draining_) return ReadFrameHeader();
  switch (opcode) {
    case kCloseOp:
      return OnClose(payload);
    case kPingOp:
      SendFrame(kFin | kPongOp, payload);
      break;
    case kPongOp:
      Bump(worker_->counts->pongs_received);
      break;
    case kContinuation:
    case kText:
    case kBinary:
      Bump(worker_->counts->bytes_in, payload.size());
      if (fin) Bump(worker_->counts->frames_in);
      // Echo frame by frame, so a fragmented message comes back fragmented.
      if (!close_sent_) SendFrame(first_byte & (kFin | 0x0F), payload, fin);
      if (fin) OnMessageDone();
      break;
    default:
      close_sent_ = true;
      SendFrame(kFin | kCloseOp, CloseCode(1002) + "reserved opcode");
      return CloseAfter(kCloseGraceMs);
  }
  if (!ended_) ReadFrameHeader();
}

void ChaosSession::OnMessageDone() {
  ++messages_in_;
  const bool drop = behaviour_.mode == Behaviour::kDropAfter;
  if ((drop || behaviour_.mode == Behaviour::kResetAfter) && messages_in_ >= behaviour_.number) {
    // After the echo has gone out.
    SendRaw("", [this, drop] { DropTcp(!drop); });
  }
}

void ChaosSession::OnClose(const std::string& payload) {
  if (close_sent_) return End();
  close_sent_ = true;
  SendFrame(kFin | kCloseOp, payload.substr(0, 2));
  // The server closes TCP first (RFC 6455 7.1.1) once its close frame is out.
  SendRaw("", [this] { End(); });
}

void ChaosSession::SendFrame(uint8_t first_byte, const std::string& payload,
                             bool counts_as_message) {
  std::string frame(1, static_cast<char>(first_byte));
  const uint64_t size = payload.size();
  if (size < 126) {
    frame += static_cast<char>(size);
  } else if (size <= 0xFFFF) {
    frame += static_cast<char>(126);
    for (int shift = 8; shift >= 0; shift -= 8) frame += static_cast<char>((size >> shift) & 0xFF);
  } else {
    frame += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((size >> shift) & 0xFF);
  }
  frame += payload;
  const uint8_t opcode = first_byte & 0x0F;
  if (opcode == kText || opcode == kBinary || opcode == kContinuation) {
    Bump(worker_->counts->bytes_out, size);
    if (counts_as_message) Bump(worker_->counts->frames_out);
  }
  SendRaw(std::move(frame));
}

void ChaosSession::SendRaw(std::string bytes, std::function<void()> then) {
  writes_.emplace_back(std::move(bytes), std::move(then));
  WriteNext();
}

void ChaosSession::WriteNext() {
  if (writing_ || writes_.empty() || ended_) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(writes_.front().first),
                    [self = shared_from_this()](const asio::error_code& ec, size_t) {
                      self->writing_ = false;
                      if (ec || self->ended_) return self->End();
                      std::function<void()> then = std::move(self->writes_.front().second);
                      self->writes_.pop_front();
                      if (then) then();
                      self->WriteNext();
                    });
}

void ChaosSession::FloodNext() {
  if (flood_left_ == 0 || ended_ || close_sent_) return;
  --flood_left_;
  std::string message = "flood " + std::to_string(behaviour_.number - flood_left_);
  message.resize(std::max<size_t>(behaviour_.size, 1), 'x');
  SendFrame(kFin | kText, message, true);
  // One flood frame in the queue at a time: as fast as the socket takes them, no faster.
  SendRaw("", [this] { FloodNext(); });
}

void ChaosSession::PingNext() {
  timer_.expires_after(std::chrono::milliseconds(behaviour_.number));
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->ended_ || self->close_sent_) return;
    Bump(self->worker_->counts->pings_sent);
    self->SendFrame(kFin | kPingOp, "chaos-ping-" + std::to_string(++self->ping_number_));
    self->PingNext();
  });
}

void ChaosSession::DropTcp(bool reset) {
  asio::error_code ignored;
  if (reset) {
    socket_.set_option(asio::socket_base::linger(true, 0), ignored);
    return End();
  }
  // FIN, not close(): closing a socket with unread input sends RST, and the client would
  // lose the messages it has not read yet. Input is read and ignored until the client's FIN.
  draining_ = true;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  CloseAfter(kCloseGraceMs);
}

void ChaosSession::CloseAfter(int milliseconds) {
  timer_.expires_after(std::chrono::milliseconds(milliseconds));
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->End();
  });
}

void ChaosSession::End() {
  if (ended_) return;
  ended_ = true;
  timer_.cancel();
  asio::error_code ignored;
  socket_.close(ignored);
  if (open_) {
    Bump(worker_->counts->closes);
    worker_->counts->open.fetch_sub(1, std::memory_order_relaxed);
  }
  if (worker_->on_end) worker_->on_end(this);
}

}  // namespace wsyaml::server::internal
