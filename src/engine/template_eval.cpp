#include "engine/template_eval.h"

#include "engine/expr_eval.h"
#include "engine/protocol.h"
#include "engine/regex_eval.h"
#include "graph/json_escape.h"
#include "metrics/timeseries.h"

#include <re2/re2.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace wsyaml::engine {
namespace {

using graph::AppendJsonEscaped;
using graph::Segment;

bool LooksLikeJsonNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  if (s[i] == '0' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))
    return false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  return i == s.size();
}

int64_t ToInt(const std::string& s) {
  try {
    return std::stoll(s);
  } catch (...) {
    return 0;
  }
}

std::string Call(const Segment& seg, const EvalContext& ctx, bool* raw_json) {
  std::mt19937_64& rng = RngOf(ctx);
  switch (seg.function) {
    case graph::Function::kRandomInt: {
      int64_t a = seg.args.size() > 0 ? ToInt(Render(seg.args[0], ctx)) : 0;
      int64_t b = seg.args.size() > 1 ? ToInt(Render(seg.args[1], ctx)) : a;
      if (b < a) std::swap(a, b);
      *raw_json = true;
      return std::to_string(std::uniform_int_distribution<int64_t>(a, b)(rng));
    }
    case graph::Function::kRandomString:
      return RandomString(seg.args.empty() ? 8 : ToInt(Render(seg.args[0], ctx)), rng);
    case graph::Function::kRandomItem: {
      if (seg.args.empty()) return {};
      size_t i = std::uniform_int_distribution<size_t>(0, seg.args.size() - 1)(rng);
      return Render(seg.args[i], ctx);
    }
    case graph::Function::kUuid:
      return Uuid4(rng);
    case graph::Function::kTimestamp:
      *raw_json = true;
      return std::to_string(metrics::NowUnixMs());
    default:
      return {};  // the other functions exist only in expressions (kExpr)
  }
}

std::string PathValue(const MessageView* view, const graph::JsonPath& path, bool* raw_json) {
  if (!view) return {};
  if (path.empty()) return std::string(view->text());
  const nlohmann::json* value = view->At(path);
  if (!value) return {};
  *raw_json = !value->is_string();
  return JsonToText(*value);
}

// The value of one hole; `raw_json` says it is already a JSON number/object/bool/null.
std::string Hole(const Segment& seg, const EvalContext& ctx, bool* raw_json) {
  switch (seg.kind) {
    case Segment::Kind::kLiteral:
      return seg.text;
    case Segment::Kind::kVar: {
      if (!ctx.vars || seg.slot < 0 || static_cast<size_t>(seg.slot) >= ctx.vars->size()) return {};
      const nlohmann::json& var = (*ctx.vars)[seg.slot];
      if (var.is_null()) return {};
      *raw_json = !var.is_string();
      return JsonToText(var);
    }
    case Segment::Kind::kMsg:
      return PathValue(ctx.msg, seg.path, raw_json);
    case Segment::Kind::kSent:
      return PathValue(ctx.sent, seg.path, raw_json);
    case Segment::Kind::kData: {
      if (!ctx.feeders || !ctx.rows || seg.slot < 0 ||
          static_cast<size_t>(seg.slot) >= ctx.rows->size())
        return {};
      const graph::Feeder& feeder = (*ctx.feeders)[seg.slot];
      const std::vector<std::string>* row = (*ctx.rows)[seg.slot];
      if (!row) return {};
      for (size_t c = 0; c < feeder.columns.size() && c < row->size(); ++c)
        if (feeder.columns[c] == seg.text) return (*row)[c];
      return {};
    }
    case Segment::Kind::kCall:
      return Call(seg, ctx, raw_json);
    case Segment::Kind::kConnProtocol:
      return std::string(ctx.protocol);
    case Segment::Kind::kVu:  // AppendCounter
    case Segment::Kind::kConn:
    case Segment::Kind::kIter:
    case Segment::Kind::kExpr:  // RenderExpr
      break;
  }
  return {};
}

// A kExpr hole: typed, so a JSON leaf keeps its type; a failure renders nothing and is
// reported through ctx.error.
void RenderExpr(const Segment& seg, const EvalContext& ctx, std::string* out) {
  Value value;
  EvalError error;
  if (!Evaluate(*seg.expr, ctx, &value, &error)) {
    if (ctx.error && ctx.error->message.empty()) *ctx.error = std::move(error);
    return;
  }
  switch (seg.escape) {
    case graph::Escape::kNone:
      value.AppendText(out);
      return;
    case graph::Escape::kJsonString: {
      std::string text;
      value.AppendText(&text);
      AppendJsonEscaped(text, out);
      return;
    }
    case graph::Escape::kRegex: {  // inserted values match literally
      std::string text;
      value.AppendText(&text);
      *out += re2::RE2::QuoteMeta(text);
      return;
    }
    case graph::Escape::kJsonValue:
      if (value.type() == Value::Type::kText || value.type() == Value::Type::kMissing) {
        *out += '"';
        AppendJsonEscaped(value.text(), out);
        *out += '"';
      } else if (value.type() == Value::Type::kNumber) {
        AppendNumber(value.number(), out);
      } else {
        *out += value.ToJson().dump();
      }
      return;
  }
}

