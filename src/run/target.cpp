#include "run/target.h"

namespace wsyaml::run {

bool ResolveTarget(const std::string& target, std::unique_ptr<server::ReferenceServer>* builtin,
                   std::vector<std::string>* base_urls, std::string* error) {
  static const std::string kBuiltin = "builtin:";
  if (target.rfind(kBuiltin, 0) == 0) {
    server::Kind kind;
    std::string name = target.substr(kBuiltin.size());
    if (!server::ParseKind(name, &kind)) {
      *error = "unknown built-in target '" + target +
               "': use builtin:chat, builtin:echo or builtin:chaos";
      return false;
    }
    *builtin = server::ReferenceServer::Start(kind, 0, 1, error);
    if (!*builtin) return false;
    base_urls->push_back("ws://127.0.0.1:" + std::to_string((*builtin)->port()));
    return true;
  }
  size_t start = 0;
  while (start <= target.size()) {
    size_t comma = target.find(',', start);
    std::string url =
        target.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? target.size() + 1 : comma + 1;
    while (!url.empty() && url.back() == '/') url.pop_back();
    size_t scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "ws" && scheme != "wss") {
      *error = "target '" + url + "' must start with ws://, wss:// or builtin:";
      return false;
    }
    size_t host_start = scheme_end + 3;
    size_t host_end = url.find_first_of(":/", host_start);
    std::string host = url.substr(
        host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
    std::string rest = host_end == std::string::npos ? "" : url.substr(host_end);
    std::vector<std::string> hosts;
    if (host.find('-') != std::string::npos &&
        host.find_first_not_of("0123456789.-") == std::string::npos) {
      if (!server::ExpandAddressRanges({host}, &hosts, error)) return false;
    } else {
      hosts.push_back(host);
    }
    for (const auto& h : hosts) base_urls->push_back(scheme + "://" + h + rest);
  }
  return true;
}

}  // namespace wsyaml::run
