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
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=wsyaml client", "-keyout",
             d + "/client.key", "-out", d + "/client.csr"});
    openssl({"x509", "-req", "-in", d + "/client.csr", "-CA", d + "/ca.pem", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-days", "2", "-out", d + "/client.pem"});
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
        "\nload: {vus: 2, iterations: 2, ramp-up: 0s}\nsteps:\n"
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
    *p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 30s);
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

TEST_F(TlsEndToEnd, FragmentedMessagesArriveWhole) {
  std::string file = *dir_ + "/fragments.yaml";
  FILE* f = fopen(file.c_str(), "w");
  std::string text =
      "name: f\ntarget: wss://localhost:" + std::to_string(server_->port()) +
      "\nload: {vus: 2, iterations: 1, ramp-up: 0s}\nsteps:\n  - connect: {url: /fragments, "
      "tls: {ca: ca.pem}}\n"
      "  - expect: {match: {text: fragmented message}, within: 2s, name: whole}\n"
      "  - close\n";
  fputs(text.c_str(), f);
  fclose(f);
  std::string json = *dir_ + "/fragments.json";
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  metrics::Result r;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &r, &error)) << error;
  EXPECT_EQ(r.shard.checks().at("whole").passes, 2u);
  EXPECT_EQ(CounterTotal(r, metrics::MetricId::kWsMsgsReceived), 2) << "one message, not three";
}

TEST_F(TlsEndToEnd, ClientCertificateIsPresented) {
  ServerProcess strict({"/usr/bin/python3", SourcePath("tests/e2e/tls/tls_echo_server.py"),
                        "--cert", *dir_ + "/server.pem", "--key", *dir_ + "/server.key",
                        "--client-ca", *dir_ + "/ca.pem"});
  ASSERT_GT(strict.port(), 0);
  auto run = [&](const std::string& tls, const std::string& name) {
    std::string file = *dir_ + "/" + name + ".yaml";
    FILE* f = fopen(file.c_str(), "w");
    std::string text =
        "name: c\ntarget: wss://localhost:" + std::to_string(strict.port()) +
        "\nload: {vus: 1, iterations: 1}\nsteps:\n  - connect: {url: /, tls: " + tls +
        "}\n  - send: hi\n  - expect: {within: 2s, name: echo}\n  - close\n";
    fputs(text.c_str(), f);
    fclose(f);
    std::string json = *dir_ + "/" + name + ".json";
    RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + json}, 30s);
    metrics::Result r;
    std::string error;
    EXPECT_TRUE(metrics::ReadResultFile(json, &r, &error)) << error;
    return r;
  };
  metrics::Result with = run("{ca: ca.pem, cert: client.pem, key: client.key}", "with-cert");
  EXPECT_TRUE(with.shard.errors().empty());
  EXPECT_EQ(with.shard.checks().at("echo").passes, 1u);
  metrics::Result without = run("{ca: ca.pem}", "without-cert");
  EXPECT_EQ(without.shard.checks().at("echo").passes, 0u);
  EXPECT_FALSE(without.shard.errors().empty());
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

TEST(AbortOnFail, AFailingThresholdStopsTheRunEarlyWithNinetyNine) {
  std::string file = WriteTempFile("abort.yaml", R"(name: abort
target: builtin:echo
load: {vus: 2, duration: 1m}
steps:
  - connect: /
  - send: ping
  - expect: {match: {text: pong}, within: 200ms, name: pong}
  - close
thresholds:
  checks:
    - {threshold: "rate > 0.9", abort-on-fail: true, delay-abort-eval: 1s}
)");
  std::string junit = TempDir() + "/abort.xml";
  auto started = std::chrono::steady_clock::now();
  ProcessResult p =
      RunProcess({WsyamlBinary(), "run", file, "-q", "--junit", junit}, std::chrono::seconds(60));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  EXPECT_EQ(p.exit_code, 99) << p.err;
  EXPECT_NE(p.err.find("abort-on-fail"), std::string::npos) << p.err;
  std::string xml, error;
  ASSERT_TRUE(metrics::ReadFile(junit, &xml, &error)) << error;
  EXPECT_NE(xml.find("<failure"), std::string::npos);
}

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
