// A virtual user: runs a scenario's steps once per iteration, with its connections, handlers
// and timers. Threading: a Vu lives on one worker thread; every method runs there.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "engine/protocol.h"
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
  /// (going away). `done(false)` follows once every socket is closed. At the run's end
  /// (`run_end`), not the transport's close timeout but the coordinator's close wait bounds
  /// the closing handshakes (Connection::CloseAtEnd).
  void Interrupt(bool run_end = false);
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
  void Execute(Fiber& fiber, const graph::If& branch);
  void Execute(Fiber& fiber, const graph::Check& check);
  /// Sets up a send's reply expectation on `conn` (the message was just sent); `key`: a
  /// protocol reply, settled by the protocol rather than by the reply's matcher.
  void ExpectReply(Fiber& fiber, Conn& conn, const graph::Reply& reply, std::string sent,
                   bool binary, std::string key = {});
  /// The connection a step sends on: `to` when named, else the fiber's; null (and an error
  /// of kind send counted) when it is not open.
  Conn* SendTarget(Fiber& fiber, const std::string& to);

  // Protocol steps (vu_protocol.cpp): rendered into a ProtocolCommand for the session.
  void Execute(Fiber& fiber, const graph::Emit& emit);
  void Execute(Fiber& fiber, const graph::Subscribe& subscribe);
  void Execute(Fiber& fiber, const graph::Unsubscribe& unsubscribe);
  void Execute(Fiber& fiber, const graph::Acknowledge& acknowledge);
  /// A `send` on a protocol connection (stomp SEND, socket.io "message").
  void SendByProtocol(Fiber& fiber, Conn& conn, const graph::Send& send);
  /// Encodes `command` on `conn`; a wanted reply is awaited under the session's key.
  /// False (an error counted) when the session refused it.
  bool EncodeCommand(Fiber& fiber, Conn& conn, const ProtocolCommand& command,
                     const graph::Reply* reply, const std::string& sent);
  /// Starts the protocol of a just-opened connection (its handshake, its timeout).
  void StartProtocol(Conn& conn);
  /// Sends heart-beats every `interval` while the connection is open.
  void StartHeartbeat(Conn& conn, std::chrono::microseconds interval);
  void RunBody(const graph::StepList& body, Conn* conn, const MessageView* msg, TimePoint intended);
  void Resume(Fiber& fiber);

  // Conditions and variable scopes (vu_logic.cpp).
  /// The `while` of a repeat, if any, before a round: false ends the repeat (an error is
  /// counted as ws_errors{kind:expression}).
  bool WhileHolds(const Fiber& fiber, const graph::Repeat& repeat);
  /// `engine::Matches` for a message of `conn`; an error in `where` = no match, counted.
  bool MessageMatches(const graph::Matcher& matcher, const MessageView& msg, EvalContext eval,
                      const Conn& conn);
  /// Makes the variable slots show `conn`'s connect vars (null: the iteration's own values).
  /// Swaps values, so only the connection bound last pays; a no-op without connect vars.
  void Bind(const Conn* conn);
  /// Initialises the connect vars of a new connection, in the iteration's scope.
  void InitConnVars(Conn& conn);
  /// vu-vars at the VU's first iteration; afterwards their values are kept.
  void InitVuVars();

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
  /// The connection is open for its steps (raw: at the open; else after the protocol's
  /// handshake): its program starts, its waiters wake.
  void ConnReady(Conn& conn);
  /// A frame arrived: counted, then decoded by the protocol or handled as a message.
  void HandleFrame(Conn& conn, std::string_view payload, bool binary);
  void HandleMessage(Conn& conn, std::string_view payload, bool binary,
                     const ProtocolMeta* meta = nullptr);
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
  /// Evaluates `inits` in order into their slots of `into`; errors are counted.
  void InitVars(const std::vector<graph::VarInit>& inits, EvalContext eval, const char* what,
                std::vector<nlohmann::json>* into);
  /// Cancels every timer of the iteration and stops every fiber: the part of Interrupt and
  /// Abandon that is the same. Sockets are left to the caller.
  void CancelIteration();
  void MaybeFinish();
  void Finish();
  /// The context of steps on `conn` (binding its connect vars) and message `msg`.
  EvalContext Context(const Conn* conn, const MessageView* msg = nullptr);
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
  const Conn* bound_ = nullptr;       ///< whose connect vars vars_ shows (see Bind)
  bool vu_vars_ready_ = false;        ///< vu-vars initialised (first iteration started)
  DataRows rows_;
  std::unique_ptr<Fiber> main_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::list<ActiveTimer> vu_timers_;  ///< timers started where there is no connection
  std::vector<std::string> secrets_;  ///< worker secrets + this VU's credential header values
};

}  // namespace wsyaml::engine
