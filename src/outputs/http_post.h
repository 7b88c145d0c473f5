// A minimal HTTP/1.1 client for the outputs that push to a server (InfluxDB's /write and
// /query): plain http over TCP with POSIX sockets, one keep-alive connection, every wait
// bounded by a deadline. No TLS, no proxies, no redirects.
// Threading: an HttpClient belongs to one thread (the sink's writer thread).
#pragma once

#include <chrono>
#include <string>

namespace wsyaml::outputs {

/// The parts of "http://HOST[:PORT][/PATH]" a client needs.
struct HttpUrl {
  std::string host;  ///< a name or a literal address; IPv6 without its brackets
  int port = 80;
  std::string path;  ///< "/..." or empty
};

/// Parses an http:// URL. False with a one-line *error for another scheme (https included),
/// user information, a bad port or a missing host.
bool ParseHttpUrl(const std::string& text, HttpUrl* out, std::string* error);

/// What the server answered.
struct HttpResponse {
  int status = 0;    ///< e.g. 204
  std::string body;  ///< de-chunked
};

/// Percent-encodes a query parameter's value (RFC 3986 unreserved characters kept).
std::string UrlEncode(const std::string& text);

/// One keep-alive connection to one HTTP server, opened on the first Post.
class HttpClient {
 public:
  using Clock = std::chrono::steady_clock;

  /// Connects to `host`:`port` (resolved on the first Post).
  HttpClient(std::string host, int port) : host_(std::move(host)), port_(port) {}
  ~HttpClient() { Close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// POSTs `body` to `target` ("/write?db=x") and reads the whole response, all before
  /// `deadline`; reuses the open connection when the server kept it (and retries once on a
  /// new one when a kept connection turns out closed). False with *error ("connection
  /// refused", "no response within the deadline") when no response arrived; any status is a
  /// response.
  bool Post(const std::string& target, const std::string& content_type, const std::string& body,
            Clock::time_point deadline, HttpResponse* response, std::string* error);
  /// Closes the connection (the next Post opens a new one).
  void Close();

 private:
  bool Connect(Clock::time_point deadline, std::string* error);
  bool SendAll(const std::string& data, Clock::time_point deadline, std::string* error);
  /// Reads more bytes into buffer_; false on EOF (*error empty), an error or the deadline.
  bool ReadMore(Clock::time_point deadline, std::string* error);
  bool ReadResponse(Clock::time_point deadline, HttpResponse* response, bool* keep_alive,
                    std::string* error);
  bool ReadChunked(Clock::time_point deadline, std::string* body, std::string* error);

  std::string host_;
  int port_;
  int fd_ = -1;         ///< the connection, -1 when closed
  std::string buffer_;  ///< received and not yet consumed
};

}  // namespace wsyaml::outputs
