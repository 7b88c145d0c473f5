// The chat and echo servers on websocketpp. With web_server.cpp, the only files under src/server
// that include websocketpp (a translation unit that does takes 15-40 s to compile).
//
// Threading: each worker thread has its own io_context and its own websocketpp endpoint with
// its own listening socket(s), all bound to the same port with SO_REUSEPORT, so the kernel
// spreads new connections over the workers. A connection lives on one thread for its whole
// life, so the config has no locking at all (concurrency::none). Chat rooms are per worker;
// a broadcast is delivered to local members directly and posted to every other worker, which
// delivers it to its own members. The alternative — one endpoint with N threads on one
// io_context — needs a mutex per connection and one around the rooms on every message.
#include <nlohmann/json.hpp>
#include <websocketpp/server.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "server/server_internal.h"
#include "server/single_thread_config.h"

namespace wsyaml::server::internal {
namespace {

/// Per-connection chat state, embedded in each websocketpp connection (its connection_base).
/// Touched only on the connection's worker thread.
struct ChatState {
  std::string room;      ///< from the path /ws/crocochat/<room>/
  std::string name;      ///< set by SET_NAME; empty until then
  bool leaving = false;  ///< LEAVE received: further input is ignored
};

// 1 KiB instead of 16 KiB read buffer per connection: 100k idle connections must fit. Measured
// here (8k idle echo connections): ~8.3 KB RSS per connection with 1 KiB, ~11.3 KB with 4 KiB.
// Chat and echo messages are small; a larger message just takes more reads. Stop() waits for
// close handshakes; a client that never answers must not hold it more than a second.
using Config = SingleThreadConfig<ChatState, 1024, 1000>;

using Endpoint = websocketpp::server<Config>;
using ConnectionPtr = Endpoint::connection_ptr;
using MessagePtr = Endpoint::message_ptr;
using Hdl = websocketpp::connection_hdl;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr int kListenBacklog = 4096;
constexpr char kChatPrefix[] = "/ws/crocochat/";

/// Returns the room of a chat path /ws/crocochat/<room>/ (trailing slash optional, query
/// ignored), or "" when the path is not a chat path.
std::string RoomFromResource(const std::string& resource) {
  std::string path = resource.substr(0, resource.find('?'));
  const std::string prefix = kChatPrefix;
  if (path.compare(0, prefix.size(), prefix) != 0) return "";
  std::string room = path.substr(prefix.size());
  if (!room.empty() && room.back() == '/') room.pop_back();
  if (room.find('/') != std::string::npos) return "";
  return room;
}

std::string ChatMessage(const std::string& user, const std::string& message) {
  return nlohmann::json{{"event", "CHAT_MSG"}, {"user", user}, {"message", message}}.dump();
}

class WebSocketServer;

/// One I/O thread: an io_context, one endpoint per listening address, and the connections
/// (and chat room members) accepted on it. Everything but `io_` and `counts_` is touched only
/// on the worker's own thread once Run() has started.
class Worker {
 public:
  Worker(WebSocketServer* server, Kind kind) : server_(server), kind_(kind) {}

  /// Binds and listens on address:port; runs before the thread starts.
  bool Listen(const std::string& address, uint16_t port, bool reuse_port, uint16_t* bound,
              std::string* error);
  /// The thread body: accepts and serves until Stop's work is done.
  void Run();
  /// Asks the worker (from any thread) to stop accepting and close its connections with 1001.
  void PostStop();
  /// Delivers `text` to this worker's members of `room`; any thread.
  void PostDeliver(const std::string& room, std::shared_ptr<const std::string> text);
  /// Sends `text` to this worker's members of `room`; on this worker's thread only.
  void Deliver(const std::string& room, const std::string& text);

  asio::io_context io_;  // outlives the endpoints: declared before them
  AtomicCounts counts_;
  std::atomic<bool> done_{false};

