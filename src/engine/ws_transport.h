// The production Transport: WebSocket clients on websocketpp over Asio. The only engine file
// that includes websocketpp (ws_transport.cpp), because each such file takes long to compile.
#pragma once

#include <memory>

#include "engine/connection.h"

namespace asio {
class io_context;
}

namespace wsyaml::engine {

/// A websocketpp client endpoint on `io`; every callback runs on the thread running `io`.
std::unique_ptr<Transport> MakeWebSocketTransport(asio::io_context& io);

}  // namespace wsyaml::engine
