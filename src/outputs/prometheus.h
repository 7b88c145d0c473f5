// `--out prometheus=[HOST]:PORT`: serves /metrics in Prometheus' text format during the run,
// from a server::WebServer on a thread of its own (docs/reports.md#prometheus).
// Threading: as Sink. OnSnapshot renders the text on the coordinator thread and swaps it in;
// a scrape, on the server's thread, only copies a pointer under a mutex, so the coordinator
// never waits on a scrape and a scrape never waits on a render.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "outputs/listen_address.h"
#include "outputs/sink.h"
#include "server/web_server.h"

namespace wsyaml::outputs {

/// Serves the run's metrics on http://HOST:PORT/metrics from Open to Finish.
class PrometheusSink : public Sink {
 public:
  explicit PrometheusSink(ListenAddress address) : address_(std::move(address)) {}
  /// Binds the port (a port in use is a one-line error) and starts serving.
  bool Open(const RunInfo& info, std::string* error) override;
  bool live() const override { return true; }
  /// Renders the exposition text of the run so far for the next scrapes.
  void OnSnapshot(const Snapshot& snapshot) override;
  /// Stops the server.
  bool Finish(const Final& final, std::string* error) override;
  /// The bound port, after Open (the given one; any free one for port 0).
  uint16_t port() const { return server_.port(); }

 private:
  std::shared_ptr<const std::string> Current() const;

  ListenAddress address_;
  RunInfo info_;
  mutable std::mutex mutex_;                 ///< guards text_
  std::shared_ptr<const std::string> text_;  ///< the last rendered exposition
  // Last, so that it is destroyed (its thread stopped) first: its handler reads text_.
  server::WebServer server_;
};

}  // namespace wsyaml::outputs
