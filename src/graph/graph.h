// The event graph: what a compiled scenario is. Plain data, no YAML, no sockets.
// The compiler (src/scenario/) produces it; the engine (src/engine/) executes it.
// A graph is immutable once compiled and may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "graph/expr.h"

namespace re2 {
class RE2;
}

namespace wsyaml::graph {

/// Durations in the graph are microseconds.
using Micros = std::chrono::microseconds;

/// A 1-based position in the scenario source; line 0 means "no position".
struct SourcePos {
  int line = 0;    ///< 1-based line
  int column = 0;  ///< 1-based column
};

/// A fixed duration (min == max) or a range drawn uniformly each time it is used.
struct DurationRange {
  Micros min{0};  ///< lower bound, inclusive
  Micros max{0};  ///< upper bound, inclusive; equal to min for a fixed duration
};

/// How a template hole is written into its output.
enum class Escape {
  kNone,        ///< as is (plain text frames, URLs, log lines)
  kJsonString,  ///< escaped for the inside of a JSON string literal
  kJsonValue,   ///< a whole JSON leaf: a number stays bare, anything else becomes a quoted string
  kRegex,       ///< RE2::QuoteMeta'd, so an inserted value matches literally inside a regex
};

struct Template;

/// One piece of a compiled template: literal text or a `${...}` hole.
struct Segment {
  enum class Kind {
    kLiteral,       ///< `text` as is (already JSON-encoded inside JSON messages)
    kVu,            ///< ${vu}: 1-based VU id
    kConn,          ///< ${conn}: 0-based connection index within its connect
    kIter,          ///< ${iter}: 0-based iteration of this VU
    kVar,           ///< a variable slot: vars, set, capture
    kMsg,           ///< ${msg} or ${msg.path}: the message being handled
    kSent,          ///< ${sent.path}: the message a reply matcher belongs to
    kData,          ///< ${data.FEED.COLUMN}: the current row of a feeder
    kCall,          ///< a function call
    kConnProtocol,  ///< ${conn.protocol}: the negotiated subprotocol
    kExpr,          ///< any other expression: `expr`
  };
  Kind kind = Kind::kLiteral;
  std::string text;                  ///< kLiteral: the text; kData: the column name
  int slot = -1;                     ///< kVar: variable slot; kData: feeder index
  JsonPath path;                     ///< kMsg, kSent: path into the JSON message
  Function function{};               ///< kCall: which function
  std::vector<Template> args;        ///< kCall: arguments, each itself a template
  std::shared_ptr<const Expr> expr;  ///< kExpr: the tree (shared: templates are copied)
  Escape escape = Escape::kNone;
};

/// A string with `${...}` holes, compiled once; never re-parsed at run time.
struct Template {
  std::vector<Segment> segments;  ///< concatenated in order
  SourcePos pos;                  ///< where the template starts in the source

