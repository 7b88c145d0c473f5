// `wsyaml plan`: the compiled event graph as indented text or Graphviz dot.
#include "scenario/plan_format.h"

#include <sstream>

#include "scenario/expr_functions.h"
#include "scenario/templates.h"

namespace wsyaml::scenario {

namespace {

using graph::Segment;

std::string PathSource(const graph::JsonPath& path) {
  std::string out;
  for (const auto& e : path)
    out += e.index >= 0 ? "[" + std::to_string(e.index) + "]" : "." + e.key;
  return out;
}

std::string HoleSource(const Segment& s, const graph::TestPlan& plan) {
  switch (s.kind) {
    case Segment::Kind::kLiteral:
      return s.text;
    case Segment::Kind::kVu:
      return "vu";
    case Segment::Kind::kConn:
      return "conn";
    case Segment::Kind::kIter:
      return "iter";
    case Segment::Kind::kConnProtocol:
      return "conn.protocol";
    case Segment::Kind::kVar:
      return s.slot >= 0 && s.slot < static_cast<int>(plan.var_names.size())
                 ? plan.var_names[s.slot]
                 : "var" + std::to_string(s.slot);
    case Segment::Kind::kMsg:
      return MsgPathSource(s.path);
    case Segment::Kind::kSent:
      return "sent" + PathSource(s.path);
    case Segment::Kind::kData: {
      std::string feed = s.slot >= 0 && s.slot < static_cast<int>(plan.feeders.size())
                             ? plan.feeders[s.slot].name
                             : "?";
      return "data." + feed + "." + s.text;
    }
    case Segment::Kind::kExpr:
      return s.expr ? ExprSourceText(*s.expr, plan) : "?";
    case Segment::Kind::kCall: {
      std::string out = std::string(graph::FunctionName(s.function)) + "(";
      for (size_t i = 0; i < s.args.size(); ++i)
        out += (i ? ", " : "") + TemplateSource(s.args[i], plan);
      return out + ")";
    }
  }
  return "?";
}

std::string Range(const graph::DurationRange& r) {
  return r.min == r.max ? FormatDuration(r.min)
                        : FormatDuration(r.min) + ".." + FormatDuration(r.max);
}

std::string Matcher(const graph::Matcher& m, const graph::TestPlan& plan) {
  std::vector<std::string> parts;
  if (m.text) parts.push_back("text=\"" + TemplateSource(*m.text, plan) + "\"");
  if (m.contains) parts.push_back("contains=\"" + TemplateSource(*m.contains, plan) + "\"");
  if (m.regex) parts.push_back("regex=/" + m.regex_source + "/");
  if (m.has_json) {
    std::string json = "json{";
    for (size_t i = 0; i < m.json.size(); ++i) {
      json += (i ? ", " : "") + PathSource(m.json[i].path).substr(1) + "=" +
              TemplateSource(m.json[i].expected, plan);
    }
    parts.push_back(json + "}");
  }
  if (m.binary) parts.push_back(*m.binary ? "binary" : "text-frame");
  if (m.where) parts.push_back("where ${" + ExprSourceText(*m.where, plan) + "}");
  if (m.event) parts.push_back("event=\"" + TemplateSource(*m.event, plan) + "\"");
  for (const auto& [name, value] : m.headers)
    parts.push_back("header " + name + "=\"" + TemplateSource(value, plan) + "\"");
  if (parts.empty()) return "any message";
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? " " : "") + parts[i];
  return out;
}

std::string Captures(const std::vector<graph::Capture>& captures, const graph::TestPlan& plan) {
  std::string out;
  for (const auto& c : captures) {
    out += " capture " + plan.var_names[c.slot] + "=";
    if (c.regex)
      out += "regex/" + c.regex_source + "/" +
             (c.group != 1 ? " group " + std::to_string(c.group) : "");
    else
      out += MsgPathSource(c.path);
  }
  return out;
}

// One step: its one-line description and its nested step lists.
struct Node {
  std::string label;
  std::vector<std::pair<std::string, const graph::StepList*>> children;
};

std::string Named(const std::string& name) { return name.empty() ? "" : " '" + name + "'"; }

std::string ReplyText(const char* what, const graph::Reply& reply) {
  return std::string(" ") + what + " '" + reply.name + "' within " + FormatDuration(reply.within);
}

std::string HeadersText(const std::vector<std::pair<std::string, graph::Template>>& headers,
                        const graph::TestPlan& plan) {
  std::string out;
  for (const auto& [name, value] : headers)
    out += " header " + name + "=\"" + TemplateSource(value, plan) + "\"";
  return out;
}

std::string ProtocolText(const graph::ProtocolOptions& p) {
  switch (p.kind) {
    case graph::Protocol::kRaw:
      return "";
    case graph::Protocol::kSocketIo:
      return " protocol socket.io namespace " + p.socketio_namespace;
    case graph::Protocol::kStomp:
      return " protocol stomp heart-beat " + FormatDuration(p.heartbeat_send) + "," +
             FormatDuration(p.heartbeat_receive);
    case graph::Protocol::kGraphqlWs:
      return " protocol graphql-ws";
  }
  return "";
}

Node Describe(const graph::Step& step, const graph::TestPlan& plan);

std::string PayloadText(const graph::Payload& p, const graph::TestPlan& plan) {
  switch (p.kind) {
    case graph::Payload::Kind::kText:
      return "text \"" + TemplateSource(p.body, plan) + "\"";
    case graph::Payload::Kind::kJson:
      return "json " + TemplateSource(p.body, plan);
    case graph::Payload::Kind::kBinary:
      return "binary " + std::to_string(p.bytes.size()) + " bytes";
  }
  return "?";
}

struct Describer {
  const graph::TestPlan& plan;
  Node node;

