// STOMP 1.2 sessions: the handshake, heart-beats, frames in and steps out.
#include "engine/protocols/stomp.h"

#include <algorithm>
#include <charconv>

namespace wsyaml::engine {

namespace {

using std::chrono::milliseconds;

// The DISCONNECT's receipt: its RECEIPT settles nothing the scenario waits for.
constexpr std::string_view kDisconnectReceipt = "disconnect";

milliseconds ToMillis(std::chrono::microseconds period) {
  return std::chrono::duration_cast<milliseconds>(period + std::chrono::microseconds(999));
}

// STOMP's heart-beat rule: none when either side says 0, else the larger of the two.
milliseconds Negotiate(milliseconds ours, milliseconds theirs) {
  if (ours.count() == 0 || theirs.count() == 0) return milliseconds(0);
  return std::max(ours, theirs);
}

// "sx,sy" of a CONNECTED frame's heart-beat header (0,0 when absent or malformed).
std::pair<milliseconds, milliseconds> ParseHeartbeat(const std::string* header) {
  if (!header) return {};
  size_t comma = header->find(',');
  if (comma == std::string::npos) return {};
  const char* text = header->data();
  long long sx = 0, sy = 0;
  std::from_chars(text, text + comma, sx);
  std::from_chars(text + comma + 1, text + header->size(), sy);
  return {milliseconds(std::max(0LL, sx)), milliseconds(std::max(0LL, sy))};
}

std::string_view AckMode(graph::Subscribe::AckMode mode) {
  switch (mode) {
    case graph::Subscribe::AckMode::kAuto:
      return "auto";
    case graph::Subscribe::AckMode::kClient:
      return "client";
    case graph::Subscribe::AckMode::kClientIndividual:
      return "client-individual";
  }
  return "auto";
}

}  // namespace

StompSession::StompSession(const ProtocolSetup& setup)
    : login_(setup.login),
      passcode_(setup.passcode),
      host_(setup.host.empty() ? setup.url_host : setup.host),
      want_send_(ToMillis(setup.options->heartbeat_send)),
      want_receive_(ToMillis(setup.options->heartbeat_receive)) {}

void StompSession::Start(ProtocolLink& link) {
  out_.assign("CONNECT\n");
  stomp::AppendHeader(&out_, "accept-version", "1.2", false);
  stomp::AppendHeader(&out_, "host", host_, false);
  if (!login_.empty()) stomp::AppendHeader(&out_, "login", login_, false);
  if (!passcode_.empty()) stomp::AppendHeader(&out_, "passcode", passcode_, false);
  std::string beats =
      std::to_string(want_send_.count()) + "," + std::to_string(want_receive_.count());
  stomp::AppendHeader(&out_, "heart-beat", beats, false);
  stomp::AppendBody(&out_, {});
  Send(link, false);
}

void StompSession::OnFrame(std::string_view frame, bool binary, ProtocolLink& link) {
  if (failed_) return;
  if (pending_.empty()) {
    size_t used = ReadFrames(frame, binary, link);
    if (used == std::string::npos) return;
    if (used < frame.size()) pending_.assign(frame.substr(used));
  } else {
    pending_.append(frame);
    size_t used = ReadFrames(pending_, binary, link);
    if (used == std::string::npos) {
      pending_.clear();
      return;
    }
    pending_.erase(0, used);
  }
  if (pending_.size() > kMaxPendingBytes) {
    pending_.clear();
    failed_ = true;
    link.ProtocolError("STOMP frame larger than " + std::to_string(kMaxPendingBytes >> 20) +
                           " MiB without its end",
                       true);
  }
}

size_t StompSession::ReadFrames(std::string_view data, bool binary, ProtocolLink& link) {
  size_t pos = 0;
  while (pos < data.size()) {
    stomp::FrameView frame;
    size_t used = 0;
    stomp::ReadStatus status =
        stomp::ReadFrame(data.substr(pos), &frame, &headers_, &used, &error_);
    if (status == stomp::ReadStatus::kMalformed) {
      failed_ = true;
      link.ProtocolError(error_, true);
      return std::string::npos;
    }
    pos += used;
    if (status == stomp::ReadStatus::kNeedMore) break;
    if (!HandleFrame(frame, binary, link) || failed_) return std::string::npos;
  }
  return pos;
}

bool StompSession::HandleFrame(const stomp::FrameView& frame, bool binary, ProtocolLink& link) {
  if (frame.command == "MESSAGE" && connected_) {
    message_.payload.assign(frame.body);
    message_.binary = binary;
    // Swapped, not copied: both vectors keep their strings' capacity from frame to frame.
    headers_.swap(message_.meta.headers);
    message_.meta.headers.resize(frame.header_count);
    const std::string* ack = stomp::FindHeader(message_.meta.headers, frame.header_count, "ack");
    if (ack) {
      message_.meta.ack_id = *ack;
    } else {
      message_.meta.ack_id.clear();
    }
    link.Deliver(message_);
  } else if (frame.command == "RECEIPT" && connected_) {
    const std::string* id = stomp::FindHeader(headers_, frame.header_count, "receipt-id");
    if (id && *id != kDisconnectReceipt) link.Replied(*id);
  } else if (frame.command == "CONNECTED" && !connected_) {
    HandleConnected(frame, link);
  } else if (frame.command == "ERROR") {
    HandleError(frame, link);
    return false;
  } else {
    link.ProtocolError("unexpected STOMP frame " + std::string(frame.command.substr(0, 40)) +
                           (connected_ ? "" : " before CONNECTED"),
                       !connected_);
    return connected_;
  }
  return true;
}

void StompSession::HandleConnected(const stomp::FrameView& frame, ProtocolLink& link) {
  auto [server_send, server_receive] =
      ParseHeartbeat(stomp::FindHeader(headers_, frame.header_count, "heart-beat"));
  send_every_ = Negotiate(want_send_, server_receive);
  receive_every_ = Negotiate(want_receive_, server_send);
  connected_ = true;
  link.Ready();
}

void StompSession::HandleError(const stomp::FrameView& frame, ProtocolLink& link) {
  const std::string* message = stomp::FindHeader(headers_, frame.header_count, "message");
  std::string text = "STOMP ERROR";
  if (message) text += ": " + *message;
  std::string_view body = frame.body.substr(0, 200);
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.remove_suffix(1);
  if (!body.empty()) text.append(" (").append(body).append(")");
  failed_ = true;
  const std::string* receipt = stomp::FindHeader(headers_, frame.header_count, "receipt-id");
  if (receipt) link.ReplyFailed(*receipt, text);
  link.ProtocolError(text, true);
}

std::string StompSession::Encode(const ProtocolCommand& command, ProtocolLink& link,
                                 std::string* error) {
  using Kind = ProtocolCommand::Kind;
  out_.clear();
  std::string key;
  switch (command.kind) {
    case Kind::kSend:
      key = EncodeSend(command, error);
      break;
    case Kind::kSubscribe:
      key = EncodeSubscribe(command, error);
      break;
    case Kind::kUnsubscribe: {
      auto it = std::find(subscriptions_.begin(), subscriptions_.end(), command.id);
      if (it == subscriptions_.end()) {
        *error = "unsubscribe: no STOMP subscription \"" + command.id + "\" on this connection";
        return {};
      }
      subscriptions_.erase(it);
      out_.assign("UNSUBSCRIBE\n");
      stomp::AppendHeader(&out_, "id", command.id);
      if (command.wants_reply) key = AddReceipt();
      stomp::AppendBody(&out_, {});
      break;
    }
    case Kind::kAck:
    case Kind::kNack:
      out_.assign(command.kind == Kind::kAck ? "ACK\n" : "NACK\n");
      stomp::AppendHeader(&out_, "id", command.ack_id);
      stomp::AppendBody(&out_, {});
      break;
    case Kind::kEmit:
      *error = "emit is socket.io's; a stomp connection sends with `send: {destination: ...}`";
      return {};
  }
  if (!error->empty()) return {};
  Send(link, command.kind == Kind::kSend && command.binary);
  return key;
}

std::string StompSession::EncodeSend(const ProtocolCommand& command, std::string* error) {
  if (command.destination.empty()) {
    *error = "send on a stomp connection needs a `destination`";
    return {};
  }
  out_.assign("SEND\n");
  stomp::AppendHeader(&out_, "destination", command.destination);
  bool typed = false;
  for (const auto& [name, value] : command.headers) {
    if (name == "content-length") continue;  // written from the body below
    typed = typed || name == "content-type";
    stomp::AppendHeader(&out_, name, value);
  }
  if (!typed && command.json) stomp::AppendHeader(&out_, "content-type", "application/json");
  std::string key = command.wants_reply ? AddReceipt() : std::string();
  stomp::AppendBody(&out_, command.body);
  return key;
}

std::string StompSession::EncodeSubscribe(const ProtocolCommand& command, std::string* error) {
  if (command.destination.empty()) {
    *error = "subscribe on a stomp connection needs a `destination`";
    return {};
  }
  std::string id = command.id.empty() ? "sub-" + std::to_string(subscriptions_.size()) : command.id;
  if (std::find(subscriptions_.begin(), subscriptions_.end(), id) != subscriptions_.end()) {
    *error = "subscribe: STOMP subscription id \"" + id + "\" is already in use";
    return {};
  }
  subscriptions_.push_back(id);
  out_.assign("SUBSCRIBE\n");
  stomp::AppendHeader(&out_, "id", id);
  stomp::AppendHeader(&out_, "destination", command.destination);
  stomp::AppendHeader(&out_, "ack", AckMode(command.ack_mode));
  for (const auto& [name, value] : command.headers) stomp::AppendHeader(&out_, name, value);
  std::string key = command.wants_reply ? AddReceipt() : std::string();
  stomp::AppendBody(&out_, {});
  return key;
}

std::string StompSession::AddReceipt() {
  std::string id = "r-" + std::to_string(++receipts_);
  stomp::AppendHeader(&out_, "receipt", id);
  return id;
}

void StompSession::Send(ProtocolLink& link, bool binary) {
  link.SendFrame(out_, binary);
  last_sent_ = link.Now();
}

std::chrono::microseconds StompSession::HeartbeatInterval() const {
  if (send_every_.count() == 0) return receive_every_;
  if (receive_every_.count() == 0) return send_every_;
  return std::min(send_every_, receive_every_);
}

void StompSession::OnHeartbeat(std::chrono::nanoseconds since_last_frame, ProtocolLink& link) {
  if (failed_ || !connected_) return;
  if (receive_every_.count() > 0 && since_last_frame > 2 * receive_every_) {
    failed_ = true;
    link.ProtocolError(
        "STOMP server silent for " + std::to_string(since_last_frame.count() / 1000000) +
            " ms (its heart-beat: every " + std::to_string(receive_every_.count()) + " ms)",
        true);
    return;
  }
  std::chrono::steady_clock::time_point now = link.Now();
  if (send_every_.count() > 0 && now - last_sent_ + HeartbeatInterval() > send_every_) {
    link.SendFrame("\n", false);
    last_sent_ = now;
  }
}

void StompSession::Stop(ProtocolLink& link) {
  if (!connected_ || failed_) return;
  out_.assign("DISCONNECT\n");
  stomp::AppendHeader(&out_, "receipt", kDisconnectReceipt);
  stomp::AppendBody(&out_, {});
  Send(link, false);
}

}  // namespace wsyaml::engine
