#include "engine/threaded_runtime.h"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <thread>
#include <utility>

#include "engine/asio_scheduler.h"
#include "engine/ws_transport.h"

namespace wsyaml::engine {
namespace {

using WorkGuard = asio::executor_work_guard<asio::io_context::executor_type>;

// Only the worker's own thread does I/O on its sockets (other threads only post to it), so
// the reactor's per-descriptor locks are off; posting stays thread-safe.
class ThreadedWorkerLoop : public WorkerLoop {
 public:
  explicit ThreadedWorkerLoop(const std::vector<std::string>& local_addresses)
      : io_(ASIO_CONCURRENCY_HINT_UNSAFE_IO),
        work_(asio::make_work_guard(io_)),
        scheduler_(io_),
        transport_(MakeWebSocketTransport(io_, local_addresses)) {}
  ~ThreadedWorkerLoop() override { Join(); }

  Scheduler& scheduler() override { return scheduler_; }
  Transport& transport() override { return *transport_; }
  void Post(std::function<void()> fn) override { asio::post(io_, std::move(fn)); }
  void Start() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void Quit() override {
    scheduler_.Clear();
    work_.reset();
    io_.stop();
  }
  void Join() override {
    if (thread_.joinable()) thread_.join();
  }

 private:
  asio::io_context io_;
  WorkGuard work_;
  AsioScheduler scheduler_;
  std::unique_ptr<Transport> transport_;
  std::thread thread_;
};

class ThreadedRuntime : public Runtime {
 public:
  explicit ThreadedRuntime(std::vector<std::string> local_addresses)
      : local_addresses_(std::move(local_addresses)),
        work_(asio::make_work_guard(io_)),
        scheduler_(io_) {}

  Scheduler& scheduler() override { return scheduler_; }
  void Post(std::function<void()> fn) override { asio::post(io_, std::move(fn)); }
  void Loop() override { io_.run(); }
  void Quit() override {
    scheduler_.Clear();
    work_.reset();
    io_.stop();
  }
  std::unique_ptr<WorkerLoop> MakeWorkerLoop(int) override {
    return std::make_unique<ThreadedWorkerLoop>(local_addresses_);
  }

 private:
  std::vector<std::string> local_addresses_;
  asio::io_context io_;
  WorkGuard work_;
  AsioScheduler scheduler_;
};

}  // namespace

std::unique_ptr<Runtime> MakeThreadedRuntime(std::vector<std::string> local_addresses) {
  return std::make_unique<ThreadedRuntime>(std::move(local_addresses));
}

}  // namespace wsyaml::engine
