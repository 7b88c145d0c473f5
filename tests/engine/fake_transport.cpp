#include "fake_transport.h"

namespace wsyaml::engine::testing {
namespace {

class FakeConnection : public Connection {
 public:
  FakeConnection(std::shared_ptr<FakeSocket> socket, FakeTransport* transport,
                 ManualScheduler* scheduler, size_t index)
      : socket_(std::move(socket)), transport_(transport), scheduler_(scheduler), index_(index) {}
  ~FakeConnection() override {
    socket_->destroyed = true;
    socket_->listener = nullptr;
  }
  SendResult Send(std::string_view payload, bool binary) override {
    if (socket_->closed) return Failure{ErrorKind::kSend, "closed", 0};
    if (socket_->send_failure) return socket_->send_failure;
    socket_->sent.emplace_back(payload);
    socket_->sent_binary.push_back(binary);
    // Wire bytes = payload bytes here: the fake has no frames.
    if (socket_->listener) socket_->listener->OnWireBytes(payload.size(), 0);
    if (transport_->echoing()) transport_->EchoMessage(index_, socket_->sent.back(), binary);
    return std::nullopt;
  }
  void Close(int code, const std::string& reason) override {
    socket_->close_codes.push_back(code);
    socket_->close_reasons.push_back(reason);
    if (transport_->echoing())
      transport_->EchoClose(index_, code, reason);
    else if (transport_->auto_close)
      transport_->ServerClose(index_, code);
  }
  void CloseAtEnd(int code, const std::string& reason) override {
    ++socket_->closes_at_end;
    Close(code, reason);
  }
  void Ping(std::string_view payload) override {
    if (transport_->echoing()) transport_->EchoPing(index_, std::string(payload));
  }

 private:
  std::shared_ptr<FakeSocket> socket_;
  FakeTransport* transport_;
  ManualScheduler* scheduler_;
  size_t index_;
};

}  // namespace

std::unique_ptr<Connection> FakeTransport::Connect(const ConnectRequest& request,
                                                   ConnectionListener* listener) {
  auto socket = std::make_shared<FakeSocket>();
  socket->request = request;
  socket->listener = listener;
  socket->connected_at = scheduler_->Now();
  socket->compression = request.compression;
  sockets_.push_back(socket);
  size_t index = sockets_.size() - 1;
  if (echo_) {
    if (echo_policy_) socket->policy = echo_policy_(request);
    if (socket->policy.fail)
      Fail(index, *socket->policy.fail, socket->policy.fail_status);
    else if (socket->policy.accept)
      EchoOpen(index);
  } else if (auto_open) {
    Open(index);
  }
  return std::make_unique<FakeConnection>(socket, this, scheduler_, index);
}

void FakeTransport::Open(size_t i) {
  auto socket = sockets_[i];
  bool deflate = accept_deflate && socket->compression;
  scheduler_->Schedule(scheduler_->Now(), [socket, deflate] {
    if (socket->listener && deflate) socket->listener->OnDeflate();
    if (socket->listener) socket->listener->OnOpen("");
  });
}

void FakeTransport::Deliver(size_t i, const std::string& message, bool binary) {
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now(), [socket, message, binary] {
    if (!socket->listener || socket->closed) return;
    socket->listener->OnWireBytes(0, message.size());
    if (socket->listener) socket->listener->OnMessage(message, binary);
  });
}

void FakeTransport::ServerClose(size_t i, int code, bool clean) {
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now(), [socket, code, clean] {
    if (socket->closed) return;
    socket->closed = true;
    if (socket->listener) socket->listener->OnClose(code, "", clean);
  });
}

void FakeTransport::Fail(size_t i, ErrorKind kind, int http_status) {
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now(), [socket, kind, http_status] {
    socket->closed = true;
    if (socket->listener) {
      socket->listener->OnFail({kind, std::string(ErrorKindName(kind)) + " failure", http_status});
    }
  });
}

void FakeTransport::StartEcho(std::chrono::microseconds delay,
                              std::function<EchoPolicy(const ConnectRequest&)> policy) {
  echo_ = true;
  echo_delay_ = delay;
  echo_policy_ = std::move(policy);
}

void FakeTransport::EchoOpen(size_t i) {
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now() + echo_delay_, [this, socket, i] {
    if (!socket->listener || socket->closed) return;
    socket->opened = true;
    ++echo_counts_.connections;
    socket->listener->OnOpen("");
    const EchoPolicy& policy = socket->policy;
    if (policy.close_after == 0) EchoEnd(i, policy.close_code, policy.close_reason, policy.clean);
  });
}

void FakeTransport::EchoMessage(size_t i, const std::string& payload, bool binary) {
  ++echo_counts_.frames_in;
  echo_counts_.bytes_in += static_cast<int64_t>(payload.size());
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now() + echo_delay_, [this, socket, i, payload, binary] {
    if (socket->closed) return;
    const EchoPolicy& policy = socket->policy;
    if (policy.close_after >= 0 && socket->echoed >= policy.close_after) return;
    ++socket->echoed;
    ++echo_counts_.frames_out;
    if (socket->listener) socket->listener->OnWireBytes(0, payload.size());
    if (socket->listener) socket->listener->OnMessage(payload, binary);
    if (socket->echoed == policy.close_after)
      EchoEnd(i, policy.close_code, policy.close_reason, policy.clean);
  });
}

void FakeTransport::EchoClose(size_t i, int code, const std::string& reason) {
  scheduler_->Schedule(scheduler_->Now() + echo_delay_,
                       [this, i, code, reason] { EchoEnd(i, code, reason, true); });
}

void FakeTransport::EchoPing(size_t i, const std::string& payload) {
  ++echo_counts_.pings;
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now() + echo_delay_, [socket, payload] {
    if (socket->listener && !socket->closed) socket->listener->OnPong(payload);
  });
}

void FakeTransport::EchoEnd(size_t i, int code, const std::string& reason, bool clean) {
  auto socket = sockets_[i];
  if (socket->closed) return;
  socket->closed = true;
  if (socket->opened) ++echo_counts_.closes;
  if (clean) ++echo_counts_.close_codes[code];
  if (socket->listener) socket->listener->OnClose(clean ? code : 1006, reason, clean);
}

}  // namespace wsyaml::engine::testing
