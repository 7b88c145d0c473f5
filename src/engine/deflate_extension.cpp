#include "engine/deflate_extension.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace wsyaml::engine {
namespace {

// zlib's memLevel for compressing: its hash table (2^(memLevel+8) bytes, cleared on the first
// message, so all resident) is most of what a connection that has sent holds. Chromium uses 8;
// 7 halves the table (32 KB) for the same ratio within 0.1% (2,000 small JSON quotes with
// context takeover: 28,737 bytes on the wire against 28,722).
constexpr int kMemLevel = 7;
// Bytes before each allocation that remember its size, so AllocatedBytes can subtract it.
constexpr size_t kHeader = alignof(std::max_align_t);

void* Alloc(void* opaque, unsigned items, unsigned size) {
  size_t bytes = static_cast<size_t>(items) * size;
  auto* block = static_cast<unsigned char*>(std::malloc(bytes + kHeader));
  if (!block) return Z_NULL;
  std::memcpy(block, &bytes, sizeof bytes);
  *static_cast<size_t*>(opaque) += bytes;
  return block + kHeader;
}

void Free(void* opaque, void* address) {
  auto* block = static_cast<unsigned char*>(address) - kHeader;
  size_t bytes = 0;
  std::memcpy(&bytes, block, sizeof bytes);
  *static_cast<size_t*>(opaque) -= bytes;
  std::free(block);
}

// A window-bits value of the answer: 8..15, nothing else (RFC 7692 sections 7.1.2.1, 7.1.2.2).
bool WindowBits(std::string_view value, int* bits) {
  if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5') {
    *bits = 10 + (value[1] - '0');
    return true;
  }
  if (value.size() == 1 && (value[0] == '8' || value[0] == '9')) {
    *bits = value[0] - '0';
    return true;
  }
  return false;
}

}  // namespace

struct PerMessageDeflate::Streams {
  z_stream deflate{};
  z_stream inflate{};
  bool deflate_ready = false;
  bool inflate_ready = false;
  /// A block with BFINAL set ended the stream: the rest of the message, up to the 00 00 ff ff
  /// tail, is ignored and the next message starts a new stream (RFC 7692 section 7.2.3.4).
  bool ended = false;

  ~Streams() {
    if (deflate_ready) deflateEnd(&deflate);
    if (inflate_ready) inflateEnd(&inflate);
  }
};

PerMessageDeflate::PerMessageDeflate() = default;
PerMessageDeflate::~PerMessageDeflate() = default;

bool PerMessageDeflate::Accept(std::string_view name, std::string_view value, std::string* error) {
  bool flag = name == "server_no_context_takeover" || name == "client_no_context_takeover";
  if (flag && !value.empty()) {
    *error = std::string(name) + " takes no value, the server sent '" + std::string(value) + "'";
    return false;
  }
  if (name == "server_no_context_takeover") {
    params_.server_no_context_takeover = true;
  } else if (name == "client_no_context_takeover") {
    params_.client_no_context_takeover = true;
  } else if (name == "server_max_window_bits" || name == "client_max_window_bits") {
    int* bits = name == "server_max_window_bits" ? &params_.server_max_window_bits
                                                 : &params_.client_max_window_bits;
    if (!WindowBits(value, bits)) {
      *error = std::string(name) + " must be 8 to 15 in the server's answer, got '" +
               std::string(value) + "'";
      return false;
    }
  } else {
    *error = "the server answered with an unknown permessage-deflate parameter '" +
             std::string(name) + "'";
    return false;
  }
  return true;
}

bool PerMessageDeflate::StartDeflate() {
  if (!streams_) streams_ = std::make_unique<Streams>();
  if (streams_->deflate_ready) return true;
  z_stream& z = streams_->deflate;
  z.zalloc = Alloc;
  z.zfree = Free;
  z.opaque = &allocated_;
  // zlib turns a raw window of 8 bits into 9, more than the server allows: stored blocks,
  // which refer to no window, are valid for any.
  int bits = params_.client_max_window_bits;
  int level = bits == 8 ? Z_NO_COMPRESSION : Z_DEFAULT_COMPRESSION;
  if (deflateInit2(&z, level, Z_DEFLATED, -std::max(bits, 9), kMemLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return false;
  streams_->deflate_ready = true;
  return true;
}

bool PerMessageDeflate::StartInflate() {
  if (!streams_) streams_ = std::make_unique<Streams>();
  if (streams_->inflate_ready) return true;
  z_stream& z = streams_->inflate;
  z.zalloc = Alloc;
  z.zfree = Free;
  z.opaque = &allocated_;
  // zlib allocates the window on first use, of this size; it decodes any smaller window.
  if (inflateInit2(&z, -std::max(params_.server_max_window_bits, 9)) != Z_OK) return false;
  streams_->inflate_ready = true;
  return true;
}

bool PerMessageDeflate::Compress(std::string_view in, std::string* out) {
  if (!StartDeflate()) return false;
  if (in.empty()) {
    // zlib writes nothing for a second flush in a row: an empty stored block, section 7.2.3.6.
    out->assign("\x00\x00\x00\xff\xff", 5);
    return true;
  }
  z_stream& z = streams_->deflate;
  out->resize(in.size() + in.size() / 8 + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  size_t used = 0;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(&(*out)[used]);
    z.avail_out = static_cast<uInt>(out->size() - used);
    int rc = deflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
    used = out->size() - z.avail_out;
    // A full output buffer may hold back part of the flush: go round with more room.
    if (z.avail_out != 0) break;
    out->resize(out->size() * 2);
  }
  out->resize(used);
  if (params_.client_no_context_takeover) deflateReset(&z);
  return true;
}

bool PerMessageDeflate::Inflate(const uint8_t* data, size_t size, std::string* out) {
  if (!StartInflate()) return false;
  z_stream& z = streams_->inflate;
  if (streams_->ended) {
    streams_->ended = !(size == 4 && std::memcmp(data, "\x00\x00\xff\xff", 4) == 0);
    return true;
  }
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  size_t used = out->size();
  size_t room = std::max<size_t>(size * 4, 256);
  while (z.avail_in > 0 || used == out->size()) {
    out->resize(used + room);
    z.next_out = reinterpret_cast<Bytef*>(&(*out)[used]);
    z.avail_out = static_cast<uInt>(room);
    int rc = inflate(&z, Z_SYNC_FLUSH);
    used = out->size() - z.avail_out;
    if (rc == Z_STREAM_END) {
      inflateReset(&z);
      streams_->ended = true;
      break;
    } else if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      break;
    } else if (rc != Z_OK) {
      out->resize(used);
      return false;
    }
    if (z.avail_out != 0 && z.avail_in == 0) break;
    room *= 2;
  }
  out->resize(used);
  return true;
}

}  // namespace wsyaml::engine
