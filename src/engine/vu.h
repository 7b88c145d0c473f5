// A virtual user: runs a scenario's steps once per iteration, with its connections, handlers
// and timers. Threading: a Vu lives on one worker thread; every method runs there.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "engine/template_eval.h"
#include "engine/worker_context.h"
#include "graph/graph.h"

namespace wsyaml::engine {

/// One VU. Iterations run one at a time; StartIteration begins one, `done` reports its end.
class Vu {
 public:
  /// `id` is the 1-based VU id seen as ${vu}.
  Vu(WorkerContext& ctx, const graph::Scenario& scenario, int id);
  ~Vu();
  Vu(const Vu&) = delete;
  Vu& operator=(const Vu&) = delete;

  /// Called when an iteration ends; `completed` is false when it was interrupted.
  using DoneCallback = std::function<void(Vu&, bool completed)>;

  /// Starts the next iteration. Must not be called while one runs.
  void StartIteration(DoneCallback done);
  /// True between StartIteration and its DoneCallback.
  bool running() const { return running_; }
  /// Cuts the running iteration short: cancels its timers and closes its sockets with 1001
  /// (going away). `done(false)` follows once every socket is closed.
  void Interrupt();
  /// Drops every socket without a closing handshake (last resort at shutdown).
  void Abandon();
  /// The 1-based id.
  int id() const { return id_; }
  /// Sockets of this VU not yet closed.
  int LiveSockets() const;

 private:
  struct Conn;
  struct Fiber;
  struct ActiveTimer;
  struct PendingReply;

  // Step execution (vu.cpp).
  void RunFiber(Fiber& fiber);
  bool Execute(Fiber& fiber, const graph::Step& step);  // false = the fiber waits
  void ExecuteConnect(Fiber& fiber, const graph::Connect& spec, bool* waits);
  void ExecuteSend(Fiber& fiber, const graph::Send& send);
  void RunBody(const graph::StepList& body, Conn* conn, const MessageView* msg, TimePoint intended);
  void Resume(Fiber& fiber);

  // Timers (vu_timers.cpp).
  std::list<ActiveTimer>& TimersOf(Conn* conn);
  void StartAfter(Conn* conn, const graph::After& after);
  void StartEvery(Conn* conn, const graph::Every& every);
  void CancelNamed(Conn* conn, const std::string& name);
  void CancelAllTimers(std::list<ActiveTimer>& timers);
  TimerId WaitTimer(Fiber& fiber, graph::Micros delay);

  // Connection events (vu_conn.cpp).
  void OpenConn(Conn& conn);
  void StartHandshake(Conn& conn, const ConnectRequest& request);
  /// Records in timer_lateness how late a timer of `step` ran against its `deadline`.
  void RecordLateness(const void* step, Conn* conn, const std::string& name, TimePoint deadline);
  void HandleOpen(Conn& conn);
  void HandleMessage(Conn& conn, std::string_view payload, bool binary);
  void HandleClose(Conn& conn, int code, const std::string& reason, bool clean);
  void HandleFail(Conn& conn, const Failure& failure);
  void ConnEnded(Conn& conn, bool abnormal);
  void RunEventHandlers(Conn& conn, graph::OnEvent::Kind kind);
  void FailReplies(Conn& conn, const std::string& reason);
  void WakeWaiters(Conn& conn);

  // Iteration bookkeeping (vu.cpp).
  void InitIterationVars();
  void MaybeFinish();
  void Finish();
  EvalContext Context(const Conn* conn, const MessageView* msg = nullptr) const;
  void RecordError(ErrorKind kind, const std::string& message, uint32_t tags, int http_status = 0);
  void Check(const std::string& name, bool passed, const std::string& failure);
  void Debug(const Conn* conn, const std::string& text) const;
  /// Remembers a value that must never be printed.
  void AddSecret(const std::string& value);

  WorkerContext& ctx_;
  const graph::Scenario& scenario_;
  const int id_;
  uint64_t iteration_ = 0;
  bool running_ = false;
  bool interrupted_ = false;
  bool finish_posted_ = false;
  TimePoint iteration_start_{};
  TimerId iteration_timeout_ = 0;
  DoneCallback done_;
  std::vector<std::string> vars_;
  DataRows rows_;
  std::unique_ptr<Fiber> main_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::list<ActiveTimer> vu_timers_;  ///< timers started where there is no connection
  std::vector<std::string> secrets_;  ///< worker secrets + this VU's credential header values
};

}  // namespace wsyaml::engine
