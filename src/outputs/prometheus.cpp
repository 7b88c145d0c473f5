#include "outputs/prometheus.h"

#include <cstdlib>
#include <iostream>
#include <vector>

#include "outputs/prometheus_text.h"

namespace wsyaml::outputs {

bool PrometheusSink::Open(const RunInfo& info, std::string* error) {
  info_ = info;
  // Until the first snapshot a scrape gets the run's info and zero totals.
  metrics::Shard empty;
  metrics::TagRegistry tags;
  Snapshot start;
  start.cumulative = &empty;
  start.tags = &tags;
  text_ = std::make_shared<const std::string>(FormatPrometheus(start, info_));
  server_.Handle("/metrics", [this](const std::string&) {
    // Version 0.0.4 of the text format, as Prometheus' Accept header asks for it.
    return server::WebResponse{200, "text/plain; version=0.0.4; charset=utf-8", *Current()};
  });
  std::string listen_error;
  if (!server_.Listen(address_.host, address_.port, &listen_error)) {
    *error = "--out prometheus=" + FormatListenAddress(address_) + ": " + listen_error;
    return false;
  }
  server_.Start();
  // Port 0 took any free port: the header's outputs line cannot say which.
  if (address_.port == 0)
    std::cerr << "prometheus: http://" << FormatListenAddress({address_.host, server_.port()})
              << "/metrics\n";
  return true;
}

void PrometheusSink::OnSnapshot(const Snapshot& snapshot) {
  auto text = std::make_shared<const std::string>(FormatPrometheus(snapshot, info_));
  std::lock_guard<std::mutex> lock(mutex_);
  text_ = std::move(text);
}

std::shared_ptr<const std::string> PrometheusSink::Current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return text_;
}

bool PrometheusSink::Finish(const Final& final, std::string* error) {
  (void) final;
  (void)error;
  server_.Stop();
  return true;
}

}  // namespace wsyaml::outputs
