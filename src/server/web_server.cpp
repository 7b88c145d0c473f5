#include "server/web_server.h"

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <websocketpp/server.hpp>

#include "server/single_thread_config.h"

namespace wsyaml::server {
namespace {

// A dashboard page that does not answer a close holds the end of the run half a second at most.
using WebConfig = internal::SingleThreadConfig<websocketpp::connection_base, 16384, 500>;

using Endpoint = websocketpp::server<WebConfig>;
using ConnectionPtr = Endpoint::connection_ptr;
using Hdl = websocketpp::connection_hdl;

std::string PathOf(const std::string& resource) { return resource.substr(0, resource.find('?')); }

}  // namespace

struct WebServer::Impl {
  asio::io_context io;  // outlives the endpoint: declared before it
  Endpoint endpoint;
  std::map<std::string, Handler> handlers;
  std::function<std::string()> greeting;
  std::set<ConnectionPtr> clients;            // on the server's thread only
  std::shared_ptr<const std::string> latest;  // the last broadcast; on the server's thread only
  std::thread thread;
  uint16_t port = 0;
  std::atomic<uint64_t> skipped{0};
  std::atomic<int> open{0};
  std::shared_ptr<asio::steady_timer> deadline;  // set by Stop

  // Once stopping, the last client's close ends the thread at once.
  void StopWhenIdle() {
    if (deadline && clients.empty()) deadline->cancel();
  }

  void OnHttp(Hdl hdl) {
    websocketpp::lib::error_code ec;
    ConnectionPtr con = endpoint.get_con_from_hdl(hdl, ec);
    if (ec) return;
    auto handler = handlers.find(PathOf(con->get_resource()));
    WebResponse response;
    if (con->get_request().get_method() != "GET") {
      response = {405, "text/plain; charset=utf-8", "only GET\n"};
    } else if (handler == handlers.end()) {
      response = {404, "text/plain; charset=utf-8", "not found\n"};
    } else {
      response = handler->second(con->get_resource());
    }
    // set_status/set_body throw only outside the HTTP request phase; this handler runs in it.
    con->set_status(static_cast<websocketpp::http::status_code::value>(response.status));
    con->append_header("Content-Type", response.content_type);
    con->append_header("Cache-Control", "no-store");
    con->set_body(response.body);
  }

  void Send(std::shared_ptr<const std::string> text) {
    latest = std::move(text);
    for (const ConnectionPtr& con : clients) {
      if (con->get_buffered_amount() > kMaxBuffered) {
        skipped.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      con->send(*latest, websocketpp::frame::opcode::text);  // an error_code, ignored: it closes
    }
  }
};

WebServer::WebServer() : impl_(std::make_unique<Impl>()) {}

WebServer::~WebServer() { Stop(); }

void WebServer::Handle(const std::string& path, Handler handler) {
  impl_->handlers[path] = std::move(handler);
}

void WebServer::OnOpen(std::function<std::string()> greeting) {
  impl_->greeting = std::move(greeting);
}

bool WebServer::Listen(const std::string& address, uint16_t port, std::string* error) {
  Impl& impl = *impl_;
  websocketpp::lib::error_code ec;
  impl.endpoint.init_asio(&impl.io, ec);
  if (ec) {
    *error = "init_asio: " + ec.message();
    return false;
  }
  impl.endpoint.set_reuse_addr(true);
  impl.endpoint.set_http_handler([&impl](Hdl hdl) { impl.OnHttp(hdl); });
  impl.endpoint.set_open_handler([&impl](Hdl hdl) {
    websocketpp::lib::error_code open_ec;
    ConnectionPtr con = impl.endpoint.get_con_from_hdl(hdl, open_ec);
    if (open_ec || !impl.clients.insert(con).second) return;
    impl.open.fetch_add(1);
    if (impl.greeting) {
      std::string hello = impl.greeting();
      if (!hello.empty()) con->send(hello, websocketpp::frame::opcode::text);
    }
    // A late client sees the latest state now, not a blank page until the next broadcast.
    if (impl.latest) con->send(*impl.latest, websocketpp::frame::opcode::text);
  });
  impl.endpoint.set_close_handler([&impl](Hdl hdl) {
    websocketpp::lib::error_code close_ec;
    ConnectionPtr con = impl.endpoint.get_con_from_hdl(hdl, close_ec);
    if (!close_ec && impl.clients.erase(con) > 0) impl.open.fetch_sub(1);
    impl.StopWhenIdle();
  });
  // Browsers send text only; what they send is ignored.
  impl.endpoint.set_message_handler([](Hdl, Endpoint::message_ptr) {});
  asio::error_code address_ec;
  asio::ip::address ip = asio::ip::make_address(address, address_ec);
  if (address_ec) {
    *error = "'" + address + "' is not an IP address";
    return false;
  }
  impl.endpoint.listen(asio::ip::tcp::endpoint(ip, port), ec);
  if (ec) {
    *error = "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  asio::error_code local_ec;
  impl.port = impl.endpoint.get_local_endpoint(local_ec).port();
  impl.endpoint.start_accept(ec);
  if (ec || local_ec) {
    *error = "accept on " + address + ": " + (ec ? ec.message() : local_ec.message());
    return false;
  }
  return true;
}

uint16_t WebServer::port() const { return impl_->port; }

void WebServer::Start() {
  impl_->thread = std::thread([this] {
    asio::error_code ec;
    impl_->io.run(ec);
  });
}

void WebServer::Broadcast(std::string text) {
  auto shared = std::make_shared<const std::string>(std::move(text));
  asio::post(impl_->io, [impl = impl_.get(), shared] { impl->Send(shared); });
}

uint64_t WebServer::skipped() const { return impl_->skipped.load(std::memory_order_relaxed); }

int WebServer::clients() const { return impl_->open.load(std::memory_order_relaxed); }

void WebServer::Stop() {
  Impl& impl = *impl_;
  if (!impl.thread.joinable()) return;
  asio::post(impl.io, [&impl] {
    // Clients that never answer the close must not hold the run's end.
    impl.deadline = std::make_shared<asio::steady_timer>(impl.io, std::chrono::seconds(1));
    impl.deadline->async_wait([&impl](const asio::error_code&) { impl.io.stop(); });
    websocketpp::lib::error_code ec;
    impl.endpoint.stop_listening(ec);
    std::set<ConnectionPtr> open = impl.clients;  // a close may erase from clients
    for (const ConnectionPtr& con : open)
      con->close(websocketpp::close::status::going_away, "run ended", ec);
    impl.StopWhenIdle();
  });
  impl.thread.join();
}

}  // namespace wsyaml::server
