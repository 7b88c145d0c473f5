// graphql-ws: the graphql-transport-ws subprotocol (graphql-ws's PROTOCOL.md). connection_init
// with a payload, connection_ack opens the connection for its steps; `subscribe` sends a
// subscribe with an automatic id ("1", "2"... per connection) under the step's name; each
// `next` is a message whose text is its `payload`; `error` fails the subscription's check;
// ping is answered with pong.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "engine/protocol.h"

namespace wsyaml::engine {

/// One graphql-transport-ws connection. Thread: the connection's worker.
class GraphqlWsSession : public ProtocolSession {
 public:
  /// `init_payload`: the connection_init payload as JSON text; empty = none.
  explicit GraphqlWsSession(std::string init_payload);
  /// Sends connection_init; Ready() comes at connection_ack.
  void Start(ProtocolLink& link) override;
  /// Decodes one message: next, error, complete, ping, pong, connection_ack.
  void OnFrame(std::string_view frame, bool binary, ProtocolLink& link) override;
  /// subscribe (the key of its first `next` is its id) and unsubscribe (complete).
  std::string Encode(const ProtocolCommand& command, ProtocolLink& link,
                     std::string* error) override;
  /// The server's close codes 4400-4999 (4403 Forbidden, 4409 duplicate id...) are the
  /// protocol's errors.
  void OnClose(int code, std::string_view reason, ProtocolLink& link) override;

 private:
  /// A subscription by its step's name; kept after it ends so the name can subscribe again.
  struct Subscription {
    std::string name;
    std::string id;  ///< the operation id on the wire
    bool active = false;
    bool awaiting_first = false;  ///< a reply is pending until the first `next`
    bool has_last = false;        ///< `last_next` is set
    std::chrono::steady_clock::time_point last_next;
  };

  Subscription* ById(std::string_view id);
  Subscription* ByName(std::string_view name);
  std::string Subscribe(const ProtocolCommand& command, ProtocolLink& link, std::string* error);
  void Unsubscribe(const ProtocolCommand& command, ProtocolLink& link, std::string* error);
  void OnNext(std::string_view id, std::string_view payload, ProtocolLink& link);
  void OnError(std::string_view id, std::string_view payload, ProtocolLink& link);
  void OnComplete(std::string_view id, ProtocolLink& link);

  std::string init_payload_;
  bool acked_ = false;
  int next_id_ = 1;
  std::vector<Subscription> subscriptions_;
  AppMessage message_;  ///< reused for each `next`: no allocation per message once warm
  std::string frame_;   ///< reused for the frames we send
};

}  // namespace wsyaml::engine
