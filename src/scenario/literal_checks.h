// Internal to the compiler: checks of literal values that would otherwise pass `validate` and
// then fail every connection at run time — a URL's port and credentials, the UTF-8 of text
// payloads, certificate files. Templated parts are filled in at run time and are not judged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/graph.h"
#include "scenario/context.h"

namespace wsyaml::scenario {

/// Offset of the first byte of `text` that does not start a valid UTF-8 sequence (overlong
/// forms, surrogates and code points past U+10FFFF are invalid), or npos when all is valid.
size_t FindInvalidUtf8(std::string_view text);

/// Reports a ws:// or wss:// URL whose port is not 1-65535, whose host is empty, or which
/// carries `user:password@` credentials (WebSocket clients do not send them). `url` is the
/// compiled template (${env} already filled in); `node` is the scalar it came from; `what`
/// names it in messages ("target", "url"). Relative URLs and parts filled in at run time
/// pass. False when something was reported.
bool CheckUrl(Context& ctx, const YAML::Node& node, const graph::Template& url,
              const std::string& what);

/// Reports a text payload that is not valid UTF-8: first the scalar as written (with the
/// column of the bad byte), then the literal segments (text from ${env}). `what` names it.
/// False when something was reported.
bool CheckUtf8(Context& ctx, const YAML::Node& node, const std::vector<graph::Segment>& segments,
               const std::string& what);

/// Reports a TLS file (`what`: ca, cert, key) that cannot be read. False when reported.
bool CheckReadableFile(Context& ctx, const YAML::Node& node, const std::string& path,
                       const std::string& what);

}  // namespace wsyaml::scenario
