// A small HTTP and WebSocket server on a thread of its own, for the live outputs of a run:
// answers GET requests from handlers (Prometheus' /metrics, the dashboard's page) and pushes
// text to every WebSocket client (the dashboard's updates); a client that connects late gets
// the last text at once. The only websocketpp server
// outside the reference servers; it serves a handful of clients, not load.
// Threading: Handle, OnOpen, Listen, Start and Stop from one thread (in that order); Broadcast
// from any thread; handlers and the greeting run on the server's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace wsyaml::server {

/// What a handler answers.
struct WebResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class WebServer {
 public:
  /// Answers a GET of its path; `resource` is the whole request target (with the query).
  using Handler = std::function<WebResponse(const std::string& resource)>;

  WebServer();
  /// Stops, when still running.
  ~WebServer();
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  /// Serves GET `path` (exact, query ignored) with `handler`; other paths get 404.
  void Handle(const std::string& path, Handler handler);
  /// Before Start: `greeting` runs on the server's thread when a WebSocket client opens; its
  /// text, unless empty, is the first message that client gets (before the last broadcast).
  void OnOpen(std::function<std::string()> greeting);
  /// Binds address:port (port 0: any free port). False with a one-line *error.
  bool Listen(const std::string& address, uint16_t port, std::string* error);
  /// The bound port, after Listen.
  uint16_t port() const;
  /// Starts the server's thread.
  void Start();
  /// Sends `text` to every open WebSocket client. A client that has not read the last
  /// kMaxBuffered bytes is skipped (counted in skipped()): a slow browser never grows memory.
  /// The last text is kept: a client that opens later gets it at once (the latest state).
  void Broadcast(std::string text);
  /// Most bytes waiting for one client before Broadcast skips it.
  static constexpr size_t kMaxBuffered = 4 << 20;
  /// Messages not sent to a client because it was behind.
  uint64_t skipped() const;
  /// WebSocket clients open now.
  int clients() const;
  /// Closes the clients (1001), stops listening and joins the thread, within about a second.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsyaml::server
