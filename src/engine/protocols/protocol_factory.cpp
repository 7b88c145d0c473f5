// Picks the session of a connection's protocol.
#include "engine/protocol.h"
#include "engine/protocols/graphql_ws.h"
#include "engine/protocols/socketio.h"
#include "engine/protocols/stomp.h"

namespace wsyaml::engine {

std::unique_ptr<ProtocolSession> MakeProtocolSession(const ProtocolSetup& setup) {
  switch (setup.options->kind) {
    case graph::Protocol::kRaw:
      return nullptr;
    case graph::Protocol::kSocketIo:
      return MakeSocketIoSession(setup);
    case graph::Protocol::kStomp:
      return std::make_unique<StompSession>(setup);
    case graph::Protocol::kGraphqlWs:
      return std::make_unique<GraphqlWsSession>(setup.init_payload);
  }
  return nullptr;
}

}  // namespace wsyaml::engine
