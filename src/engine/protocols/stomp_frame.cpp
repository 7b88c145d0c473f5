// STOMP 1.2 frame reading and writing.
#include "engine/protocols/stomp_frame.h"

#include <charconv>

namespace wsyaml::engine::stomp {

namespace {

// The line at `pos` without its EOL (LF or CR LF); false when no LF ends it yet.
bool NextLine(std::string_view data, size_t* pos, std::string_view* line) {
  size_t end = data.find('\n', *pos);
  if (end == std::string_view::npos) return false;
  size_t stop = end > *pos && data[end - 1] == '\r' ? end - 1 : end;
  *line = data.substr(*pos, stop - *pos);
  *pos = end + 1;
  return true;
}

// Undoes STOMP 1.2's header escaping in place; false on an undefined escape (a fatal error).
bool Unescape(std::string* text) {
  size_t first = text->find('\\');
  if (first == std::string::npos) return true;
  size_t out = first;
  for (size_t in = first; in < text->size(); ++in) {
    char c = (*text)[in];
    if (c == '\\') {
      if (++in == text->size()) return false;
      switch ((*text)[in]) {
        case 'r':
          c = '\r';
          break;
        case 'n':
          c = '\n';
          break;
        case 'c':
          c = ':';
          break;
        case '\\':
          c = '\\';
          break;
        default:
          return false;
      }
    }
    (*text)[out++] = c;
  }
  text->resize(out);
  return true;
}

// Reads the header lines up to the blank line; *pos then is where the body starts.
ReadStatus ReadHeaders(std::string_view data, size_t* pos, bool escaped, Headers* headers,
                       size_t* count, std::string* error) {
  *count = 0;
  std::string_view line;
  while (true) {
    if (!NextLine(data, pos, &line)) return ReadStatus::kNeedMore;
    if (line.empty()) return ReadStatus::kFrame;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      *error = "STOMP header without a colon: " + std::string(line.substr(0, 80));
      return ReadStatus::kMalformed;
    }
    if (*count == headers->size()) headers->emplace_back();
    auto& [name, value] = (*headers)[(*count)++];
    name.assign(line.data(), colon);
    value.assign(line.data() + colon + 1, line.size() - colon - 1);
    if (escaped && (!Unescape(&name) || !Unescape(&value))) {
      *error = "STOMP header with an undefined escape: " + std::string(line.substr(0, 80));
      return ReadStatus::kMalformed;
    }
  }
}

// Where the body that starts at `start` ends (its NUL), per content-length or the first NUL.
ReadStatus FindBodyEnd(std::string_view data, size_t start, const std::string* length, size_t* end,
                       std::string* error) {
  if (!length) {
    *end = data.find('\0', start);
    return *end == std::string_view::npos ? ReadStatus::kNeedMore : ReadStatus::kFrame;
  }
  size_t bytes = 0;
  auto [ptr, ec] = std::from_chars(length->data(), length->data() + length->size(), bytes);
  if (ec != std::errc() || ptr != length->data() + length->size()) {
    *error = "STOMP content-length is not a number: " + length->substr(0, 40);
    return ReadStatus::kMalformed;
  }
  if (data.size() - start <= bytes) return ReadStatus::kNeedMore;
  *end = start + bytes;
  if (data[*end] != '\0') {
    *error = "STOMP frame body longer than its content-length (" + *length + ")";
    return ReadStatus::kMalformed;
  }
  return ReadStatus::kFrame;
}

void AppendEscaped(std::string* out, std::string_view text, bool escape) {
  if (!escape || text.find_first_of("\\\r\n:") == std::string_view::npos) {
    out->append(text);
    return;
  }
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\n':
        out->append("\\n");
        break;
      case ':':
        out->append("\\c");
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace

ReadStatus ReadFrame(std::string_view data, FrameView* frame, Headers* headers, size_t* used,
                     std::string* error) {
  size_t pos = 0;
  // Heart-beats: EOLs between frames.
  while (pos < data.size() && (data[pos] == '\n' || data[pos] == '\r')) {
    if (data[pos] == '\r' && (pos + 1 == data.size() || data[pos + 1] != '\n')) break;
    pos += data[pos] == '\r' ? 2 : 1;
  }
  *used = pos;
  std::string_view command;
  if (!NextLine(data, &pos, &command)) return ReadStatus::kNeedMore;
  if (command.empty() || command.find('\0') != std::string_view::npos) {
    *error = "STOMP frame without a command";
    return ReadStatus::kMalformed;
  }
  ReadStatus status =
      ReadHeaders(data, &pos, command != "CONNECTED", headers, &frame->header_count, error);
  if (status != ReadStatus::kFrame) return status;
  size_t end = 0;
  status = FindBodyEnd(data, pos, FindHeader(*headers, frame->header_count, "content-length"), &end,
                       error);
  if (status != ReadStatus::kFrame) return status;
  frame->command = command;
  frame->body = data.substr(pos, end - pos);
  *used = end + 1;
  return ReadStatus::kFrame;
}

const std::string* FindHeader(const Headers& headers, size_t count, std::string_view name) {
  for (size_t i = 0; i < count; ++i)
    if (headers[i].first == name) return &headers[i].second;
  return nullptr;
}

void AppendHeader(std::string* out, std::string_view name, std::string_view value, bool escape) {
  AppendEscaped(out, name, escape);
  out->push_back(':');
  AppendEscaped(out, value, escape);
  out->push_back('\n');
}

void AppendBody(std::string* out, std::string_view body) {
  if (!body.empty()) {
    char digits[24];
    auto result = std::to_chars(digits, digits + sizeof digits, body.size());
    out->append("content-length:");
    out->append(digits, result.ptr);
    out->push_back('\n');
  }
  out->push_back('\n');
  out->append(body);
  out->push_back('\0');
}

}  // namespace wsyaml::engine::stomp
