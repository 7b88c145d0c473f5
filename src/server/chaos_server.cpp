// The chaos server: a raw Asio TCP server that speaks just enough WebSocket to misbehave.
#include "server/server_internal.h"

namespace wsyaml::server::internal {

std::unique_ptr<ReferenceServer> StartChaosServer(const ServerOptions&, std::string* error) {
  *error = "the chaos server is not built yet";
  return nullptr;
}

}  // namespace wsyaml::server::internal
