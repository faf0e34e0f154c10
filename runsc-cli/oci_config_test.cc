// OCI config parsing and validation, boot spec making, signal parsing,
// and that `runsc spec`'s default config passes our own validation.
#include "runsc-cli/oci_config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "runsc-cli/boot_spec.h"
#include "runsc-cli/container.h"
#include "runsc-cli/default_spec.h"
#include "sentry/boot/spec.h"

namespace runsc {
namespace {

using nlohmann::json;

class OciConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oci_config_test.XXXXXX";
    bundle_ = mkdtemp(tmpl);
    mkdir((bundle_ + "/rootfs").c_str(), 0755);
  }
  void TearDown() override { ASSERT_EQ(system(("rm -rf " + bundle_).c_str()), 0); }

  static json Minimal() {
    return {{"ociVersion", "1.0.2"},
            {"process", {{"args", {"/bin/true"}}, {"cwd", "/"}}},
            {"root", {{"path", "rootfs"}}}};
  }
  absl::StatusOr<OciConfig> Parse(const json& j) { return ParseOciConfig(j.dump(), bundle_); }
  std::string Error(const json& j) {
    auto c = Parse(j);
    return c.ok() ? "ok" : std::string(c.status().message());
  }

  std::string bundle_;
};

TEST_F(OciConfigTest, MinimalConfig) {
  auto c = Parse(Minimal());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->process.args, std::vector<std::string>{"/bin/true"});
  EXPECT_EQ(c->root_path, bundle_ + "/rootfs");
  EXPECT_FALSE(c->root_readonly);
}

