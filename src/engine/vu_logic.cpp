// Logic of a VU: if, check, matcher `where`, repeat `while`, and the scopes of variables
// (connect vars bound to the connection whose steps run, vu-vars kept across iterations).
#include <utility>

#include "engine/vu.h"

#include "engine/expr_eval.h"
#include "engine/vu_internal.h"

namespace wsyaml::engine {

void Vu::Execute(Fiber& fiber, const graph::If& branch) {
  EvalError error;
  bool yes = false;
  if (!EvaluateCondition(branch.condition, Context(fiber.conn, fiber.msg), &yes, &error)) {
    // Neither branch: a wrong value must not look like a false condition.
    RecordError(ErrorKind::kExpression, "if: " + error.Format(), fiber.conn ? fiber.conn->tags : 0);
    return;
  }
  const graph::StepList& steps = yes ? branch.then : branch.else_;
  if (!steps.empty()) fiber.stack.push_back({&steps});
}

void Vu::Execute(Fiber& fiber, const graph::Check& check) {
  EvalError error;
  bool passed = false;
  EvalContext eval = Context(fiber.conn, fiber.msg);
  if (!EvaluateCondition(check.that, eval, &passed, &error)) {
    // A value of the wrong type fails the check: it never passes silently.
    Check(check.name, false, check.source + ": " + error.Format());
    return;
  }
  if (passed) {
    Check(check.name, true, {});
    return;
  }
  std::string message =
      check.message.segments.empty() ? check.source + " is false" : Render(check.message, eval);
  Check(check.name, false, message);
}

bool Vu::WhileHolds(const Fiber& fiber, const graph::Repeat& repeat) {
  if (!repeat.while_) return true;
  EvalError error;
  bool holds = false;
  if (EvaluateCondition(*repeat.while_, Context(fiber.conn, fiber.msg), &holds, &error))
    return holds;
  RecordError(ErrorKind::kExpression, "repeat while: " + error.Format(),
              fiber.conn ? fiber.conn->tags : 0);
  return false;
}

bool Vu::MessageMatches(const graph::Matcher& matcher, const MessageView& msg, EvalContext eval,
                        const Conn& conn) {
  EvalError error;
  eval.error = &error;
  if (Matches(matcher, msg, eval)) return true;
  if (!error.message.empty())
    RecordError(ErrorKind::kExpression, "where: " + error.Format(), conn.tags);
  return false;
}

void Vu::Bind(const Conn* conn) {
  if (conn == bound_) return;
  auto swap = [this](const Conn& c) {
    for (size_t k = 0; k < c.vars.size(); ++k) std::swap(vars_[c.spec->vars[k].slot], c.vars[k]);
  };
  if (bound_) swap(*bound_);
  bound_ = nullptr;
  if (conn && !conn->vars.empty()) {
    swap(*conn);
    bound_ = conn;
  }
}

void Vu::InitConnVars(Conn& conn) {
  if (conn.spec->vars.empty()) return;
  // Bound with nulls in its slots, then set in order: a later var may use an earlier one.
  Bind(nullptr);
  conn.vars.assign(conn.spec->vars.size(), nullptr);
  InitVars(conn.spec->vars, Context(&conn), "connect var ", &vars_);
}

void Vu::InitVuVars() {
  const size_t slots = ctx_.plan->var_names.size();
  if (!vu_vars_ready_) {
    vars_.assign(slots, nullptr);
    vu_vars_ready_ = true;
    InitVars(scenario_.vu_vars, Context(nullptr), "vu-var ", &vars_);
    return;
  }
  std::vector<nlohmann::json> kept;
  kept.reserve(scenario_.vu_vars.size());
  for (const graph::VarInit& var : scenario_.vu_vars) kept.push_back(std::move(vars_[var.slot]));
  vars_.assign(slots, nullptr);
  for (size_t k = 0; k < kept.size(); ++k) vars_[scenario_.vu_vars[k].slot] = std::move(kept[k]);
}

}  // namespace wsyaml::engine
