// socket.io: Engine.IO v4 over the websocket transport only, Socket.IO protocol v5.
// Engine.IO: https://github.com/socketio/engine.io-protocol (v4): one packet per text frame,
// its type the first character (0 open, 1 close, 2 ping, 3 pong, 4 message, 6 noop); binary
// frames are attachments. Socket.IO: https://github.com/socketio/socket.io-protocol (v5):
// a message's text is `TYPE[ATTACHMENTS-][/NAMESPACE,][ACKID][JSON]`.
// Thread: the connection's worker thread, like every ProtocolSession.
#pragma once

#include <memory>

#include "engine/protocol.h"

namespace wsyaml::engine {

/// The session of a `protocol: socket.io` connection: on the open packet, connects to
/// `setup.options->socketio_namespace` with `setup.auth`; Ready() on the namespace's CONNECT;
/// answers pings and the server's ack requests; emits with ack ids (the key is the id as
/// text); delivers events (payload = the first argument, args_json = every argument) once
/// their binary attachments arrived; reports CONNECT_ERROR, DISCONNECT and a server that
/// stopped pinging as protocol errors that close the connection.
std::unique_ptr<ProtocolSession> MakeSocketIoSession(const ProtocolSetup& setup);

}  // namespace wsyaml::engine
