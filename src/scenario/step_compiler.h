// Internal to the compiler: step lists -> graph::StepList.
#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "graph/graph.h"
#include "scenario/context.h"

namespace wsyaml::scenario {

/// What a step list may contain where it is written.
struct StepScope {
  /// Inside a handler body (on-*, every, after): nothing may wait; names the handler.
  std::string handler;
  /// Inside a connection's program or after a linear connect (send, close... have a target).
  bool connection = false;
  /// The protocol of that connection: which protocol steps apply.
  graph::Protocol protocol = graph::Protocol::kRaw;
  TemplateScope templates;
};

/// Reads a condition (if, check, where, while): one `${expr}` whose type is bool or known only
/// at run time. False after reporting, with line:column.
bool ReadCondition(Context& ctx, const YAML::Node& node, const std::string& what,
                   const TemplateScope& scope, graph::Expr* out);

/// Compiles step lists; errors go to the context's reporter.
class StepCompiler {
 public:
  explicit StepCompiler(Context& ctx) : ctx_(ctx) {}

  /// Compiles a list of steps (a YAML sequence; a single step is accepted in handler bodies).
  bool CompileList(const YAML::Node& list, const StepScope& scope, graph::StepList* out);

 private:
  using Handler = bool (StepCompiler::*)(const YAML::Node& value, const YAML::Node& key,
                                         const StepScope& scope, graph::Step* out);
  struct StepKind {
    const char* name;
    Handler handler;
    bool bare;   ///< may be written as its bare name
    bool waits;  ///< blocks the step list (not allowed in handler bodies)
  };
  static const StepKind kSteps[];

  bool CompileStep(const YAML::Node& item, const StepScope& scope, graph::Step* out);
  const StepKind* Find(const std::string& name) const;
  bool UnknownStep(const YAML::Node& key, const std::string& name);
  bool CompileBody(const YAML::Node& node, const std::string& handler, bool msg,
                   const StepScope& outer, graph::StepList* out);
  void WarnUnreachable(const graph::StepList& steps);

  // Steps with a connection (step_connect.cpp).
  bool Connect(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
               graph::Step* out);
  bool Send(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
            graph::Step* out);
  bool Expect(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
              graph::Step* out);
  bool ConnectOptions(const YAML::Node& value, const StepScope& scope, graph::Connect* c);
  bool Payload(const YAML::Node& value, const StepScope& scope, graph::Send* send);
  bool Reply(const YAML::Node& value, const StepScope& scope, graph::Send* send);

  // Protocols (steps_protocol.cpp).
  /// `protocol:` and its option block on a connect.
  bool ProtocolOptions(const YAML::Node& value, const StepScope& scope, graph::Connect* c);
  bool Emit(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
            graph::Step* out);
  bool Subscribe(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                 graph::Step* out);
  bool Unsubscribe(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                   graph::Step* out);
  bool Ack(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
           graph::Step* out);
  /// A STOMP send's destination, headers and receipt.
  bool StompSend(const YAML::Node& value, const StepScope& scope, graph::Send* send);
  /// `{within, name}` of an ack, receipt or first next; `what` names it in messages.
  bool ReadAwaited(const YAML::Node& value, const std::string& what, graph::Reply* out);

  // Handlers and timers (steps.cpp).
  bool OnMessage(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                 graph::Step* out);
  bool OnEvent(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
               graph::Step* out);
  bool Every(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
             graph::Step* out);
  bool After(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
             graph::Step* out);
  bool Cancel(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
              graph::Step* out);
  bool Close(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
             graph::Step* out);
  bool Ping(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
            graph::Step* out);

  // Simple steps (steps_simple.cpp).
  bool Sleep(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
             graph::Step* out);
  bool Wait(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
            graph::Step* out);
  bool Log(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
           graph::Step* out);
  bool Set(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
           graph::Step* out);
  bool Repeat(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
              graph::Step* out);
  bool Fail(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
            graph::Step* out);

  // Logic (steps_logic.cpp).
  bool If(const YAML::Node& value, const YAML::Node& key, const StepScope& scope, graph::Step* out);
  bool Check(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
             graph::Step* out);

  /// A step name: records it for threshold tag filters.
  bool ReadName(const YAML::Node& map, std::string* name);

  Context& ctx_;
};

}  // namespace wsyaml::scenario