// ${vu}, ${conn}, ${iter}: digits, the same under every escape; no string in between.
bool AppendCounter(Segment::Kind kind, const EvalContext& ctx, std::string* out) {
  if (kind != Segment::Kind::kVu && kind != Segment::Kind::kConn && kind != Segment::Kind::kIter)
    return false;
  char digits[24];
  char* end = kind == Segment::Kind::kIter
                  ? std::to_chars(digits, digits + sizeof digits, ctx.iter).ptr
                  : std::to_chars(digits, digits + sizeof digits,
                                  kind == Segment::Kind::kVu ? ctx.vu : ctx.conn)
                        .ptr;
  out->append(digits, end);
  return true;
}

graph::Expr::Kind LeafKind(Segment::Kind kind) {
  using K = graph::Expr::Kind;
  switch (kind) {
    case Segment::Kind::kVu:
      return K::kVu;
    case Segment::Kind::kConn:
      return K::kConn;
    case Segment::Kind::kIter:
      return K::kIter;
    case Segment::Kind::kVar:
      return K::kVar;
    case Segment::Kind::kMsg:
      return K::kMsg;
    case Segment::Kind::kSent:
      return K::kSent;
    case Segment::Kind::kData:
      return K::kData;
    case Segment::Kind::kConnProtocol:
      return K::kConnProtocol;
    default:
      return K::kNull;
  }
}

}  // namespace

std::string Uuid4(std::mt19937_64& rng) {
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::mt19937_64& RngOf(const EvalContext& ctx) {
  thread_local std::mt19937_64 fallback{std::random_device{}()};
  return ctx.rng ? *ctx.rng : fallback;
}

std::string RandomString(int64_t n, std::mt19937_64& rng) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s;
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 2);
  for (int64_t i = 0; i < n && i < graph::kMaxRandomString; ++i) s += kAlphabet[pick(rng)];
  return s;
}

const nlohmann::json* MessageView::Json() const {
  if (parsed_) return json_ ? &*json_ : nullptr;
  {
    parsed_ = true;
    if (!binary_ && !text_.empty() && (text_.front() == '{' || text_.front() == '[')) {
      nlohmann::json j = nlohmann::json::parse(text_, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded()) json_ = std::move(j);
    }
  }
  return json_ ? &*json_ : nullptr;
}

namespace {

// The value at the path [begin, end) below `node`; null when absent.
const nlohmann::json* Walk(const nlohmann::json* node, graph::JsonPath::const_iterator begin,
                           graph::JsonPath::const_iterator end) {
  for (auto it = begin; it != end; ++it) {
    const graph::PathElem& elem = *it;
    if (!node) return nullptr;
    if (elem.index >= 0) {
      if (!node->is_array() || static_cast<size_t>(elem.index) >= node->size()) return nullptr;
      node = &(*node)[elem.index];
    } else if (!(node = FindKey(*node, elem.key))) {
      return nullptr;
    }
  }
  return node;
}

nlohmann::json MetaJson(const ProtocolMeta& meta) {
  nlohmann::json j = nlohmann::json::object();
  if (!meta.event.empty()) j["event"] = meta.event;
  if (!meta.headers.empty()) {
    nlohmann::json headers = nlohmann::json::object();
    // STOMP 1.2: when a header repeats, the first occurrence is the value.
    for (const auto& [name, value] : meta.headers)
      if (!headers.contains(name)) headers[name] = value;
    j["headers"] = std::move(headers);
  }
  if (!meta.args_json.empty()) {
    nlohmann::json args = nlohmann::json::parse(meta.args_json, nullptr, false);
    if (!args.is_discarded()) j["$args"] = std::move(args);
    // socket.io events only (they alone have args): always there, so ${msg.attachments} is 0
    // rather than a field of the first argument that happens to share the name.
    j["attachments"] = meta.attachments;
  }
  return j;
}

}  // namespace

const nlohmann::json* MessageView::At(const graph::JsonPath& path) const {
  if (meta_ && !path.empty() && path.front().index < 0) {
    if (!meta_json_) meta_json_ = MetaJson(*meta_);
    if (const nlohmann::json* field = FindKey(*meta_json_, path.front().key))
      return Walk(field, path.begin() + 1, path.end());
  }
  return JsonAt(path);
}

const nlohmann::json* MessageView::JsonAt(const graph::JsonPath& path) const {
  return Walk(Json(), path.begin(), path.end());
}

const nlohmann::json* FindKey(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto& members = object.get_ref<const nlohmann::json::object_t&>();
  if (members.size() > 16) {
    auto it = members.find(key);
    return it == members.end() ? nullptr : &it->second;
  }
  for (const auto& [name, value] : members)
    if (name.size() == key.size() &&
        std::char_traits<char>::compare(name.data(), key.data(), key.size()) == 0)
      return &value;
  return nullptr;
}

