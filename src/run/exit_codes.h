// The process exit codes of wsyaml, documented in README.md.
#pragma once

namespace wsyaml::run {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 2;            ///< invalid scenario or usage
inline constexpr int kExitSetupFailed = 3;        ///< could not start (port, server, file)
inline constexpr int kExitInterrupted = 4;        ///< stopped by SIGINT/SIGTERM before the end
inline constexpr int kExitThresholdsFailed = 99;  ///< as k6

}  // namespace wsyaml::run
