// A ProtocolLink that records what a session did, for testing sessions on byte vectors alone.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "engine/protocol.h"

namespace wsyaml::engine::testing {

/// Records every call; `now` is the clock the session sees (advance it by hand).
struct RecordingLink : ProtocolLink {
  struct Frame {
    std::string data;
    bool binary = false;
  };
  std::vector<Frame> frames;
  std::vector<AppMessage> messages;
  std::vector<std::string> replied;
  std::vector<std::pair<std::string, std::string>> reply_failures;  ///< key, why
  std::vector<std::pair<std::string, bool>> errors;                 ///< message, close
  std::vector<std::pair<std::string, std::chrono::nanoseconds>> intervals;
  int ready = 0;
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};

  void SendFrame(std::string_view frame, bool binary) override {
    frames.push_back({std::string(frame), binary});
  }
  void Ready() override { ++ready; }
  void Deliver(const AppMessage& message) override { messages.push_back(message); }
  void Replied(std::string_view key) override { replied.emplace_back(key); }
  void ReplyFailed(std::string_view key, std::string_view why) override {
    reply_failures.emplace_back(key, why);
  }
  void ProtocolError(std::string_view message, bool close) override {
    errors.emplace_back(message, close);
  }
  std::chrono::steady_clock::time_point Now() const override { return now; }
  void RecordNextInterval(std::string_view name, std::chrono::nanoseconds interval) override {
    intervals.emplace_back(name, interval);
  }
  /// The frames sent so far as text, and forgets them.
  std::vector<std::string> TakeFrames() {
    std::vector<std::string> out;
    for (auto& f : frames) out.push_back(std::move(f.data));
    frames.clear();
    return out;
  }
};

}  // namespace wsyaml::engine::testing
