// Where an engine runs: the coordinator's event loop and one event loop per worker. The
// threaded runtime (threaded_runtime.h) gives each worker a thread, an io_context and
// WebSocket sockets; the manual runtime (manual_runtime.h) runs everything on one manual
// clock with a transport the test provides, so a whole run is tested in milliseconds.
#pragma once

#include <functional>
#include <memory>

#include "engine/connection.h"
#include "engine/scheduler.h"

namespace wsyaml::engine {

/// One worker's event loop. Threading: scheduler() and transport() are used only on the
/// loop's own thread; Post may be called from any thread.
class WorkerLoop {
 public:
  virtual ~WorkerLoop() = default;
  /// Timers of this loop.
  virtual Scheduler& scheduler() = 0;
  /// Connections made on this loop.
  virtual Transport& transport() = 0;
  /// Runs `fn` on the loop's thread, soon.
  virtual void Post(std::function<void()> fn) = 0;
  /// Starts running posted work and timers (on a new thread, or on the manual clock).
  virtual void Start() = 0;
  /// Ends the loop once the current callback returns; called on the loop's thread.
  virtual void Quit() = 0;
  /// Waits until the loop has ended (after Quit).
  virtual void Join() = 0;
};

/// The coordinator's event loop and the factory of worker loops.
class Runtime {
 public:
  virtual ~Runtime() = default;
  /// Timers of the coordinator; used only on the coordinator's thread.
  virtual Scheduler& scheduler() = 0;
  /// Runs `fn` on the coordinator's thread, soon. Thread-safe, not async-signal-safe.
  virtual void Post(std::function<void()> fn) = 0;
  /// Runs the coordinator's loop on the calling thread until Quit.
  virtual void Loop() = 0;
  /// Makes Loop return once the current callback returns; coordinator thread only.
  virtual void Quit() = 0;
  /// A new worker loop; `index` is the worker's 0-based number.
  virtual std::unique_ptr<WorkerLoop> MakeWorkerLoop(int index) = 0;
};

}  // namespace wsyaml::engine
