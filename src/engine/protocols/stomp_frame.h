// STOMP 1.2 frames (https://stomp.github.io/stomp-specification-1.2.html): reading one frame
// from received bytes and writing frames. Pure functions on strings: once the caller's
// buffers have grown to its frames' size, reading and writing allocate nothing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wsyaml::engine::stomp {

/// A frame's headers in order, as received (a repeated header keeps all its values).
using Headers = std::vector<std::pair<std::string, std::string>>;

/// What ReadFrame found at the start of its input.
enum class ReadStatus {
  kFrame,     ///< a whole frame
  kNeedMore,  ///< an incomplete frame (or nothing but heart-beats): wait for more bytes
  kMalformed  ///< not STOMP: the connection cannot go on
};

/// A frame read by ReadFrame. The views point into ReadFrame's input.
struct FrameView {
  std::string_view command;
  std::string_view body;
  /// The headers are the first `header_count` entries of the caller's Headers (it never
  /// shrinks, so their strings keep their capacity from frame to frame).
  size_t header_count = 0;
};

/// Reads the frame at the start of `data`, skipping the heart-beat EOLs before it. Sets
/// `*used` to the bytes consumed (the EOLs alone when kNeedMore). Header names and values are
/// unescaped (\r \n \c \\), except a CONNECTED frame's, which STOMP 1.2 leaves as they are.
/// A `content-length` header sets the body's length (NULs allowed); without it the body ends
/// at the first NUL. kMalformed: `*error` says why.
ReadStatus ReadFrame(std::string_view data, FrameView* frame, Headers* headers, size_t* used,
                     std::string* error);

/// The value of the first of the frame's headers named `name` (STOMP: the first one wins),
/// or null.
const std::string* FindHeader(const Headers& headers, size_t count, std::string_view name);

/// Appends `name:value` and an EOL, escaping \ CR LF and : in both unless `escape` is false
/// (CONNECT: STOMP 1.2 does not escape it).
void AppendHeader(std::string* out, std::string_view name, std::string_view value,
                  bool escape = true);

/// Appends the end of the headers, `content-length` (when `body` is not empty), the body and
/// the NUL that ends a frame.
void AppendBody(std::string* out, std::string_view body);

}  // namespace wsyaml::engine::stomp