  /// True when the template has no holes.
  bool IsConstant() const {
    for (const auto& s : segments)
      if (s.kind != Segment::Kind::kLiteral) return false;
    return true;
  }
};

/// What a `send` puts on the wire.
struct Payload {
  enum class Kind { kText, kJson, kBinary };
  Kind kind = Kind::kText;
  Template body;      ///< kText: the text; kJson: compact JSON with escaped holes
  std::string bytes;  ///< kBinary: the decoded bytes (base64, hex or file)
};

/// One leaf constraint of a JSON subset match: the value at `path` equals `expected`.
struct JsonLeaf {
  JsonPath path;
  /// The expected value rendered as compact JSON (a string leaf is quoted); holes use
  /// Escape::kJsonValue, so `${n}` of a number compares as a number.
  Template expected;
};

/// A message matcher: every given part must hold. No parts = matches any message.
struct Matcher {
  std::optional<Template> text;           ///< the whole text equals this
  std::optional<Template> contains;       ///< the text contains this
  std::shared_ptr<const re2::RE2> regex;  ///< RE2 syntax (linear time); searched in the text
  std::string regex_source;               ///< for plan and error messages
  /// A regex with `${...}` holes (Escape::kRegex): rendered and compiled per use; `regex` is
  /// then null. A pattern without holes is compiled once, into `regex`.
  std::optional<Template> regex_template;
  std::vector<JsonLeaf> json;  ///< subset match; non-JSON messages never match
  bool has_json = false;       ///< a json matcher was given (even `{}`)
  std::optional<bool> binary;  ///< frame type must be binary (true) or text
  /// `where: ${expr}` with msg bound: matches only if true (checked after the other parts).
  std::shared_ptr<const Expr> where;
  /// Protocol connections: the message's event (socket.io event name, graphql-ws
  /// `subscription:` name, STOMP command) equals this.
  std::optional<Template> event;
  /// STOMP `headers:`: each named header of the message equals its value.
  std::vector<std::pair<std::string, Template>> headers;
};

/// Store a field of the matching message, or a group of a regex found in its text, in a
/// variable slot.
struct Capture {
  int slot = -1;
  JsonPath path;  ///< empty = the whole message text (unless `regex` is set)
  /// Set: search the message text and store group `group` (empty text when not found).
  std::shared_ptr<const re2::RE2> regex{};
  int group = 1;               ///< regex: 0 = the whole match, N = the Nth group
  std::string regex_source{};  ///< regex: as written, for plan
};

/// `measure: {since: msg.path, name}` on on-message: ws_delivery_time = now - timestamp.
struct Measure {
  JsonPath since;    ///< where the ms-since-epoch timestamp is in the message
  std::string name;  ///< tag `name` of the ws_delivery_time samples
};

/// A non-blocking expectation carried by a send.
struct Reply {
  Matcher match;  ///< may use ${sent.*}
  Micros within{std::chrono::seconds(10)};
  std::string name;  ///< check name and `name` tag of ws_reply_time
};

/// Tags attached to samples: key/value pairs in source order.
using Tags = std::vector<std::pair<std::string, std::string>>;

struct Step;
/// A list of steps run from top to bottom.
using StepList = std::vector<Step>;

/// A variable initialised in order: per iteration (vars), per VU (vu-vars) or per connection
/// (connect vars).
struct VarInit {
  int slot = -1;
  Template value;
};

/// `reconnect: {max, backoff}` on a connect.
struct Reconnect {
  int max = 0;  ///< 0 = never reconnect
  DurationRange backoff{std::chrono::seconds(1), std::chrono::seconds(1)};
};

/// TLS options for wss:// connections.
struct TlsOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure = false;
};

/// The application protocol a connection speaks on top of WebSocket frames (SCENARIO.md §10).
enum class Protocol : uint8_t {
  kRaw,        ///< no protocol: each frame is a message
  kSocketIo,   ///< Engine.IO v4 over the websocket transport, Socket.IO protocol v5
  kStomp,      ///< STOMP 1.2 (subprotocol v12.stomp)
  kGraphqlWs,  ///< graphql-ws (subprotocol graphql-transport-ws)
};

/// `protocol:` and its options on a connect. Only the fields of `kind` are used.
struct ProtocolOptions {
  Protocol kind = Protocol::kRaw;
  /// How long the protocol's own handshake may take after the WebSocket opened (namespace
  /// connect, CONNECTED, connection_ack); past it: an error of kind protocol, and the close.
  Micros handshake_timeout{std::chrono::seconds(10)};
  std::string socketio_namespace = "/";  ///< socket.io `namespace`
  std::optional<Template> auth;          ///< socket.io `auth`: a JSON object
  Template login;                        ///< stomp `login` (empty = not sent)
  Template passcode;                     ///< stomp `passcode`
  Template host;                         ///< stomp `host` (empty = the URL's host)
  Micros heartbeat_send{0};              ///< stomp heart-beat cx: we send at least this often
  Micros heartbeat_receive{0};           ///< stomp heart-beat cy: we want the server's
  std::optional<Template> init_payload;  ///< graphql-ws connection_init `payload` (JSON)
};

