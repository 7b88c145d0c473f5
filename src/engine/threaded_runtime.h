// The production Runtime: the coordinator runs on the caller's thread, each worker on a
// thread of its own with an io_context, batched Asio timers and websocketpp sockets.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime.h"

namespace wsyaml::engine {

/// Real threads and sockets. Connections to literal IP hosts bind to `local_addresses` in
/// turn (none = the kernel's choice).
std::unique_ptr<Runtime> MakeThreadedRuntime(std::vector<std::string> local_addresses);

}  // namespace wsyaml::engine
