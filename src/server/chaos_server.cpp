// The chaos server: raw Asio TCP, so that it can break the protocol on purpose (never answer
// a handshake, send reserved opcodes, drop TCP without a close frame). One io_context and one
// acceptor per listening address per worker thread, as in reference_server.cpp.
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "server/chaos_session.h"

namespace wsyaml::server::internal {
namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
constexpr int kListenBacklog = 4096;

/// One I/O thread. The sessions map is touched only on this thread.
class ChaosWorker {
 public:
  ChaosWorker() {
    state_.counts = &counts_;
    state_.on_end = [this](ChaosSession* session) { sessions_.erase(session); };
  }

  bool Listen(const std::string& address, uint16_t port, bool reuse_port, uint16_t* bound,
              std::string* error) {
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::error_code ec;
    asio::ip::tcp::endpoint where(asio::ip::make_address(address, ec), port);
    acceptor->open(where.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && reuse_port) acceptor->set_option(ReusePort(true), ec);
    if (!ec) acceptor->bind(where, ec);
    if (!ec) acceptor->listen(kListenBacklog, ec);
    if (!ec) *bound = acceptor->local_endpoint(ec).port();
    if (ec) {
      *error = "listen " + address + ":" + std::to_string(port) + ": " + ec.message();
      return false;
    }
    Accept(acceptor.get());
    acceptors_.push_back(std::move(acceptor));
    return true;
  }

  void Run() {
    asio::error_code ec;
    io_.run(ec);
    done_ = true;
  }

  void PostStop() {
    asio::post(io_, [this] {
      asio::error_code ignored;
      for (auto& acceptor : acceptors_) acceptor->close(ignored);
      std::vector<std::shared_ptr<ChaosSession>> sessions;
      for (auto& entry : sessions_) sessions.push_back(entry.second);
      for (auto& session : sessions) session->Abort();
    });
  }

  asio::io_context io_;  // outlives the acceptors and sessions: declared first
  AtomicCounts counts_;
  std::atomic<bool> done_{false};

 private:
  void Accept(asio::ip::tcp::acceptor* acceptor) {
    acceptor->async_accept(
        [this, acceptor](const asio::error_code& ec, asio::ip::tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
          if (!ec) {
            auto session = std::make_shared<ChaosSession>(std::move(socket), &state_);
            sessions_[session.get()] = session;
            session->Start();
          }
          Accept(acceptor);
        });
  }

  ChaosWorkerState state_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::unordered_map<ChaosSession*, std::shared_ptr<ChaosSession>> sessions_;
};

class ChaosServer : public ReferenceServer {
 public:
  ~ChaosServer() override { Stop(); }

  bool Init(const ServerOptions& options, std::string* error) {
    const bool reuse_port = options.reuse_port || options.threads > 1;
    uint16_t port = options.port;
    for (int i = 0; i < options.threads; ++i) {
      workers_.push_back(std::make_unique<ChaosWorker>());
      for (const std::string& address : options.addresses) {
        if (!workers_.back()->Listen(address, port, reuse_port, &port, error)) return false;
      }
    }
    port_ = port;
    for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->Run(); });
    return true;
  }

  uint16_t port() const override { return port_; }

  ServerCounts Counts() const override {
    ServerCounts counts;
    for (const auto& worker : workers_) worker->counts_.AddTo(&counts);
    return counts;
  }

  void Stop() override {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    if (threads_.empty()) return;
    for (auto& worker : workers_) worker->PostStop();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    for (auto& worker : workers_) {
      while (!worker->done_ && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      worker->io_.stop();
    }
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  std::vector<std::unique_ptr<ChaosWorker>> workers_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace

std::unique_ptr<ReferenceServer> StartChaosServer(const ServerOptions& options,
                                                  std::string* error) {
  auto server = std::make_unique<ChaosServer>();
  if (!server->Init(options, error)) return nullptr;
  return server;
}

}  // namespace wsyaml::server::internal
