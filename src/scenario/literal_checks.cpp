// Literal values judged at compile time: URL ports and credentials, UTF-8 text, TLS files.
#include "scenario/literal_checks.h"

#include <cctype>

#include "scenario/templates.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

// Stands for a hole (filled in at run time) in the flattened text of a URL.
constexpr char kHole = '\x01';

std::string Flatten(const graph::Template& t) {
  std::string out;
  for (const auto& s : t.segments) {
    if (s.kind == graph::Segment::Kind::kLiteral) {
      out += s.text;
    } else {
      out += kHole;
    }
  }
  return out;
}

// Where `piece` is in the scalar as written, or the scalar's start when it is not there
// verbatim (it came from ${env...}).
graph::SourcePos Locate(const YAML::Node& node, std::string_view piece) {
  const std::string& raw = node.Scalar();
  size_t at = piece.empty() ? std::string::npos : raw.find(piece);
  if (at == std::string::npos) return Pos(node);
  return PosIn(Where(node), raw, at);
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool CheckPort(Context& ctx, const YAML::Node& node, const std::string& what,
               std::string_view port) {
  const std::string hint = "ports are 1 to 65535, e.g. ws://127.0.0.1:8080/";
  if (port.find(kHole) != std::string_view::npos) return true;  // filled in at run time
  if (port.empty()) {
    ctx.reporter.Error(Pos(node), what + " has a ':' but no port after it",
                       "write the port, or remove the ':' for the default (80 for ws, 443 "
                       "for wss)");
    return false;
  }
  bool digits = true;
  for (char c : port) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (!digits) {
    ctx.reporter.Error(Locate(node, ":" + std::string(port)),
                       what + " port must be a number, got \"" + std::string(port) + "\"", hint);
    return false;
  }
  size_t first = port.find_first_not_of('0');
  std::string_view value = first == std::string_view::npos ? "0" : port.substr(first);
  if (value.size() > 5 || std::stoi(std::string(value)) > 65535 || value == "0") {
    ctx.reporter.Error(Locate(node, ":" + std::string(port)),
                       what + " port " + std::string(port) + " is out of range", hint);
    return false;
  }
  return true;
}

}  // namespace

size_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || i + length > text.size()) return i;
    uint32_t cp = length == 1 ? c : c & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += length;
  }
  return std::string_view::npos;
}

bool CheckUrl(Context& ctx, const YAML::Node& node, const graph::Template& url,
              const std::string& what) {
  const std::string text = Flatten(url);
  if (!StartsWithNoCase(text, "ws://") && !StartsWithNoCase(text, "wss://")) return true;
  size_t start = text.find("://") + 3;
  size_t end = text.find_first_of("/?#", start);
  std::string_view authority =
      std::string_view(text).substr(start, end == std::string::npos ? end : end - start);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    ctx.reporter.Error(Locate(node, "@"),
                       what +
                           " holds credentials (user:password@): WebSocket clients do not "
                           "send them, so the server never sees them",
                       "remove them from the URL and send a header instead, e.g. headers: "
                       "{Authorization: \"Basic ${env.BASIC_AUTH}\"} or "
                       "{Authorization: \"Bearer ${env.TOKEN}\"}");
    return false;
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (!host.empty() && host[0] == '[') {  // [::1]:8080
    size_t close = host.find(']');
    if (close != std::string_view::npos && close + 1 < host.size() && host[close + 1] == ':') {
      port = host.substr(close + 2);
      has_port = true;
      host = host.substr(0, close + 1);
    }
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    has_port = true;
    host = host.substr(0, colon);
  }
  if (host.empty()) {
    ctx.reporter.Error(Pos(node), what + " has no host",
                       "e.g. ws://127.0.0.1:8080/ or wss://example.com/");
    return false;
  }
  return !has_port || CheckPort(ctx, node, what, port);
}

bool CheckUtf8(Context& ctx, const YAML::Node& node, const std::vector<graph::Segment>& segments,
               const std::string& what) {
  const std::string hint =
      "WebSocket text frames must be UTF-8 (RFC 6455); send other bytes as a binary frame "
      "with send: {base64: ...} or send: {hex: ...}";
  auto byte = [](char c) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    unsigned char u = static_cast<unsigned char>(c);
    return std::string("0x") + kDigits[u >> 4] + kDigits[u & 0xF];
  };
  if (node.IsScalar()) {
    const std::string& raw = node.Scalar();
    size_t bad = FindInvalidUtf8(raw);
    if (bad != std::string::npos) {
      ctx.reporter.Error(PosIn(Where(node), raw, bad),
                         what + " is not valid UTF-8 (byte " + byte(raw[bad]) + ")", hint);
      return false;
    }
  }
  for (const auto& s : segments) {
    if (s.kind != graph::Segment::Kind::kLiteral) continue;
    size_t bad = FindInvalidUtf8(s.text);
    if (bad != std::string::npos) {
      ctx.reporter.Error(
          Pos(node),
          what + " is not valid UTF-8 once ${env...} is filled in (byte " + byte(s.text[bad]) + ")",
          hint);
      return false;
    }
  }
  return true;
}

bool CheckReadableFile(Context& ctx, const YAML::Node& node, const std::string& path,
                       const std::string& what) {
  std::string content;
  std::string error;
  if (ReadSmallFile(path, &content, &error)) return true;
  ctx.reporter.Error(Pos(node), "cannot read tls " + what + " file '" + path + "': " + error,
                     "paths are relative to the scenario file; every connection would fail "
                     "its TLS setup without it");
  return false;
}

}  // namespace wsyaml::scenario
