// The production Transport: WebSocket clients on websocketpp over Asio. The only engine file
// that includes websocketpp (ws_transport.cpp), because each such file takes long to compile.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/connection.h"

namespace asio {
class io_context;
}

namespace wsyaml::engine {

/// A websocketpp client endpoint on `io`; every callback runs on the thread running `io`.
/// Connections to literal IP hosts bind to `local_addresses` in turn (none = the kernel's
/// choice), to get past the ~28k ephemeral ports per source/destination pair.
std::unique_ptr<Transport> MakeWebSocketTransport(asio::io_context& io,
                                                  const std::vector<std::string>& local_addresses);

}  // namespace wsyaml::engine
