// Shipping: `cmake --install` into a fresh prefix, the .deb from CPack, and the container image
// (Containerfile) built with podman and run from its exported filesystem under chroot, as the
// unprivileged user the image declares (podman run cannot run here: see docs/distributed.md).
// Each runs in the background from the start of the test program (background_run.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "background_run.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

std::string BuildDir() {
  std::string binary = WsyamlBinary();
  return binary.substr(0, binary.rfind('/'));
}

// The chat example, shortened: what README command (1) runs, from a given root.
std::vector<std::string> ChatCommand(const std::string& wsyaml, const std::string& scenarios) {
  return {wsyaml,       "run", scenarios + "/chat.yaml", "-q",
          "--duration", "2s",  "--graceful-stop",        "2s"};
}

void ExpectChatRan(const ProcessResult& p) {
  EXPECT_EQ(p.exit_code, 0) << p.out << p.err;
  EXPECT_NE(p.out.find("built-in chat server saw"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("ws_sessions"), std::string::npos) << p.out;
}

struct InstallRun {
  std::string prefix;
  ProcessResult install, chat;
};

BackgroundRun<InstallRun> install_run("Install.CmakeInstallIntoAFreshPrefixRunsTheChatExample", [] {
  InstallRun run;
  run.prefix = TempDir() + "/prefix";
  run.install =
      RunProcess({"/usr/bin/cmake", "--install", BuildDir(), "--prefix", run.prefix}, 60s);
  if (run.install.exit_code == 0)
    run.chat = RunProcess(
        ChatCommand(run.prefix + "/bin/wsyaml", run.prefix + "/share/wsyaml/scenarios"), 30s);
  return run;
});

TEST(Install, CmakeInstallIntoAFreshPrefixRunsTheChatExample) {
  const InstallRun& run = install_run.Get();
  ASSERT_EQ(run.install.exit_code, 0) << run.install.out << run.install.err;
  EXPECT_EQ(access((run.prefix + "/share/wsyaml/wsyaml.schema.json").c_str(), R_OK), 0);
  EXPECT_EQ(access((run.prefix + "/share/doc/wsyaml/distributed.md").c_str(), R_OK), 0);
  ExpectChatRan(run.chat);
}

struct DebRun {
  std::string skip;
  ProcessResult pack, depends, unpack, chat;
};

BackgroundRun<DebRun> deb_run("Install.TheDebPackageHoldsTheSameTreeAndRuns", [] {
  DebRun run;
  if (access("/usr/bin/cpack", X_OK) != 0 || access("/usr/bin/dpkg-deb", X_OK) != 0) {
    run.skip = "LOUD SKIP: no cpack or dpkg-deb on this machine";
    return run;
  }
  const std::string dir = TempDir();
  run.pack = RunProcess(
      {"/usr/bin/cpack", "-G", "DEB", "-B", dir, "--config", BuildDir() + "/CPackConfig.cmake"},
      120s);
  if (run.pack.exit_code != 0) return run;
  const std::string deb = dir + "/wsyaml_0.1.0_amd64.deb";
  run.depends = RunProcess({"/usr/bin/dpkg-deb", "--field", deb, "Depends"}, 30s);
  run.unpack = RunProcess({"/usr/bin/dpkg-deb", "-x", deb, dir + "/root"}, 30s);
  if (run.unpack.exit_code == 0)
    run.chat = RunProcess(
        ChatCommand(dir + "/root/usr/bin/wsyaml", dir + "/root/usr/share/wsyaml/scenarios"), 30s);
  return run;
});

TEST(Install, TheDebPackageHoldsTheSameTreeAndRuns) {
  const DebRun& run = deb_run.Get();
  if (!run.skip.empty()) GTEST_SKIP() << run.skip;
  ASSERT_EQ(run.pack.exit_code, 0) << run.pack.out << run.pack.err;
  // The runtime libraries' packages, as dpkg-shlibdeps found them.
  EXPECT_NE(run.depends.out.find("libyaml-cpp0.7"), std::string::npos) << run.depends.out;
  EXPECT_NE(run.depends.out.find("libre2-9"), std::string::npos) << run.depends.out;
  ASSERT_EQ(run.unpack.exit_code, 0) << run.unpack.err;
  ExpectChatRan(run.chat);
}

struct ContainerRun {
  std::string skip;
  ProcessResult rootfs, build, inspect, exported, chat;
  bool has_binary = false, has_shell = true;
};

ContainerRun BuildAndRunTheImage() {
  ContainerRun run;
  if (getenv("WSYAML_SANITIZED")) {
    run.skip = "the sanitizers need /proc in the chroot; runs in the normal build";
    return run;
  }
  if (geteuid() != 0 || access("/usr/bin/podman", X_OK) != 0) {
    run.skip =
        "LOUD SKIP: needs root and podman (tools/setup.sh --tests installs it); the "
        "installed tree is still tested by Install.CmakeInstallIntoAFreshPrefix...";
    return run;
  }
  const std::string dir = TempDir();
  run.rootfs = RunProcess({SourcePath("tools/container/rootfs.sh"), dir + "/rootfs"}, 60s,
                          {"BUILD_DIR=" + BuildDir()});
  if (run.rootfs.exit_code != 0) return run;
  const std::string podman =
      "/usr/bin/podman --storage-driver vfs --root " + dir + "/storage --runroot " + dir + "/run ";
  auto sh = [](const std::string& command) { return RunProcess({"/bin/sh", "-c", command}, 120s); };
  run.build = sh(podman + "build --isolation chroot -f " + SourcePath("Containerfile") +
                 " -t wsyaml:test " + dir);
  // A build that fails in the Containerfile's own checks (its RUN steps) is a defect of the
  // image, not of the machine: only a failure before them skips.
  if (run.build.exit_code != 0 && run.build.out.find("RUN [") == std::string::npos) {
    run.skip = "LOUD SKIP: podman could not build the image on this machine:\n" + run.build.err;
    return run;
  }
  if (run.build.exit_code != 0) return run;
  run.inspect = sh(podman + "image inspect wsyaml:test --format '{{.Size}} {{.Config.User}}'");
  const std::string exported = dir + "/exported";
  run.exported =
      sh("set -e; id=$(" + podman + "create wsyaml:test); mkdir -p " + exported + "; " + podman +
         "export $id | tar -x -C " + exported + "; " + podman + "rm $id >/dev/null");
  run.has_binary = access((exported + "/usr/bin/wsyaml").c_str(), X_OK) == 0;
  run.has_shell = access((exported + "/bin/sh").c_str(), F_OK) == 0;
  std::vector<std::string> chat = ChatCommand("/usr/bin/wsyaml", "/usr/share/wsyaml/scenarios");
  chat.insert(chat.begin(), {"/usr/sbin/chroot", "--userspec=65532:65532", exported});
  if (run.has_binary) run.chat = RunProcess(chat, 60s);
  sh("rm -rf " + dir);
  return run;
}

BackgroundRun<ContainerRun> container_run("Install.TheContainerImageRunsTheChatExampleAsItsOwnUser",
                                          BuildAndRunTheImage);

TEST(Install, TheContainerImageRunsTheChatExampleAsItsOwnUser) {
  const ContainerRun& run = container_run.Get();
  if (!run.skip.empty()) GTEST_SKIP() << run.skip;
  ASSERT_EQ(run.rootfs.exit_code, 0) << run.rootfs.out << run.rootfs.err;
  ASSERT_EQ(run.build.exit_code, 0) << run.build.out << run.build.err;
  // The first stage ran the binary inside the image's filesystem: it found its libraries and
  // compiled the chat example there.
  EXPECT_NE(run.build.out.find("\nwsyaml "), std::string::npos) << run.build.out;
  EXPECT_NE(run.build.out.find("plan crocochat from /usr/share/wsyaml/scenarios/chat.yaml"),
            std::string::npos)
      << run.build.out;
  ASSERT_EQ(run.inspect.exit_code, 0) << run.inspect.err;
  EXPECT_LT(std::stoll(run.inspect.out), 100LL * 1000 * 1000) << "the image stays under 100 MB";
  EXPECT_NE(run.inspect.out.find(" 65532:65532"), std::string::npos) << run.inspect.out;
  ASSERT_EQ(run.exported.exit_code, 0) << run.exported.err;
  // The binary and its libraries; no shell, no package manager.
  ASSERT_TRUE(run.has_binary);
  EXPECT_FALSE(run.has_shell);
  ExpectChatRan(run.chat);
}

}  // namespace
}  // namespace wsyaml::testing
