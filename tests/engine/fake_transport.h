// A Transport for engine tests: connections open, deliver and close when the test says so,
// always asynchronously through the manual scheduler, as a real socket would.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/connection.h"
#include "engine/scheduler.h"

namespace wsyaml::engine::testing {

/// What one fake connection saw and can be made to do.
struct FakeSocket {
  ConnectRequest request;
  ConnectionListener* listener = nullptr;
  std::vector<std::string> sent;
  std::vector<int> close_codes;  ///< codes the client asked to close with
  SendResult send_failure;       ///< when set, every Send fails with it (e.g. backpressure)
  bool destroyed = false;
  bool closed = false;
};

class FakeTransport : public Transport {
 public:
  explicit FakeTransport(ManualScheduler* scheduler) : scheduler_(scheduler) {}

  /// When true, Connect opens the socket on the next tick; otherwise the test calls Open.
  bool auto_open = true;
  /// When true, a client Close is answered by the server's close (code echoed) a tick later.
  bool auto_close = true;

  std::unique_ptr<Connection> Connect(const ConnectRequest& request,
                                      ConnectionListener* listener) override;

  /// Every socket ever made, in order.
  std::vector<std::shared_ptr<FakeSocket>>& sockets() { return sockets_; }

  /// Server-side actions, delivered on the next tick.
  void Open(size_t i);
  void Deliver(size_t i, const std::string& message, bool binary = false);
  void ServerClose(size_t i, int code, bool clean = true);
  void Fail(size_t i, ErrorKind kind, int http_status = 0);

 private:
  ManualScheduler* scheduler_;
  std::vector<std::shared_ptr<FakeSocket>> sockets_;
};

}  // namespace wsyaml::engine::testing