  void operator()(const graph::Connect& c) {
    node.label = "connect" + Named(c.name) + " " + TemplateSource(c.url, plan);
    if (c.count != 1) node.label += " x" + std::to_string(c.count);
    if (c.reconnect.max > 0)
      node.label +=
          " reconnect " + std::to_string(c.reconnect.max) + "x " + Range(c.reconnect.backoff);
    node.label += ProtocolText(c.protocol);
    if (c.compression) node.label += " compression deflate";
    if (c.keeps_inbox) node.label += " inbox " + std::to_string(c.inbox);
    node.label += c.has_steps ? " (async)" : " (waits until open)";
    for (const auto& v : c.vars)
      node.label += " var " + plan.var_names[v.slot] + "=\"" + TemplateSource(v.value, plan) + "\"";
    if (c.has_steps) node.children.emplace_back("on open", &c.steps);
  }
  void operator()(const graph::Send& s) {
    node.label = "send " + PayloadText(s.payload, plan);
    if (!s.destination.segments.empty())
      node.label += " destination \"" + TemplateSource(s.destination, plan) + "\"";
    node.label += HeadersText(s.headers, plan);
    if (s.receipt) node.label += ReplyText("receipt", *s.receipt);
    if (!s.to.empty()) node.label += " to '" + s.to + "'";
    if (s.reply) {
      node.label += " reply '" + s.reply->name + "' within " + FormatDuration(s.reply->within) +
                    ": " + Matcher(s.reply->match, plan);
    }
  }
  void operator()(const graph::Emit& e) {
    node.label = "emit \"" + TemplateSource(e.event, plan) + "\"";
    for (const graph::Payload& arg : e.args) node.label += " " + PayloadText(arg, plan);
    if (!e.to.empty()) node.label += " to '" + e.to + "'";
    if (e.ack) node.label += ReplyText("ack", *e.ack);
  }
  void operator()(const graph::Subscribe& s) {
    static const char* kAck[] = {"auto", "client", "client-individual"};
    node.label = "subscribe" + Named(s.name.empty() ? s.id : s.name);
    if (!s.destination.segments.empty())
      node.label += " destination \"" + TemplateSource(s.destination, plan) + "\" ack " +
                    kAck[static_cast<int>(s.ack)];
    node.label += HeadersText(s.headers, plan);
    if (!s.query.segments.empty()) node.label += " query \"" + TemplateSource(s.query, plan) + "\"";
    if (s.variables) node.label += " variables " + TemplateSource(*s.variables, plan);
    if (s.reply) node.label += ReplyText("first next", *s.reply);
  }
  void operator()(const graph::Unsubscribe& u) { node.label = "unsubscribe" + Named(u.name); }
  void operator()(const graph::Acknowledge& a) { node.label = a.negative ? "nack" : "ack"; }
  void operator()(const graph::OnMessage& h) {
    node.label = std::string("on-message") + Named(h.name) + (h.once ? " once" : "") + " " +
                 Matcher(h.match, plan);
    node.label += Captures(h.captures, plan);
    if (h.measure) node.label += " measure since " + MsgPathSource(h.measure->since);
    node.children.emplace_back("do", &h.body);
  }
  void operator()(const graph::OnEvent& h) {
    static const char* kNames[] = {"on-open", "on-close", "on-error"};
    node.label =
        std::string(kNames[static_cast<int>(h.kind)]) + Named(h.name) + (h.once ? " once" : "");
    node.children.emplace_back("do", &h.body);
  }
  void operator()(const graph::Every& e) {
    node.label = "every" + Named(e.name) + " " + Range(e.interval);
    if (e.times > 0) node.label += " x" + std::to_string(e.times);
    node.children.emplace_back("do", &e.body);
  }
  void operator()(const graph::After& a) {
    node.label = "after" + Named(a.name) + " " + Range(a.delay);
    node.children.emplace_back("do", &a.body);
  }
  void operator()(const graph::Cancel& c) {
    node.label = "cancel";
    for (const auto& n : c.names) node.label += " '" + n + "'";
  }
  void operator()(const graph::Close& c) {
    node.label = "close " + std::to_string(c.code);
    if (!c.reason.segments.empty()) node.label += " \"" + TemplateSource(c.reason, plan) + "\"";
  }
  void operator()(const graph::Ping& p) { node.label = "ping" + Named(p.name); }
  void operator()(const graph::Expect& e) {
    node.label = "expect '" + e.name + "' within " + FormatDuration(e.within) + ": " +
                 Matcher(e.match, plan);
    node.label += Captures(e.captures, plan);
  }
  void operator()(const graph::Sleep& s) { node.label = "sleep " + Range(s.duration); }
  void operator()(const graph::Wait& w) {
    node.label = w.all ? "wait all" : "wait";
    if (w.max) node.label += " max " + FormatDuration(*w.max);
  }
  void operator()(const graph::Log& l) {
    static const char* kLevels[] = {"info", "warn", "error"};
    node.label = std::string("log ") + kLevels[static_cast<int>(l.level)] + " \"" +
                 TemplateSource(l.text, plan) + "\"";
  }
  void operator()(const graph::Set& s) {
    node.label = "set";
    for (size_t i = 0; i < s.assignments.size(); ++i) {
      const auto& [slot, value] = s.assignments[i];
      node.label += " " + plan.var_names[slot];
      if (i < s.targets.size())  // set into an element: last[msg.symbol]
        for (const graph::Expr& key : s.targets[i].keys)
          node.label += "[" + ExprSourceText(key, plan) + "]";
      node.label += "=\"" + TemplateSource(value, plan) + "\"";
    }
  }
  void operator()(const graph::Repeat& r) {
    node.label =
        r.for_ ? "repeat for " + FormatDuration(*r.for_) : "repeat x" + std::to_string(r.times);
    if (r.while_) node.label += " while ${" + ExprSourceText(*r.while_, plan) + "}";
    node.children.emplace_back("do", &r.body);
  }
  void operator()(const graph::If& i) {
    node.label = "if ${" + ExprSourceText(i.condition, plan) + "}";
    node.children.emplace_back("then", &i.then);
    if (!i.else_.empty()) node.children.emplace_back("else", &i.else_);
  }
  void operator()(const graph::Check& c) {
    node.label = "check '" + c.name + "' ${" + ExprSourceText(c.that, plan) + "}";
    if (!c.message.segments.empty())
      node.label += " message \"" + TemplateSource(c.message, plan) + "\"";
  }
  void operator()(const graph::Fail& f) {
    node.label = "fail '" + f.name + "' \"" + TemplateSource(f.message, plan) + "\"";
  }
};

Node Describe(const graph::Step& step, const graph::TestPlan& plan) {
  Describer d{plan, {}};
  std::visit(d, step.action);
  return d.node;
}

std::string LoadText(const graph::LoadProfile& l) {
  using Kind = graph::LoadProfile::Kind;
  std::ostringstream out;
  switch (l.kind) {
    case Kind::kConstantVus:
      out << l.vus << " VUs for " << FormatDuration(l.duration);
      break;
    case Kind::kPerVuIterations:
      out << l.vus << " VUs x " << l.iterations << " iterations";
      break;
    case Kind::kRampingVus:
      out << "ramping from " << l.vus << " VUs:";
      for (const auto& s : l.stages)
        out << " " << s.target << " over " << FormatDuration(s.duration) << ";";
      break;
    case Kind::kArrivalRate:
      out << l.rate << " iterations per " << FormatDuration(l.rate_per);
      if (l.rate_stages.empty()) out << " for " << FormatDuration(l.duration);
      for (const auto& s : l.rate_stages)
        out << " " << s.target << " over " << FormatDuration(s.duration) << ";";
      out << ", max " << l.max_vus << " VUs";
      break;
  }
  if (l.ramp_up) {
    out << (l.ramp_up->count() == 0 ? ", all starting at once"
                                    : ", starts spread over " + FormatDuration(*l.ramp_up));
  }
  out << ", graceful stop " << FormatDuration(l.graceful_stop);
  if (l.iteration_timeout) out << ", iteration timeout " << FormatDuration(*l.iteration_timeout);
  return out.str();
}

std::string Where(const graph::SourcePos& pos) {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

void TextSteps(const graph::StepList& steps, const graph::TestPlan& plan, int indent,
               std::ostringstream& out) {
  for (const auto& step : steps) {
    Node node = Describe(step, plan);
    out << std::string(indent, ' ') << Where(step.pos) << "  " << node.label << "\n";
    for (const auto& [label, list] : node.children) {
      if (node.children.size() > 1 || list->empty())
        out << std::string(indent + 2, ' ') << label << ":" << (list->empty() ? " (nothing)" : "")
            << "\n";
      TextSteps(*list, plan, indent + 4, out);
    }
  }
}

std::string TextPlan(const graph::TestPlan& plan) {
  std::ostringstream out;
  out << "plan " << (plan.name.empty() ? "(unnamed)" : plan.name) << " from " << plan.source_file
      << "\n";
  out << "target " << (plan.target.empty() ? "(none)" : plan.target) << "\n";
  for (const auto& f : plan.feeders)
    out << "data " << f.name << ": " << f.rows.size() << " rows of " << f.columns.size()
        << " columns\n";
  for (const auto& s : plan.scenarios) {
    out << "scenario " << s.name << ": " << LoadText(s.load) << "\n";
    for (const auto& v : s.vu_vars)
      out << "  vu-var " << plan.var_names[v.slot] << " = \"" << TemplateSource(v.value, plan)
          << "\"\n";
    for (const auto& v : s.vars)
      out << "  var " << plan.var_names[v.slot] << " = \"" << TemplateSource(v.value, plan)
          << "\"\n";
    TextSteps(s.steps, plan, 2, out);
  }
  for (const auto& t : plan.thresholds) {
    out << "threshold " << t.metric;
    if (!t.filter.empty()) {
      out << "{";
      for (size_t i = 0; i < t.filter.size(); ++i)
        out << (i ? "," : "") << t.filter[i].first << ":" << t.filter[i].second;
      out << "}";
    }
    out << ": " << t.source << (t.abort_on_fail ? " (abort on fail)" : "") << "\n";
  }
  return out.str();
}

std::string DotEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Emits the nodes of `steps`, chained in order; returns the first node's id, or "".
std::string DotSteps(const graph::StepList& steps, const graph::TestPlan& plan, int* next_id,
                     std::ostringstream& out) {
  std::string first;
  std::string previous;
  for (const auto& step : steps) {
    std::string id = "s" + std::to_string((*next_id)++);
    Node node = Describe(step, plan);
    out << "  " << id << " [label=\"" << DotEscape(Where(step.pos) + "\n" + node.label) << "\"];\n";
    if (!previous.empty()) out << "  " << previous << " -> " << id << ";\n";
    if (first.empty()) first = id;
    previous = id;
    for (const auto& [label, list] : node.children) {
      std::string child = DotSteps(*list, plan, next_id, out);
      if (!child.empty())
        out << "  " << id << " -> " << child << " [style=dashed, label=\"" << label << "\"];\n";
    }
  }
  return first;
}

std::string DotPlan(const graph::TestPlan& plan) {
  std::ostringstream out;
  out << "digraph \"" << DotEscape(plan.name.empty() ? "plan" : plan.name) << "\" {\n";
  out << "  node [shape=box, fontname=\"monospace\"];\n";
  int next_id = 0;
  for (size_t i = 0; i < plan.scenarios.size(); ++i) {
    const auto& s = plan.scenarios[i];
    std::string id = "scenario" + std::to_string(i);
    out << "  " << id << " [shape=ellipse, label=\""
        << DotEscape("scenario " + s.name + "\n" + LoadText(s.load)) << "\"];\n";
    std::string first = DotSteps(s.steps, plan, &next_id, out);
    if (!first.empty()) out << "  " << id << " -> " << first << ";\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace

std::string FormatLoad(const graph::LoadProfile& load) { return LoadText(load); }

std::string FormatDuration(graph::Micros d) {
  int64_t us = d.count();
  if (us == 0) return "0s";
  std::string out;
  if (us % 1000 != 0) return std::to_string(us) + "us";
  int64_t ms = us / 1000;
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  int64_t s = ms / 1000;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
  if (s % 60 != 0) out += std::to_string(s % 60) + "s";
  return out;
}

std::string TemplateSource(const graph::Template& t, const graph::TestPlan& plan) {
  std::string out;
  for (const auto& s : t.segments) {
    if (s.kind == Segment::Kind::kLiteral) {
      out += s.text;
    } else {
      out += "${" + HoleSource(s, plan) + "}";
    }
  }
  return out;
}

std::string FormatPlan(const graph::TestPlan& plan, bool dot) {
  return dot ? DotPlan(plan) : TextPlan(plan);
}

}  // namespace wsyaml::scenario