/// Opens WebSocket(s). With `steps`, starts each connection's program on open and does
/// not wait (asynchronous); without, waits until the connection is open or failed.
struct Connect {
  Template url;      ///< absolute, or relative to the target
  std::string name;  ///< for `to:` and `cancel`; empty = unnamed
  std::vector<std::pair<std::string, Template>> headers;
  std::vector<std::string> subprotocols;
  int count = 1;                             ///< independent connections; ${conn} = 0..count-1
  Micros timeout{std::chrono::seconds(10)};  ///< TCP + TLS + handshake
  Tags tags;  ///< as written; values with ${...} are also in templated_tags
  /// Tag values that hold templates, rendered per connection (e.g. room: "${room}").
  std::vector<std::pair<std::string, Template>> templated_tags;
  bool has_steps = false;  ///< asynchronous form
  StepList steps;          ///< each connection's program, started on open
  Reconnect reconnect;
  std::optional<TlsOptions> tls;
  /// Largest message accepted; a bigger one closes the connection (1009) and counts as an
  /// error of kind protocol. 0 = the library's default (32 MB).
  size_t max_message_size = 0;
  /// Set by the compiler when an `expect` may run on these connections (in their program, or
  /// in the steps after a connect without steps): only then are untaken messages kept.
  bool keeps_inbox = false;
  /// The matchers of those expects: a message no waiting expect takes is kept only when one
  /// of them matches it on arrival (so unrelated traffic never fills the inbox).
  std::vector<Matcher> inbox_matchers;
  int inbox = 1000;  ///< `inbox:` the most messages kept for expect; the oldest go first
  /// `vars:`: each connection of `count` gets its own copy, initialised when it is created
  /// and kept across reconnects; inside the connection these names shadow iteration vars.
  std::vector<VarInit> vars;
  ProtocolOptions protocol;  ///< kRaw unless `protocol:` is given
  bool compression = false;  ///< `compression: deflate`: offer permessage-deflate
};

/// Sends one message on the current connection (or `to` a named one).
struct Send {
  Payload payload;
  std::string to;  ///< connection name; empty = current
  std::optional<Reply> reply;
  Template destination;                                   ///< stomp: the SEND frame's destination
  std::vector<std::pair<std::string, Template>> headers;  ///< stomp: more SEND headers
  /// stomp `receipt: {within, name}`: asks for a RECEIPT; its round trip is ws_reply_time.
  std::optional<Reply> receipt;
};

/// socket.io `emit`: an event with arguments, optionally asking for the server's ack.
struct Emit {
  Template event;
  std::vector<Payload> args;  ///< each a JSON value (kJson) or binary attachment (kBinary)
  std::string to;             ///< connection name; empty = current
  /// `ack: {within, name}`: the ack's round trip is ws_reply_time{name}; no ack in time
  /// fails the check `name`. The matcher of an ack Reply is unused (acks match by id).
  std::optional<Reply> ack;
};

/// `subscribe`: a STOMP SUBSCRIBE or a graphql-ws subscribe.
struct Subscribe {
  enum class AckMode { kAuto, kClient, kClientIndividual };
  std::string name;              ///< graphql-ws: the subscription's name (`subscription:` matchers,
                                 ///< ws_reply_time{name}); stomp: the id when `id` is not given
  std::string id;                ///< stomp: the subscription id (default: sub-N)
  Template destination;          ///< stomp
  AckMode ack = AckMode::kAuto;  ///< stomp
  std::vector<std::pair<std::string, Template>> headers;  ///< stomp: more SUBSCRIBE headers
  Template query;                                         ///< graphql-ws
  std::optional<Template> variables;                      ///< graphql-ws: a JSON object
  std::optional<Template> operation_name;                 ///< graphql-ws
  /// graphql-ws: subscribe -> first `next` is ws_reply_time{name}; none within `within`
  /// fails the check `name` (the matcher is unused).
  std::optional<Reply> reply;
};