TEST_F(OciConfigTest, FullProcess) {
  json j = Minimal();
  j["process"]["env"] = {"A=1", "PATH=/bin"};
  j["process"]["cwd"] = "/tmp";
  j["process"]["user"] = {{"uid", 1000}, {"gid", 100}, {"additionalGids", {5, 6}}, {"umask", 18}};
  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  j["process"]["noNewPrivileges"] = true;
  j["process"]["capabilities"] = {{"bounding", {"CAP_KILL"}}};
  j["hostname"] = "box";
  j["root"]["readonly"] = true;
  j["annotations"] = {{"a.b", "c"}};
  auto c = Parse(j);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->process.uid, 1000u);
  EXPECT_EQ(c->process.gid, 100u);
  EXPECT_EQ(c->process.additional_gids, (std::vector<uint32_t>{5, 6}));
  ASSERT_EQ(c->process.rlimits.size(), 1u);
  EXPECT_EQ(c->process.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_TRUE(c->process.no_new_privileges);
  EXPECT_EQ(c->annotations.at("a.b"), "c");
  EXPECT_EQ(c->ignored, std::vector<std::string>{"process.capabilities"});

  // The boot spec the Sentry gets is one it accepts, with the same values.
  json boot = MakeBootSpec(*c, {});
  auto spec = sentry::boot::ParseBootSpec(boot.dump());
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->args, c->process.args);
  EXPECT_EQ(spec->env, c->process.env);
  EXPECT_EQ(spec->cwd, "/tmp");
  EXPECT_EQ(spec->uid, 1000u);
  EXPECT_EQ(spec->groups, (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(spec->hostname, "box");
  ASSERT_EQ(spec->rlimits.size(), 1u);
  EXPECT_EQ(spec->rlimits[0].second.rlim_max, 200u);
  EXPECT_FALSE(boot.contains("root"));
  json with_root = MakeBootSpec(*c, {.with_rootfs = true, .overlay = "none", .gofer_fd = 5});
  EXPECT_EQ(with_root["root"]["path"], bundle_ + "/rootfs");
  EXPECT_EQ(with_root["root"]["readonly"], true);
  EXPECT_EQ(with_root["overlay"], "none");
  EXPECT_EQ(with_root["gofer_fd"], 5);
}

TEST_F(OciConfigTest, ErrorsNameTheField) {
  json j = Minimal();
  j["process"]["args"] = json::array();
  EXPECT_EQ(Error(j), "process.args: must not be empty");
  j = Minimal();
  j["process"]["cwd"] = "rel";
  EXPECT_EQ(Error(j), "process.cwd: must be an absolute path");
  j = Minimal();
  j["process"].erase("cwd");
  EXPECT_EQ(Error(j), "process.cwd: must be an absolute path");
  j = Minimal();
  j.erase("process");
  EXPECT_EQ(Error(j), "process: must not be empty");
  j = Minimal();
  j["procesz"] = 1;
  EXPECT_EQ(Error(j), "procesz: unknown field");
  j = Minimal();
  j["process"]["user"] = {{"uid", 0}, {"gidd", 0}};
  EXPECT_EQ(Error(j), "process.user.gidd: unknown field");
  j = Minimal();
  j["process"]["user"] = {{"uid", -1}};
  EXPECT_EQ(Error(j), "process.user.uid: must be an integer in [0, 4294967294]");
  j = Minimal();
  j["process"]["terminal"] = true;
  EXPECT_EQ(Error(j), "process.terminal: terminals are not supported yet (run without a tty)");
  j = Minimal();
  j["process"]["env"] = {"NOEQUALS"};
  EXPECT_EQ(Error(j), "process.env[0]: must be KEY=VALUE");
  j = Minimal();
  j["process"]["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}};
  EXPECT_EQ(Error(j), "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\"");
  j = Minimal();
  j["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 2}, {"hard", 1}}};
  EXPECT_EQ(Error(j), "process.rlimits[0]: soft must not exceed hard");
  j = Minimal();
  j["process"]["user"] = {{"umask", 63}};
  EXPECT_EQ(Error(j), "process.user.umask: only 0022 (18) is supported yet");
  j = Minimal();
  j["ociVersion"] = "2.0.0";
  EXPECT_EQ(Error(j), "ociVersion: unsupported version \"2.0.0\"");
  j = Minimal();
  j.erase("ociVersion");
  EXPECT_EQ(Error(j), "ociVersion: is required");
  j = Minimal();
  j["root"]["path"] = "nope";
  EXPECT_EQ(Error(j), "root.path: " + bundle_ + "/nope: no such file or directory");
  j = Minimal();
  j["hostname"] = 5;
  EXPECT_EQ(Error(j), "hostname: must be a string");
  j = Minimal();
  j["hostname"] = std::string(65, 'h');
  EXPECT_EQ(Error(j), "hostname: must be at most 64 bytes");
  j = Minimal();
  j["windows"] = json::object();
  EXPECT_EQ(Error(j), "windows: runsc runs Linux containers only");
  j = Minimal();
  j["annotations"] = {{"k", 1}};
  EXPECT_EQ(Error(j), "annotations.k: must be a string");
  EXPECT_EQ(std::string(ParseOciConfig("{", bundle_).status().message()).rfind(
                "config.json: invalid JSON: ", 0),
            0u);
  EXPECT_EQ(std::string(ParseOciConfig("[]", bundle_).status().message()),
            "config.json: must be a JSON object");
}

TEST_F(OciConfigTest, Mounts) {
  json j = Minimal();
  j["mounts"] = {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
                 {{"destination", "/data"}, {"type", "none"}, {"source", bundle_},
                  {"options", {"rbind", "ro"}}}};
  auto c = Parse(j);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->mounts.size(), 2u);
  EXPECT_TRUE(c->mounts[1].bind());
  EXPECT_TRUE(c->mounts[1].read_only());
  j["mounts"][1]["source"] = bundle_ + "/missing";
  EXPECT_EQ(Error(j), "mounts[1].source: " + bundle_ + "/missing: no such file or directory");
  j["mounts"] = {{{"destination", "/x"}, {"type", "nfs"}}};
  EXPECT_EQ(Error(j), "mounts[0].type: mount type \"nfs\" is not supported");
  j["mounts"] = {{{"destination", "x"}, {"type", "tmpfs"}}};
  EXPECT_EQ(Error(j), "mounts[0].destination: must be an absolute path");
}

TEST_F(OciConfigTest, HooksAndLinux) {
  json j = Minimal();
  j["hooks"] = {{"prestart", {{{"path", "/bin/true"}, {"args", {"true", "x"}}, {"timeout", 5}}}},
                {"poststop", {{{"path", "/bin/false"}}}}};
  j["linux"] = {{"namespaces", {{{"type", "pid"}}, {{"type", "network"}}}},
                {"resources", json::object()},
                {"maskedPaths", {"/proc/kcore"}}};
  auto c = Parse(j);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->hooks.prestart.size(), 1u);
  EXPECT_EQ(c->hooks.prestart[0].args, (std::vector<std::string>{"true", "x"}));
  EXPECT_EQ(c->hooks.prestart[0].timeout_seconds, 5);
  EXPECT_EQ(c->hooks.poststop[0].path, "/bin/false");
  // Round trip through the state dir's form.
  auto back = HooksFromJson(HooksToJson(c->hooks));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->prestart[0].timeout_seconds, 5);

  j["hooks"] = {{"prestart", {{{"path", "rel/hook"}}}}};
  EXPECT_EQ(Error(j), "hooks.prestart[0].path: must be absolute");
  j["hooks"] = {{"prestart", {{{"path", "/x"}, {"timeout", 0}}}}};
  EXPECT_EQ(Error(j), "hooks.prestart[0].timeout: must be a positive number of seconds");
  j["hooks"] = {{"prestop", json::array()}};
  EXPECT_EQ(Error(j), "hooks.prestop: unknown field");
  j.erase("hooks");
  j["linux"] = {{"namespaces", {{{"type", "network"}, {"path", "/run/netns/x"}}}}};
  EXPECT_EQ(Error(j), "linux.namespaces[0].path: joining an existing namespace is not supported");
  j["linux"] = {{"namespaces", {{{"type", "bogus"}}}}};
  EXPECT_EQ(Error(j), "linux.namespaces[0].type: unknown namespace \"bogus\"");
  j["linux"] = {{"frobnicate", true}};
  EXPECT_EQ(Error(j), "linux.frobnicate: unknown field");
}

TEST_F(OciConfigTest, LoadBundleErrorsAsRunc) {
  EXPECT_EQ(std::string(LoadBundleConfig(bundle_ + "/nope").status().message()),
            "chdir " + bundle_ + "/nope: no such file or directory");
  EXPECT_EQ(std::string(LoadBundleConfig(bundle_).status().message()),
            "JSON specification file config.json not found");
}

TEST_F(OciConfigTest, DefaultSpecValidates) {
  auto c = ParseOciConfig(DefaultSpec().dump(), bundle_);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->process.args, std::vector<std::string>{"sh"});
  EXPECT_TRUE(c->root_readonly);
}

TEST(ParseSignalTest, NamesAndNumbers) {
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(*ParseSignal("KILL"), 9);
  EXPECT_EQ(*ParseSignal("SIGTERM"), 15);
  EXPECT_EQ(*ParseSignal("sigusr1"), 10);
  EXPECT_EQ(std::string(ParseSignal("FOO").status().message()), "unknown signal \"FOO\"");
  EXPECT_FALSE(ParseSignal("65").ok());
}

}  // namespace
}  // namespace runsc
