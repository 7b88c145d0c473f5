// Test support: runs that mostly wait on timers (chat sessions, the example scenarios) start
// together in the background when the test program starts, and each test waits for its own.
#pragma once

#include <functional>
#include <future>
#include <string>

namespace wsyaml::testing {

/// Registers `start` to be called before the first test when the test `full_name`
/// ("Suite.Name") is selected to run (--gtest_filter). Call it before main runs.
void RegisterBackgroundRun(const std::string& full_name, std::function<void()> start);

/// One such run, producing a T; define it at namespace scope, next to its test.
template <typename T>
class BackgroundRun {
 public:
  BackgroundRun(const std::string& full_name, std::function<T()> run) : run_(std::move(run)) {
    RegisterBackgroundRun(full_name,
                          [this] { future_ = std::async(std::launch::async, run_).share(); });
  }
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;

  /// Waits for the run (runs it now when it was not started in the background).
  const T& Get() {
    if (!future_.valid()) future_ = std::async(std::launch::deferred, run_).share();
    return future_.get();
  }

 private:
  std::function<T()> run_;
  std::shared_future<T> future_;
};

}  // namespace wsyaml::testing