/// `unsubscribe: NAME`: STOMP UNSUBSCRIBE, or graphql-ws `complete` for the subscription.
struct Unsubscribe {
  std::string name;
};

/// stomp `ack`/`nack`: acknowledges the message being handled (on-message, expect captures).
struct Acknowledge {
  bool negative = false;  ///< NACK
};

/// Registers a message handler on the current connection.
struct OnMessage {
  Matcher match;
  StepList body;
  bool once = false;
  std::string name;  ///< for cancel
  std::vector<Capture> captures;
  std::optional<Measure> measure;
};

/// Registers a handler for a connection event.
struct OnEvent {
  enum class Kind { kOpen, kClose, kError };
  Kind kind = Kind::kClose;
  StepList body;
  bool once = false;
  std::string name;
};

/// Starts a repeating timer on the current connection (or the VU when there is none).
struct Every {
  std::string name;
  DurationRange interval;  ///< a range is drawn once, when the timer starts
  int times = 0;           ///< 0 = until cancelled or closed
  StepList body;
};

/// Starts a one-shot timer.
struct After {
  std::string name;
  DurationRange delay;
  StepList body;
};

/// Stops named timers and handlers.
struct Cancel {
  std::vector<std::string> names;
};

/// Closes the current connection.
struct Close {
  int code = 1000;
  Template reason;
};

/// Sends a ping; the pong's round trip is ws_ping.
struct Ping {
  std::string name;
};

/// Waits for a matching message on the current connection.
struct Expect {
  Matcher match;
  Micros within{std::chrono::seconds(10)};
  std::string name;  ///< check name; default derived from the position
  std::vector<Capture> captures;
};

/// Waits a duration.
struct Sleep {
  DurationRange duration;
};

/// Waits until the current connection (or every connection) is closed.
struct Wait {
  bool all = false;
  std::optional<Micros> max;
};

/// Prints a templated line.
struct Log {
  enum class Level { kInfo, kWarn, kError };
  Level level = Level::kInfo;
  Template text;
};

/// One `set` target: a variable, or an element of it (`last[msg.symbol]`, `a.b`).
struct SetTarget {
  int slot = -1;
  /// The keys of `[expr]` and `.name` (a text literal), outermost first; empty = the variable.
  std::vector<Expr> keys;
};

/// Sets variables for the rest of the iteration. A value that is exactly one `${expr}` keeps
/// the expression's type; other text is rendered.
struct Set {
  std::vector<std::pair<int, Template>> assignments;  ///< slot, value
  /// Element targets, parallel to assignments (an empty path = the whole variable).
  std::vector<SetTarget> targets;
};

/// Runs `body` `times` times, or for a duration, while `while_` (if any) holds.
struct Repeat {
  int times = 0;               ///< 0 when `for` is used
  std::optional<Micros> for_;  ///< run until this much time has passed
  StepList body;
  /// `while: ${expr}`: checked before each round; false (or an error) ends the repeat.
  std::shared_ptr<const Expr> while_;
};

/// `if`: runs `then` when the condition is true, else `else_` (a run-time error runs neither).
struct If {
  Expr condition;
  StepList then;
  StepList else_;
};

/// `check`: one pass or one failure of the check `name` (k6's check()).
struct Check {
  std::string name;
  Expr that;           ///< a bool; a run-time error fails the check
  Template message;    ///< rendered on failure only; empty = a default naming the condition
  std::string source;  ///< the condition as written, for the default failure message
};

/// Records a failed check.
struct Fail {
  Template message;
  std::string name;
};

/// One step: what it does, and where it was written.
struct Step {
  using Action = std::variant<Connect, Send, OnMessage, OnEvent, Every, After, Cancel, Close, Ping,
                              Expect, Sleep, Wait, Log, Set, Repeat, Fail, If, Check, Emit,
                              Subscribe, Unsubscribe, Acknowledge>;
  Action action;
  SourcePos pos;
};

