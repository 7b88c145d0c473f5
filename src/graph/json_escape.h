// JSON string escaping, shared by the compiler (literal parts of JSON messages) and the engine
// (template holes rendered into them), so both escape exactly alike.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace wsyaml::graph {

/// Appends `text` escaped for the inside of a JSON string literal (no quotes added).
inline void AppendJsonEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\b':
        *out += "\\b";
        break;
      case '\f':
        *out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          *out += buf;
        } else {
          *out += c;
        }
    }
  }
}

}  // namespace wsyaml::graph
