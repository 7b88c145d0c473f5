// The HTTP POST client: URL parsing, the three ways a body ends, keep-alive, and deadlines
// against a peer that never answers or a port where nothing listens.
#include "outputs/http_post.h"

#include <gtest/gtest.h>

#include "outputs/loopback_http.h"

namespace wsyaml::outputs {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackHttp;
using Clock = HttpClient::Clock;

TEST(ParseHttpUrlTest, TakesHostPortAndPath) {
  HttpUrl url;
  std::string error;
  ASSERT_TRUE(ParseHttpUrl("http://127.0.0.1:8086/wsyaml", &url, &error)) << error;
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8086);
  EXPECT_EQ(url.path, "/wsyaml");
  ASSERT_TRUE(ParseHttpUrl("http://[::1]/db", &url, &error)) << error;
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 80);
  ASSERT_TRUE(ParseHttpUrl("http://localhost", &url, &error)) << error;
  EXPECT_EQ(url.path, "");
}

TEST(ParseHttpUrlTest, RejectsWhatItCannotDo) {
  HttpUrl url;
  std::string error;
  EXPECT_FALSE(ParseHttpUrl("https://h/db", &url, &error));
  EXPECT_EQ(error, "https is not supported, only http://");
  EXPECT_FALSE(ParseHttpUrl("udp://h:8089", &url, &error));
  EXPECT_EQ(error, "expected an http:// URL, got 'udp://h:8089'");
  EXPECT_FALSE(ParseHttpUrl("http://u:p@h/db", &url, &error));
  EXPECT_FALSE(ParseHttpUrl("http://h:99999/db", &url, &error));
  EXPECT_EQ(error, "bad port '99999' in 'http://h:99999/db'");
  EXPECT_FALSE(ParseHttpUrl("http://:80/db", &url, &error));
  EXPECT_EQ(error, "no host in 'http://:80/db'");
}

TEST(UrlEncodeTest, KeepsUnreservedOnly) {
  EXPECT_EQ(UrlEncode("CREATE DATABASE \"a b\"&x=1"), "CREATE%20DATABASE%20%22a%20b%22%26x%3D1");
}

// Posts to `peer` and returns the response body, or "error: ..." when there was none.
std::string PostTo(HttpClient* client, const std::string& body, HttpResponse* response) {
  std::string error;
  if (!client->Post("/write?db=x", "text/plain", body, Clock::now() + 5s, response, &error))
    return "error: " + error;
  return response->body;
}

TEST(HttpClientTest, ReadsChunkedBodiesAndKeepsTheConnection) {
  LoopbackHttp peer(
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"});
  HttpClient client("127.0.0.1", peer.port());
  HttpResponse response;
  EXPECT_EQ(PostTo(&client, "a=1", &response), "hello world");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(PostTo(&client, "b=2", &response), "hello world");
  EXPECT_EQ(peer.connections(), 1);
  std::vector<std::string> requests = peer.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].substr(0, 30), "POST /write?db=x HTTP/1.1\r\nHos");
  EXPECT_NE(requests[0].find("Content-Length: 3\r\n\r\na=1"), std::string::npos);
}

TEST(HttpClientTest, ReadsContentLengthAndReconnectsAfterAClose) {
  LoopbackHttp peer({"HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\n\r\nbad row", false,
                     /*close_after_response=*/true});
  HttpClient client("127.0.0.1", peer.port());
  HttpResponse response;
  EXPECT_EQ(PostTo(&client, "x", &response), "bad row");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(PostTo(&client, "y", &response), "bad row");
  EXPECT_EQ(peer.Requests().size(), 2u);
  EXPECT_EQ(peer.connections(), 2);
}

TEST(HttpClientTest, NoContentEndsAtTheHead) {
  LoopbackHttp peer({"HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\n\r\n"});
  HttpClient client("127.0.0.1", peer.port());
  HttpResponse response;
  EXPECT_EQ(PostTo(&client, "x", &response), "");
  EXPECT_EQ(response.status, 204);
}

TEST(HttpClientTest, ASilentPeerCostsNoMoreThanTheDeadline) {
  LoopbackHttp peer({"", /*silent=*/true});
  HttpClient client("127.0.0.1", peer.port());
  HttpResponse response;
  std::string error;
  auto start = Clock::now();
  EXPECT_FALSE(client.Post("/write", "text/plain", "x", start + 300ms, &response, &error));
  auto took = Clock::now() - start;
  EXPECT_EQ(error, "no response within the deadline");
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1s);
}

TEST(HttpClientTest, AClosedPortIsRefused) {
  int port;
  {
    LoopbackHttp gone({});
    port = gone.port();
  }
  HttpClient client("127.0.0.1", port);
  HttpResponse response;
  std::string error;
  EXPECT_FALSE(client.Post("/write", "text/plain", "x", Clock::now() + 2s, &response, &error));
  EXPECT_EQ(error, "connection refused");
}

}  // namespace
}  // namespace wsyaml::outputs