std::string JsonToText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void Render(const graph::Template& tmpl, const EvalContext& ctx, std::string* out) {
  for (const Segment& seg : tmpl.segments) {
    if (seg.kind == Segment::Kind::kLiteral) {
      *out += seg.text;
      continue;
    }
    if (seg.kind == Segment::Kind::kExpr) {
      RenderExpr(seg, ctx, out);
      continue;
    }
    if (AppendCounter(seg.kind, ctx, out)) continue;
    bool raw_json = false;
    std::string value = Hole(seg, ctx, &raw_json);
    switch (seg.escape) {
      case graph::Escape::kNone:
        *out += value;
        break;
      case graph::Escape::kJsonString:
        AppendJsonEscaped(value, out);
        break;
      case graph::Escape::kRegex:
        *out += re2::RE2::QuoteMeta(value);
        break;
      case graph::Escape::kJsonValue:
        if ((raw_json && !value.empty()) || LooksLikeJsonNumber(value)) {
          *out += value;
        } else {
          *out += '"';
          AppendJsonEscaped(value, out);
          *out += '"';
        }
        break;
    }
  }
}

std::string Render(const graph::Template& tmpl, const EvalContext& ctx) {
  std::string out;
  Render(tmpl, ctx, &out);
  return out;
}

bool RenderValue(const graph::Template& tmpl, const EvalContext& ctx, nlohmann::json* out) {
  if (tmpl.segments.size() != 1 || tmpl.segments[0].kind == Segment::Kind::kLiteral ||
      tmpl.segments[0].kind == Segment::Kind::kCall) {
    EvalError* before = ctx.error;
    std::string text = Render(tmpl, ctx);
    *out = std::move(text);
    return !before || before->message.empty();
  }
  const Segment& seg = tmpl.segments[0];
  Value value;
  EvalError error;
  if (seg.kind == Segment::Kind::kExpr) {
    if (!Evaluate(*seg.expr, ctx, &value, &error)) {
      if (ctx.error && ctx.error->message.empty()) *ctx.error = std::move(error);
      return false;
    }
  } else {
    graph::Expr leaf;
    leaf.kind = LeafKind(seg.kind);
    leaf.slot = seg.slot;
    leaf.text = seg.text;
    leaf.path = seg.path;
    Evaluate(leaf, ctx, &value, &error);
  }
  *out = value.ToJson();
  return true;
}

bool Matches(const graph::Matcher& matcher, const MessageView& message, const EvalContext& ctx) {
  if (matcher.binary && *matcher.binary != message.binary()) return false;
  if (matcher.event || !matcher.headers.empty()) {
    const ProtocolMeta* meta = message.meta();
    if (!meta) return false;
    if (matcher.event && meta->event != Render(*matcher.event, ctx)) return false;
    for (const auto& [name, value] : matcher.headers) {
      auto it = std::find_if(meta->headers.begin(), meta->headers.end(),
                             [&](const auto& header) { return header.first == name; });
      if (it == meta->headers.end() || it->second != Render(value, ctx)) return false;
    }
  }
  if (matcher.text && message.text() != Render(*matcher.text, ctx)) return false;
  if (matcher.contains && message.text().find(Render(*matcher.contains, ctx)) == std::string::npos)
    return false;
  if ((matcher.regex || matcher.regex_template) && !RegexFound(matcher, message.text(), ctx))
    return false;
  if (matcher.has_json) {
    const nlohmann::json* root = message.Json();
    if (!root) return false;
    for (const graph::JsonLeaf& leaf : matcher.json) {
      const nlohmann::json* actual = message.JsonAt(leaf.path);
      if (!actual) return false;
      std::string expected_text = Render(leaf.expected, ctx);
      nlohmann::json expected =
          nlohmann::json::parse(expected_text, nullptr, /*allow_exceptions=*/false);
      if (expected.is_discarded() || *actual != expected) return false;
    }
  }
  if (matcher.where) {  // last: the cheaper parts decide most messages
    EvalContext with_msg = ctx;
    with_msg.msg = &message;
    EvalError error;
    bool holds = false;
    if (EvaluateCondition(*matcher.where, with_msg, &holds, &error)) return holds;
    if (ctx.error && ctx.error->message.empty()) *ctx.error = std::move(error);
    return false;
  }
  return true;
}

bool EvaluateCondition(const graph::Expr& condition, const EvalContext& ctx, bool* result,
                       EvalError* error) {
  Value value;
  if (!Evaluate(condition, ctx, &value, error)) return false;
  if (value.type() != Value::Type::kBool) {
    error->pos = condition.pos;
    error->message = "the condition is " + value.Describe() + ", not true or false";
    return false;
  }
  *result = value.boolean();
  return true;
}

graph::Micros Draw(const graph::DurationRange& range, std::mt19937_64& rng) {
  if (range.max <= range.min) return range.min;
  return graph::Micros(
      std::uniform_int_distribution<int64_t>(range.min.count(), range.max.count())(rng));
}

}  // namespace wsyaml::engine
