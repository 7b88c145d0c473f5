// The run's target as base URLs for the engine, starting a built-in server when it names one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/reference_server.h"

namespace wsyaml::run {

/// Turns the plan's target into ws:// base URLs, starting a built-in server for
/// `builtin:chat`, `builtin:echo` or `builtin:chaos` on an ephemeral loopback port.
/// Other targets: a ws:// or wss:// URL, ws://127.0.0.1-8:PORT for a range of addresses, or
/// several URLs separated by commas; each becomes one base URL. False with *error.
bool ResolveTarget(const std::string& target, std::unique_ptr<server::ReferenceServer>* builtin,
                   std::vector<std::string>* base_urls, std::string* error);

}  // namespace wsyaml::run
