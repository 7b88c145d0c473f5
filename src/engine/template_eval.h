// Renders compiled templates and matches messages. Nothing here parses a template: the
// compiler already turned each into segments. Threading: stateless; contexts are per call.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/graph.h"

namespace wsyaml::engine {

struct ProtocolMeta;

/// A received (or sent) message; its JSON form is parsed at most once, on first use.
class MessageView {
 public:
  /// `meta`: what a protocol decoded beside the payload (null for raw frames); must outlive
  /// the view.
  MessageView(std::string_view text, bool binary, const ProtocolMeta* meta = nullptr)
      : text_(text), binary_(binary), meta_(meta) {}
  std::string_view text() const { return text_; }
  bool binary() const { return binary_; }
  const ProtocolMeta* meta() const { return meta_; }
  /// The parsed JSON, or null when the message is not JSON.
  const nlohmann::json* Json() const;
  /// The value at `path` in the JSON payload, or null when absent or not JSON.
  const nlohmann::json* JsonAt(const graph::JsonPath& path) const;
  /// As JsonAt, but a protocol's fields come first: `event` (when the protocol set one),
  /// `headers.NAME`, and `$args[i]` (socket.io's arguments, written ${args[i]}).
  const nlohmann::json* At(const graph::JsonPath& path) const;

 private:
  std::string_view text_;
  bool binary_;
  const ProtocolMeta* meta_;
  mutable bool parsed_ = false;
  mutable std::optional<nlohmann::json> json_;
  mutable std::optional<nlohmann::json>
      meta_json_;  ///< meta_ as {event, headers, $args, attachments}
};

/// A feeder row source: the current row of each feeder for this VU.
using DataRows = std::vector<const std::vector<std::string>*>;

struct EvalError;

/// Everything a template may refer to.
struct EvalContext {
  int vu = 0;
  int conn = 0;
  uint64_t iter = 0;
  /// Variable slots; null = never set (renders as nothing).
  const std::vector<nlohmann::json>* vars = nullptr;
  const MessageView* msg = nullptr;
  const MessageView* sent = nullptr;
  const std::vector<graph::Feeder>* feeders = nullptr;
  const DataRows* rows = nullptr;
  std::string_view protocol;
  std::mt19937_64* rng = nullptr;
  /// Where Render reports the first expression that failed (its hole renders as nothing);
  /// null = not reported.
  EvalError* error = nullptr;
};

/// Appends the rendered template to `out`.
void Render(const graph::Template& tmpl, const EvalContext& ctx, std::string* out);
/// Renders into a fresh string.
std::string Render(const graph::Template& tmpl, const EvalContext& ctx);
/// The value of a template by the type rule: a template that is exactly one hole keeps the
/// hole's type (a number, a map...); any other template is its rendered text. False with
/// ctx.error set when an expression fails.
bool RenderValue(const graph::Template& tmpl, const EvalContext& ctx, nlohmann::json* out);

/// The random generator of `ctx` (a thread-local one when it has none).
std::mt19937_64& RngOf(const EvalContext& ctx);
/// A version 4 UUID.
std::string Uuid4(std::mt19937_64& rng);
/// `n` random letters and digits (at most graph::kMaxRandomString).
std::string RandomString(int64_t n, std::mt19937_64& rng);

/// Evaluates a condition (if, check, where, while): false with `error` set on a run-time error
/// or when the value is not a bool (a condition never passes by accident).
bool EvaluateCondition(const graph::Expr& condition, const EvalContext& ctx, bool* result,
                       EvalError* error);

/// True when the message satisfies every part of `matcher`, `where` last; an error in `where`
/// is no match, reported in ctx.error when set.
bool Matches(const graph::Matcher& matcher, const MessageView& message, const EvalContext& ctx);

/// The member `key` of a JSON object, or null (also when `object` is not one). Small objects
/// (messages) are scanned by key length first: cheaper than the tree's string compares.
const nlohmann::json* FindKey(const nlohmann::json& object, std::string_view key);

/// A JSON value as template text: strings bare, everything else as compact JSON.
std::string JsonToText(const nlohmann::json& value);

/// Draws a duration uniformly from a range.
graph::Micros Draw(const graph::DurationRange& range, std::mt19937_64& rng);

}  // namespace wsyaml::engine
