// Where a live output listens (--out prometheus=[HOST]:PORT, --dashboard=HOST:PORT).
#pragma once

#include <cstdint>
#include <string>

namespace wsyaml::outputs {

/// An address to listen on.
struct ListenAddress {
  std::string host = "127.0.0.1";  ///< an IP address (IPv6 without brackets)
  uint16_t port = 0;               ///< 0: any free port
};

/// Parses `[HOST]:PORT` (":9464", "0.0.0.0:9464", "[::1]:9464", "localhost:9464"); the host
/// defaults to 127.0.0.1, port 0 takes any free port. False with a one-line *error that
/// starts with `flag` and gives `example`.
bool ParseListenAddress(const std::string& text, const std::string& flag,
                        const std::string& example, ListenAddress* out, std::string* error);

/// "127.0.0.1:9464", "[::1]:9464".
std::string FormatListenAddress(const ListenAddress& address);

}  // namespace wsyaml::outputs
