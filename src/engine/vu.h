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
  /// Drops every socket without a closing handshake (last resort at shutdown) and cancels
  /// every timer of the VU: no callback follows, and the VU may be destroyed at once.
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

  // Step execution (vu_steps.cpp): ExecuteStep picks the Execute overload of the step's kind
  // with std::visit, so a new step kind does not compile until it has one. A step that waits
  // sets `fiber.wait`; RunFiber then returns, and Resume goes on later.
  void RunFiber(Fiber& fiber);
  /// At the end of a repeat body: true when the frame runs another pass (or yields first).
  bool RepeatAgain(Fiber& fiber);
  void ExecuteStep(Fiber& fiber, const graph::Step& step);
  void Execute(Fiber& fiber, const graph::Connect& spec);
  void Execute(Fiber& fiber, const graph::Send& send);
  void Execute(Fiber& fiber, const graph::OnMessage& on_message);
  void Execute(Fiber& fiber, const graph::OnEvent& on_event);
  void Execute(Fiber& fiber, const graph::Close& close);
  void Execute(Fiber& fiber, const graph::Ping& ping);
  void Execute(Fiber& fiber, const graph::Expect& expect);
  void Execute(Fiber& fiber, const graph::Sleep& sleep);
  void Execute(Fiber& fiber, const graph::Wait& wait);
  void Execute(Fiber& fiber, const graph::Log& log);
  void Execute(Fiber& fiber, const graph::Set& set);
  void Execute(Fiber& fiber, const graph::Repeat& repeat);
  void Execute(Fiber& fiber, const graph::Fail& fail);
  /// Sets up a send's reply expectation on `conn` (the message was just sent).
  void ExpectReply(Fiber& fiber, Conn& conn, const graph::Reply& reply, std::string sent,
                   bool binary);
  void RunBody(const graph::StepList& body, Conn* conn, const MessageView* msg, TimePoint intended);
  void Resume(Fiber& fiber);

  // Timers (vu_timers.cpp).
  void Execute(Fiber& fiber, const graph::Every& every);
  void Execute(Fiber& fiber, const graph::After& after);
  void Execute(Fiber& fiber, const graph::Cancel& cancel);
  std::list<ActiveTimer>& TimersOf(Conn* conn);
  void StartAfter(Conn* conn, const graph::After& after);
  void StartEvery(Conn* conn, const graph::Every& every);
  void CancelNamed(Conn* conn, const std::string& name);
  void CancelAllTimers(std::list<ActiveTimer>& timers);
  /// Cancels `id` if set, and clears it.
  void CancelTimer(TimerId& id);
  /// Makes `fiber` wait `delay`, then resume (an expect that times out fails its check).
  void WaitTimer(Fiber& fiber, graph::Micros delay);
  /// Stops a fiber: cancels its wait and drops its remaining steps. `fiber` may be null.
  void StopFiber(Fiber* fiber);
  /// Records in timer_lateness how late a timer of `step` ran against its `deadline`.
  void RecordLateness(const void* step, Conn* conn, const std::string& name, TimePoint deadline);

  // Connection events (vu_conn.cpp).
  void OpenConn(Conn& conn);
  /// Registers the on-error handlers of a connection's program before it runs (see .cpp).
  void RegisterEarlyErrorHandlers(Conn& conn);
  ConnectRequest MakeRequest(Conn& conn, const EvalContext& eval);
  void StartHandshake(Conn& conn, const ConnectRequest& request);
  void HandleOpen(Conn& conn);
  void HandleMessage(Conn& conn, std::string_view payload, bool binary);
  /// Settles the first pending reply of `conn` that `msg` matches.
  void MatchReply(Conn& conn, const MessageView& msg, TimePoint now);
  void RunMessageHandlers(Conn& conn, const MessageView& msg);
  /// Gives `msg` to the expects waiting on `conn` that match it; false when none took it.
  bool WakeExpects(Conn& conn, const MessageView& msg, TimePoint now);
  /// Keeps a message no waiting expect took in `conn`'s inbox when a later expect of the
  /// connection may match it, dropping (and counting) the oldest when full.
  void KeepInInbox(Conn& conn, const MessageView& msg, TimePoint now);
  /// Settles `expect` with the oldest message of `conn`'s inbox that it matches, if any.
  bool TakeFromInbox(Conn& conn, const graph::Expect& expect);
  /// An expect matched `msg`: its ws_reply_time sample, passed check and captures.
  void PassExpect(Conn& conn, const graph::Expect& expect, const MessageView& msg,
                  std::chrono::nanoseconds reply_time);
  /// Stores what `captures` take from `msg` in their variables (absent values: empty).
  void Capture(const std::vector<graph::Capture>& captures, const MessageView& msg);
  void HandleClose(Conn& conn, int code, const std::string& reason, bool clean);
  void HandleFail(Conn& conn, const Failure& failure);
  void ConnEnded(Conn& conn, bool abnormal);
  void ScheduleReconnect(Conn& conn);
  void RunEventHandlers(Conn& conn, graph::OnEvent::Kind kind);
  void FailReplies(Conn& conn, const std::string& reason);
  void WakeWaiters(Conn& conn);

  // Iteration bookkeeping (vu.cpp).
  void InitIterationVars();
  /// Cancels every timer of the iteration and stops every fiber: the part of Interrupt and
  /// Abandon that is the same. Sockets are left to the caller.
  void CancelIteration();
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
  TimerId finish_timer_ = 0;  ///< the posted Finish, if any
  TimePoint iteration_start_{};
  TimerId iteration_timeout_ = 0;
  DoneCallback done_;
  std::vector<nlohmann::json> vars_;  ///< null = not set
  DataRows rows_;
  std::unique_ptr<Fiber> main_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::list<ActiveTimer> vu_timers_;  ///< timers started where there is no connection
  std::vector<std::string> secrets_;  ///< worker secrets + this VU's credential header values
};

}  // namespace wsyaml::engine
