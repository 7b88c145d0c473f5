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
  SendResult Send(std::string_view payload, bool) override {
    if (socket_->closed) return Failure{ErrorKind::kSend, "closed", 0};
    if (socket_->send_failure) return socket_->send_failure;
    socket_->sent.emplace_back(payload);
    return std::nullopt;
  }
  void Close(int code, const std::string&) override {
    socket_->close_codes.push_back(code);
    if (transport_->auto_close) transport_->ServerClose(index_, code);
  }
  void Ping(std::string_view) override {}

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
  sockets_.push_back(socket);
  size_t index = sockets_.size() - 1;
  if (auto_open) Open(index);
  return std::make_unique<FakeConnection>(socket, this, scheduler_, index);
}

void FakeTransport::Open(size_t i) {
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now(), [socket] {
    if (socket->listener) socket->listener->OnOpen("");
  });
}

void FakeTransport::Deliver(size_t i, const std::string& message, bool binary) {
  auto socket = sockets_[i];
  scheduler_->Schedule(scheduler_->Now(), [socket, message, binary] {
    if (socket->listener && !socket->closed) socket->listener->OnMessage(message, binary);
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

}  // namespace wsyaml::engine::testing