 private:
  void OnOpen(Endpoint* endpoint, Hdl hdl);
  void OnEnd(Endpoint* endpoint, Hdl hdl);
  bool OnValidate(Endpoint* endpoint, Hdl hdl);
  void OnMessage(Endpoint* endpoint, Hdl hdl, MessagePtr message);
  void OnChat(const ConnectionPtr& con, const std::string& payload);
  void SetName(const ConnectionPtr& con, const nlohmann::json& event);
  void Say(const ConnectionPtr& con, const nlohmann::json& event);
  void Leave(const ConnectionPtr& con);
  void SendText(const ConnectionPtr& con, const std::string& text);
  void SendError(const ConnectionPtr& con, const std::string& message);

  WebSocketServer* server_;
  Kind kind_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::unordered_set<ConnectionPtr> open_;
  std::unordered_map<std::string, std::unordered_set<ConnectionPtr>> rooms_;
};

class WebSocketServer : public ReferenceServer {
 public:
  ~WebSocketServer() override { Stop(); }

  bool Init(const ServerOptions& options, std::string* error);

  uint16_t port() const override { return port_; }

  ServerCounts Counts() const override {
    ServerCounts counts;
    for (const auto& worker : workers_) worker->counts_.AddTo(&counts);
    return counts;
  }

  void Stop() override;

  /// Sends `text` to every member of `room` on every worker; called on `from`'s thread.
  void Broadcast(Worker* from, const std::string& room, const std::string& text);

