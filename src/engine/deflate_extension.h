// permessage-deflate (RFC 7692) for a client, on zlib: the offer, the server's answer, and
// compressing and inflating messages. No websocketpp here; ws_client_config.h adapts it to
// websocketpp's extension interface.
// Threading: one instance per connection, used on that connection's thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace wsyaml::engine {

/// What the server's Sec-WebSocket-Extensions answer settled (RFC 7692 section 7.1).
struct DeflateParams {
  bool server_no_context_takeover = false;  ///< the server resets its compressor per message
  bool client_no_context_takeover = false;  ///< we must reset ours per message
  int server_max_window_bits = 15;          ///< the server's LZ77 window, 8..15
  int client_max_window_bits = 15;          ///< the most our compressor may use, 8..15
};

/// One connection's permessage-deflate. Cheap until used: zlib's streams are allocated on
/// the first message each way, so a negotiated but idle connection holds a few bytes.
class PerMessageDeflate {
 public:
  /// The offer browsers send: any server parameters, and we accept a smaller client window.
  static constexpr const char* kOffer = "permessage-deflate; client_max_window_bits";

  PerMessageDeflate();
  ~PerMessageDeflate();
  PerMessageDeflate(const PerMessageDeflate&) = delete;
  PerMessageDeflate& operator=(const PerMessageDeflate&) = delete;

  /// Applies one parameter of the server's answer (`value` empty when it has none). False,
  /// with `error` set, when the answer is invalid (RFC 7692 section 7.1: fail the connection).
  bool Accept(std::string_view name, std::string_view value, std::string* error);
  /// The parameters accepted so far.
  const DeflateParams& params() const { return params_; }

  /// Compresses one whole message into `out` (replaced), ending with the 00 00 ff ff of the
  /// sync flush, which the sender strips (RFC 7692 section 7.2.1). False on a zlib failure.
  bool Compress(std::string_view in, std::string* out);
  /// Inflates the next `size` bytes of a compressed message, appending to `out`; the end of a
  /// message is marked by inflating 00 00 ff ff (section 7.2.2). False on corrupt data.
  bool Inflate(const uint8_t* data, size_t size, std::string* out);

  /// zlib memory held now, in bytes (0 until the first message), for tests and benches.
  size_t AllocatedBytes() const { return allocated_; }

 private:
  struct Streams;
  bool StartDeflate();
  bool StartInflate();

  DeflateParams params_;
  std::unique_ptr<Streams> streams_;  ///< null until the first message either way
  size_t allocated_ = 0;
};

}  // namespace wsyaml::engine