/// One stage of a ramping profile.
struct Stage {
  Micros duration{0};
  int target = 0;
};

/// How many VUs run, and for how long.
struct LoadProfile {
  enum class Kind {
    kConstantVus,      ///< vus looping for duration
    kPerVuIterations,  ///< vus, each running `iterations` iterations
    kRampingVus,       ///< stages
    kArrivalRate,      ///< rate iterations per `rate_per` (open model)
  };
  Kind kind = Kind::kConstantVus;
  int vus = 1;
  /// kConstantVus and kArrivalRate: how long; kPerVuIterations: the maximum (k6's
  /// maxDuration), 0 = the engine's default of 10 minutes.
  Micros duration{0};
  int iterations = 0;
  std::vector<Stage> stages;
  double rate = 0;  ///< arrivals per rate_per
  Micros rate_per{std::chrono::seconds(1)};
  std::vector<Stage> rate_stages;  ///< ramping arrival rate: target = arrivals per rate_per
  int max_vus = 0;
  Micros graceful_stop{std::chrono::seconds(30)};
  std::optional<Micros> iteration_timeout;
  /// kConstantVus and kPerVuIterations: VU starts are spread evenly over this window (unset:
  /// min(1s, duration / 10)); 0 starts every VU at once.
  std::optional<Micros> ramp_up;
};

/// A data feeder: rows of named columns.
struct Feeder {
  std::string name;
  enum class Order { kSequential, kRandom, kPerVu };
  Order order = Order::kSequential;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

/// One threshold expression, e.g. `p(95) < 500ms` on `ws_connecting{name:x}`.
struct Threshold {
  std::string metric;  ///< e.g. ws_connecting
  Tags filter;         ///< e.g. {name: echo}
  std::string source;  ///< the expression as written, for the report
  enum class Aggregate { kPercentile, kAvg, kMin, kMax, kMed, kCount, kRate };
  Aggregate aggregate = Aggregate::kAvg;
  double percentile = 0;  ///< for kPercentile, e.g. 95
  enum class Op { kLt, kLe, kGt, kGe, kEq, kNe };
  Op op = Op::kLt;
  double value = 0;  ///< in the metric's unit: microseconds for times, bytes, counts, ratios
  bool abort_on_fail = false;
  Micros delay_abort_eval{0};
  /// `allow-no-samples: true`: pass when the metric has no value because nothing was
  /// sampled (a trend, rate or gauge aggregate other than count). By default that fails.
  bool allow_no_samples = false;
  SourcePos pos;
};

/// A named load profile with its own steps.
struct Scenario {
  std::string name;
  LoadProfile load;
  std::vector<VarInit> vars;
  /// `vu-vars` (top level, then the scenario's): initialised at a VU's first iteration and
  /// kept across its iterations.
  std::vector<VarInit> vu_vars;
  StepList steps;
  Tags tags;
};

/// The share of a test that one process runs (a segment of a distributed run, or one of the
/// --procs workers): per scenario, the VU of global rank r (1-based) and the k-th arrival
/// (0-based) belong to it when (r - 1) % count == index and k % count == index, so the
/// slices 0..count-1 add up to the whole test exactly. {0, 1} is the whole test.
struct Slice {
  int index = 0;
  int count = 1;
};

/// A whole compiled test: what `wsyaml run` executes.
struct TestPlan {
  std::string name;
  std::string source_file;
  /// `builtin:chat`, `builtin:echo`, or a ws:// / wss:// base URL.
  std::string target;
  std::vector<Scenario> scenarios;
  /// Slot -> variable name, for every vars/set/capture name in the test.
  std::vector<std::string> var_names;
  std::vector<Feeder> feeders;
  std::vector<Threshold> thresholds;
  /// The part of the test this process runs.
  Slice slice;
};

}  // namespace wsyaml::graph