 private:
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

bool Worker::Listen(const std::string& address, uint16_t port, bool reuse_port, uint16_t* bound,
                    std::string* error) {
  auto endpoint = std::make_unique<Endpoint>();
  Endpoint* ep = endpoint.get();
  websocketpp::lib::error_code ec;
  ep->init_asio(&io_, ec);
  if (ec) {
    *error = "init_asio: " + ec.message();
    return false;
  }
  ep->set_reuse_addr(true);
  ep->set_listen_backlog(kListenBacklog);
  if (reuse_port) {
    ep->set_tcp_pre_bind_handler([](std::shared_ptr<asio::ip::tcp::acceptor> acceptor) {
      asio::error_code option_ec;
      acceptor->set_option(ReusePort(true), option_ec);
      return option_ec;
    });
  }
  ep->set_open_handler([this, ep](Hdl hdl) { OnOpen(ep, hdl); });
  ep->set_close_handler([this, ep](Hdl hdl) { OnEnd(ep, hdl); });
  ep->set_message_handler([this, ep](Hdl hdl, MessagePtr msg) { OnMessage(ep, hdl, msg); });
  if (kind_ == Kind::kChat) {
    ep->set_validate_handler([this, ep](Hdl hdl) { return OnValidate(ep, hdl); });
  }
  asio::error_code address_ec;
  asio::ip::tcp::endpoint where(asio::ip::make_address(address, address_ec), port);
  ep->listen(where, ec);
  if (ec) {
    *error = "listen " + address + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  asio::error_code local_ec;
  *bound = ep->get_local_endpoint(local_ec).port();
  ep->start_accept(ec);
  if (ec || local_ec) {
    *error = "accept on " + address + ": " + (ec ? ec.message() : local_ec.message());
    return false;
  }
  endpoints_.push_back(std::move(endpoint));
  return true;
}

void Worker::Run() {
  asio::error_code ec;
  io_.run(ec);
  done_ = true;
}

void Worker::PostStop() {
  asio::post(io_, [this] {
    for (auto& endpoint : endpoints_) {
      websocketpp::lib::error_code ec;
      endpoint->stop_listening(ec);
    }
    // Copy: a close may end a connection and erase it from open_.
    std::vector<ConnectionPtr> open(open_.begin(), open_.end());
    for (const ConnectionPtr& con : open) {
      websocketpp::lib::error_code ec;
      con->close(websocketpp::close::status::going_away, "server stopping", ec);
    }
  });
}

void Worker::PostDeliver(const std::string& room, std::shared_ptr<const std::string> text) {
  asio::post(io_, [this, room, text] { Deliver(room, *text); });
}

bool Worker::OnValidate(Endpoint* endpoint, Hdl hdl) {
  websocketpp::lib::error_code ec;
  ConnectionPtr con = endpoint->get_con_from_hdl(hdl, ec);
  if (ec) return false;
  con->room = RoomFromResource(con->get_resource());
  if (con->room.empty()) {
    // set_status/set_body have no error_code overloads; they throw only outside the HTTP
    // request phase, and validate runs inside it.
    con->set_status(websocketpp::http::status_code::not_found);
    con->set_body("not a chat room: use /ws/crocochat/<room>/\n");
    Bump(counts_.rejected);
    return false;
  }
  return true;
}

void Worker::OnOpen(Endpoint* endpoint, Hdl hdl) {
  websocketpp::lib::error_code ec;
  ConnectionPtr con = endpoint->get_con_from_hdl(hdl, ec);
  if (ec) return;
  Bump(counts_.connections);
  Bump(counts_.open);
  open_.insert(con);
  if (kind_ == Kind::kChat) rooms_[con->room].insert(con);
}

void Worker::OnEnd(Endpoint* endpoint, Hdl hdl) {
  websocketpp::lib::error_code ec;
  ConnectionPtr con = endpoint->get_con_from_hdl(hdl, ec);
  if (ec || open_.erase(con) == 0) return;
  Bump(counts_.closes);
  counts_.open.fetch_sub(1, std::memory_order_relaxed);
  if (kind_ != Kind::kChat) return;
  auto room = rooms_.find(con->room);
  if (room != rooms_.end()) {
    room->second.erase(con);
    if (room->second.empty()) rooms_.erase(room);
  }
  // A client that went away without LEAVE still leaves the chat.
  if (!con->leaving && !con->name.empty()) {
    server_->Broadcast(this, con->room, ChatMessage("server", con->name + " left the chat"));
  }
}

void Worker::OnMessage(Endpoint* endpoint, Hdl hdl, MessagePtr message) {
  websocketpp::lib::error_code ec;
  ConnectionPtr con = endpoint->get_con_from_hdl(hdl, ec);
  if (ec) return;
  const std::string& payload = message->get_payload();
  Bump(counts_.frames_in);
  Bump(counts_.bytes_in, payload.size());
  if (kind_ == Kind::kChat) {
    OnChat(con, payload);
    return;
  }
  if (!con->send(payload, message->get_opcode())) {
    Bump(counts_.frames_out);
    Bump(counts_.bytes_out, payload.size());
  }
}

void Worker::OnChat(const ConnectionPtr& con, const std::string& payload) {
  if (con->leaving) return;
  nlohmann::json event = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (event.is_discarded() || !event.is_object()) {
    SendError(con, "invalid JSON: expected an object like {\"event\":\"SAY\",\"message\":\"hi\"}");
    return;
  }
  auto name = event.find("event");
  if (name == event.end() || !name->is_string()) {
    SendError(con, "missing \"event\"");
    return;
  }
  const std::string& kind = name->get_ref<const std::string&>();
  if (kind == "SET_NAME") {
    SetName(con, event);
  } else if (kind == "SAY") {
    Say(con, event);
  } else if (kind == "LEAVE") {
    Leave(con);
  } else {
    SendError(con, "unknown event: " + kind);
  }
}

void Worker::SetName(const ConnectionPtr& con, const nlohmann::json& event) {
  auto name = event.find("new_name");
  if (name == event.end() || !name->is_string() || name->get_ref<const std::string&>().empty()) {
    SendError(con, "SET_NAME needs a non-empty string \"new_name\"");
    return;
  }
  Bump(counts_.set_names);
  std::string old_name = std::move(con->name);
  con->name = name->get<std::string>();
  std::string notice = old_name.empty() ? con->name + " joined the chat"
                                        : old_name + " is now known as " + con->name;
  server_->Broadcast(this, con->room, ChatMessage("server", notice));
}

void Worker::Say(const ConnectionPtr& con, const nlohmann::json& event) {
  if (con->name.empty()) {
    SendError(con, "SAY before SET_NAME: set a name first");
    return;
  }
  auto message = event.find("message");
  if (message == event.end() || !message->is_string()) {
    SendError(con, "SAY needs a string \"message\"");
    return;
  }
  Bump(counts_.says);
  server_->Broadcast(this, con->room, ChatMessage(con->name, message->get<std::string>()));
}

void Worker::Leave(const ConnectionPtr& con) {
  Bump(counts_.leaves);
  con->leaving = true;
  auto room = rooms_.find(con->room);
  if (room != rooms_.end()) room->second.erase(con);
  if (!con->name.empty()) {
    server_->Broadcast(this, con->room, ChatMessage("server", con->name + " left the chat"));
  }
  websocketpp::lib::error_code ec;
  con->close(websocketpp::close::status::normal, "left the chat", ec);
}

void Worker::SendText(const ConnectionPtr& con, const std::string& text) {
  if (!con->send(text, websocketpp::frame::opcode::text)) {
    Bump(counts_.frames_out);
    Bump(counts_.bytes_out, text.size());
  }
}

void Worker::SendError(const ConnectionPtr& con, const std::string& message) {
  Bump(counts_.errors_sent);
  SendText(con, nlohmann::json{{"event", "ERROR"}, {"message", message}}.dump());
}

void Worker::Deliver(const std::string& room, const std::string& text) {
  auto members = rooms_.find(room);
  if (members == rooms_.end()) return;
  for (const ConnectionPtr& con : members->second) SendText(con, text);
}

bool WebSocketServer::Init(const ServerOptions& options, std::string* error) {
  const bool reuse_port = options.reuse_port || options.threads > 1;
  uint16_t port = options.port;
  for (int i = 0; i < options.threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(this, options.kind));
    for (const std::string& address : options.addresses) {
      // The first bind picks the port when 0 was asked for; the others share it.
      if (!workers_.back()->Listen(address, port, reuse_port, &port, error)) return false;
    }
  }
  port_ = port;
  for (auto& worker : workers_) threads_.emplace_back([w = worker.get()] { w->Run(); });
  // Returns once every thread waits in its loop: `run --procs` forks its workers next, and a
  // thread still starting up (allocating) at the fork can leave a lock taken in the child
  // (GCC 12's sanitizer allocator has no fork handler).
  std::mutex started_mutex;
  std::condition_variable started_cv;
  size_t started = 0;
  for (auto& worker : workers_) {
    asio::post(worker->io_, [&] {
      std::lock_guard<std::mutex> lock(started_mutex);
      ++started;
      started_cv.notify_one();
    });
  }
  std::unique_lock<std::mutex> lock(started_mutex);
  started_cv.wait(lock, [&] { return started == workers_.size(); });
  return true;
}

void WebSocketServer::Stop() {
  std::lock_guard<std::mutex> lock(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  if (threads_.empty()) return;  // Init failed before any thread started
  for (auto& worker : workers_) worker->PostStop();
  // Close handshakes normally finish at once; a silent or half-open client must not hold
  // the caller for longer than this.
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

void WebSocketServer::Broadcast(Worker* from, const std::string& room, const std::string& text) {
  auto shared = std::make_shared<const std::string>(text);
  for (auto& worker : workers_) {
    if (worker.get() != from) worker->PostDeliver(room, shared);
  }
  from->Deliver(room, text);
}

}  // namespace

std::unique_ptr<ReferenceServer> StartWebSocketServer(const ServerOptions& options,
                                                      std::string* error) {
  auto server = std::make_unique<WebSocketServer>();
  if (!server->Init(options, error)) return nullptr;
  return server;
}

}  // namespace wsyaml::server::internal
