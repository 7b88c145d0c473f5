// wss:// against an independent TLS server (python3-websockets) with a CA made by the test:
// verification on by default, a custom CA, insecure mode, and a name mismatch.
#include <gtest/gtest.h>

#include "metrics/thresholds.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

class TlsEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir());
    const std::string& d = *dir_;
    auto openssl = [](std::vector<std::string> args) {
      args.insert(args.begin(), "/usr/bin/openssl");
      ProcessResult p = RunProcess(args, 30s);
      ASSERT_EQ(p.exit_code, 0) << p.err;
    };
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=wsyaml test CA", "-keyout", d + "/ca.key", "-out", d + "/ca.pem"});
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout",
             d + "/server.key", "-out", d + "/server.csr"});
    FILE* ext = fopen((d + "/san.ext").c_str(), "w");
    fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\n", ext);
    fclose(ext);
    openssl({"x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", d + "/san.ext", "-out",
             d + "/server.pem"});
  }

  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"/usr/bin/python3", SourcePath("tests/e2e/tls/tls_echo_server.py"),
                                 "--cert", *dir_ + "/server.pem", "--key", *dir_ + "/server.key"});
    ASSERT_GT(server_->port(), 0);
  }

  // Runs a 2-VU echo scenario over wss with the given tls mapping; returns the result.
  metrics::Result Run(const std::string& tls, const std::string& host, ProcessResult* p) {
    std::string file = *dir_ + "/tls-" + std::to_string(runs_++) + ".yaml";
    std::string text =
        "name: tls\ntarget: wss://" + host + ":" + std::to_string(server_->port()) +
        "\nload: {vus: 2, iterations: 2}\nsteps:\n"
        "  - connect:\n      url: /headers\n      headers: {Authorization: Bearer s3cret}\n" +
        (tls.empty() ? "" : "      tls: " + tls + "\n") +
        "  - expect: {match: {json: {authorization: Bearer s3cret}}, within: 2s, name: headers}\n"
        "  - send: \"hello ${vu}\"\n"
        "  - expect: {match: {text: \"hello ${vu}\"}, within: 2s, name: echo}\n"
        "  - close\n";
    FILE* f = fopen(file.c_str(), "w");
    fputs(text.c_str(), f);
    fclose(f);
    std::string json = *dir_ + "/result-" + std::to_string(runs_) + ".json";
    *p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "json=" + json}, 30s);
    metrics::Result result;
    std::string error;
    EXPECT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error << p->err;
    return result;
  }

  static std::string* dir_;
  std::unique_ptr<ServerProcess> server_;
  int runs_ = 0;
};
std::string* TlsEndToEnd::dir_ = nullptr;

TEST_F(TlsEndToEnd, VerifiesAgainstTheGivenCa) {
  ProcessResult p;
  metrics::Result r = Run("{ca: ca.pem}", "localhost", &p);
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_TRUE(r.shard.errors().empty());
  EXPECT_EQ(r.shard.checks().at("echo").passes, 4u);
  EXPECT_EQ(r.shard.checks().at("headers").passes, 4u) << "templated headers reach the server";
  EXPECT_EQ(TrendCount(r, metrics::MetricId::kWsConnecting), 4u);
  // The TLS handshake is recorded on its own, and is part of ws_connecting.
  ASSERT_EQ(TrendCount(r, metrics::MetricId::kWsTlsHandshaking), 4u);
  auto tls = metrics::CollectSeries(r.shard, r.tags, metrics::MetricId::kWsTlsHandshaking, {});
  auto connecting = metrics::CollectSeries(r.shard, r.tags, metrics::MetricId::kWsConnecting, {});
  EXPECT_GT(tls.histogram.Min(), 0u);
  EXPECT_LE(tls.histogram.Max(), connecting.histogram.Max());
}

TEST_F(TlsEndToEnd, UnknownCaIsATlsErrorWithTheReason) {
  ProcessResult p;
  metrics::Result r = Run("", "localhost", &p);
  auto errors = r.shard.errors();
  ASSERT_EQ(errors.count("tls"), 1u) << p.out;
  EXPECT_EQ(errors.at("tls").count, 4u);
  EXPECT_NE(errors.at("tls").example.find("certificate"), std::string::npos)
      << errors.at("tls").example;
  EXPECT_EQ(CounterTotal(r, metrics::MetricId::kWsMsgsSent), 0);
}

TEST_F(TlsEndToEnd, InsecureSkipsVerification) {
  ProcessResult p;
  metrics::Result r = Run("{insecure: true}", "127.0.0.1", &p);
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_EQ(r.shard.checks().at("echo").passes, 4u);
}

TEST_F(TlsEndToEnd, NameMismatchIsATlsError) {
  ProcessResult p;
  metrics::Result r = Run("{ca: ca.pem, server-name: wrong.example}", "localhost", &p);
  auto errors = r.shard.errors();
  ASSERT_EQ(errors.count("tls"), 1u) << p.out;
  EXPECT_NE(errors.at("tls").example.find("wrong.example"), std::string::npos)
      << errors.at("tls").example;
}

TEST_F(TlsEndToEnd, DebugMasksAuthorization) {
  std::string file = *dir_ + "/debug.yaml";
  FILE* f = fopen(file.c_str(), "w");
  std::string text =
      "name: d\ntarget: wss://localhost:" + std::to_string(server_->port()) +
      "\nsteps:\n  - connect:\n      url: /headers\n"
      "      headers: {Authorization: Bearer s3cret, Cookie: a=b}\n      tls: {ca: ca.pem}\n"
      "  - expect: {within: 2s}\n  - close\n";
  fputs(text.c_str(), f);
  fclose(f);
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--debug"}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.err.find("handshake request:"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("Authorization: ***"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("Cookie: ***"), std::string::npos) << p.err;
  // The server echoes the headers back as a frame; frames are printed masked too.
  EXPECT_EQ(p.err.find("s3cret"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace wsyaml::testing

namespace wsyaml::testing {
namespace {

TEST(Secrets, EnvValuesMarkedSecretAreMaskedInLogsAndDebug) {
  std::string file = WriteTempFile("secret.yaml", R"(name: secret
target: builtin:echo
steps:
  - connect:
      url: /
      headers: {X-Token: "${env.TOKEN}"}
  - send: "my token is ${env.TOKEN}"
  - expect: {within: 2s}
  - log: "logged ${env.TOKEN}"
  - close
)");
  ProcessResult p = RunProcess(
      {WsyamlBinary(), "run", file, "-q", "--debug", "-e", "TOKEN=tok-98765", "--secret", "TOKEN"},
      std::chrono::seconds(30));
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.err.find("tok-98765"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("logged ***"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("> my token is ***"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace wsyaml::testing
