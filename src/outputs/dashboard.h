// `--dashboard`: a live page served by wsyaml itself while the run goes (k6's web dashboard
// idea): GET / is the page (src/outputs/dashboard_page.html, compiled in), and a WebSocket on
// the same port pushes MakeDashboardUpdate once per second; a page opened mid-run gets the
// chart history so far and the latest update at once. The server stops with the run.
// Threading: Open and Finish on the run's main thread, OnSnapshot on the coordinator thread;
// the page and the WebSocket are served from server::WebServer's own thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <ostream>
#include <string>

#include "outputs/listen_address.h"
#include "outputs/sink.h"
#include "server/web_server.h"

namespace wsyaml::outputs {

/// Where the dashboard listens by default, as k6's web dashboard.
inline constexpr const char* kDefaultDashboardAddress = "127.0.0.1:5665";

/// Parses --dashboard's HOST:PORT (ParseListenAddress). False with a one-line *error.
bool ParseDashboardAddress(const std::string& text, ListenAddress* out, std::string* error);

/// The page, as compiled in.
const char* DashboardPage();

class DashboardSink : public Sink {
 public:
  /// Listens on `address` ("HOST:PORT") when opened; prints its URL on `err`.
  DashboardSink(std::string address, std::ostream& err);
  /// Binds the port and starts serving; prints "dashboard: http://HOST:PORT/".
  bool Open(const RunInfo& info, std::string* error) override;
  bool live() const override { return true; }
  /// Formats the update and hands it to the server's thread; never waits on a browser.
  void OnSnapshot(const Snapshot& snapshot) override;
  /// Closes the pages' WebSockets (1001) and stops the server, within about a second.
  bool Finish(const Final& final, std::string* error) override;
  /// The bound port, after Open.
  uint16_t port() const { return web_.port(); }

 private:
  /// Chart points kept for pages that open later: at most this many (an hour of seconds,
  /// as the page keeps) ...
  static constexpr size_t kMaxHistory = 3600;
  /// ... and at most this many bytes (many names or error kinds make big points).
  static constexpr size_t kMaxHistoryBytes = 8 << 20;

  std::string address_;
  std::ostream& err_;
  RunInfo info_;
  std::mutex history_mutex_;         // the coordinator appends, the server's thread reads
  std::deque<std::string> history_;  // chart points, oldest first
  size_t history_bytes_ = 0;
  server::WebServer web_;  // last: stopped before the history goes
};

}  // namespace wsyaml::outputs
