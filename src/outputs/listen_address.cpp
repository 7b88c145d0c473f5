#include "outputs/listen_address.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace wsyaml::outputs {

bool ParseListenAddress(const std::string& text, const std::string& flag,
                        const std::string& example, ListenAddress* out, std::string* error) {
  const std::string usage = "expects [HOST]:PORT, e.g. " + example;
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    *error = flag + " " + usage + ", got '" + text + "'";
    return false;
  }
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  const bool v6 = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (v6) host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = v6 ? "::1" : "127.0.0.1";
  unsigned char buffer[16];
  if (inet_pton(v6 ? AF_INET6 : AF_INET, host.c_str(), buffer) != 1) {
    *error = flag + ": '" + host + "' is not an IP address (" + usage + ")";
    return false;
  }
  char* end = nullptr;
  const long number = port.empty() ? -1 : std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number < 0 || number > 65535) {
    *error = flag + ": port '" + port + "' is not a number from 0 (any free port) to 65535";
    return false;
  }
  out->host = host;
  out->port = static_cast<uint16_t>(number);
  return true;
}

std::string FormatListenAddress(const ListenAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

}  // namespace wsyaml::outputs
