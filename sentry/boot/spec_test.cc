#include "sentry/boot/spec.h"

#include "gtest/gtest.h"

namespace sentry::boot {
namespace {

TEST(BootSpec, FullSpec) {
  auto s = ParseBootSpec(R"({
    "args": ["/bin/prog", "-x"], "env": ["A=1"], "cwd": "/tmp",
    "user": {"uid": 1000, "gid": 100, "additionalGids": [5, 6]},
    "hostname": "box",
    "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128}],
    "fds": [{"app": 3, "host": 9}]})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->args, (std::vector<std::string>{"/bin/prog", "-x"}));
  EXPECT_EQ(s->env, (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(s->cwd, "/tmp");
  EXPECT_EQ(s->uid, 1000u);
  EXPECT_EQ(s->gid, 100u);
  EXPECT_EQ(s->groups, (std::vector<uint32_t>{5, 6}));
  EXPECT_EQ(s->hostname, "box");
  ASSERT_EQ(s->rlimits.size(), 1u);
  EXPECT_EQ(s->rlimits[0].first, RLIMIT_NOFILE);
  EXPECT_EQ(s->rlimits[0].second.rlim_cur, 64u);
  EXPECT_EQ(s->rlimits[0].second.rlim_max, 128u);
  ASSERT_EQ(s->fds.size(), 1u);
  EXPECT_EQ(s->fds[0], std::make_pair(3, 9));
}

TEST(BootSpec, MinimalHasDefaults) {
  auto s = ParseBootSpec(R"({"args": ["/init"]})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cwd, "/");
  EXPECT_EQ(s->uid, 0u);
  EXPECT_EQ(s->hostname, "sandbox");
}

TEST(BootSpec, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {"not json", "JSON"},
      {"[]", "object"},
      {R"({})", "args"},
      {R"({"args": []})", "args"},
      {R"({"args": [""]})", "args"},
      {R"({"args": [1]})", "args"},
      {R"({"args": ["/a"], "bogus": 1})", "bogus"},
      {R"({"args": ["/a"], "cwd": "rel"})", "cwd"},
      {R"({"args": ["/a"], "user": {"uid": -1}})", "user.uid"},
      {R"({"args": ["/a"], "user": {"uid": 4294967295}})", "user.uid"},
      {R"({"args": ["/a"], "user": {"name": "x"}})", "user.name"},
      {R"({"args": ["/a"], "rlimits": [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]})",
       "RLIMIT_BOGUS"},
      {R"({"args": ["/a"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 2, "hard": 1}]})",
       "soft exceeds hard"},
      {R"({"args": ["/a"], "fds": [{"app": 3, "host": 4}, {"app": 3, "host": 5}]})", "duplicate"},
      {R"({"args": ["/a"], "hostname": 7})", "hostname"},
      {R"({"args": ["/a"], "root": "/r"})", "root"},
      {R"({"args": ["/a"], "root": {"path": "rel"}})", "root.path"},
      {R"({"args": ["/a"], "root": {"path": "/r", "readonly": 1}})", "root.readonly"},
      {R"({"args": ["/a"], "root": {"path": "/r", "ro": true}})", "root.ro"},
      {R"({"args": ["/a"], "overlay": "disk"})", "overlay"},
      {R"({"args": ["/a"], "gofer_fd": -3})", "gofer_fd"},
  };
  for (const Case& c : cases) {
    auto s = ParseBootSpec(c.json);
    ASSERT_FALSE(s.ok()) << c.json;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(s.status().message()).find(c.field), std::string::npos)
        << c.json << " -> " << s.status();
  }
}

TEST(BootSpec, RootFileSystem) {
  auto s = ParseBootSpec(R"({"args": ["/init"]})");
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->GoferRoot());
  EXPECT_EQ(s->overlay, "memory");
  s = ParseBootSpec(R"({"args": ["/init"], "root": {"path": "/srv/rootfs", "readonly": true},
                        "overlay": "none", "gofer_fd": 7})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->GoferRoot());
  EXPECT_EQ(s->root_path, "/srv/rootfs");
  EXPECT_TRUE(s->root_readonly);
  EXPECT_EQ(s->overlay, "none");
  EXPECT_EQ(s->gofer_fd, 7);
  s = ParseBootSpec(R"({"args": ["/init"], "gofer_fd": 4})");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->GoferRoot());
}

TEST(BootSpec, RlimitNames) {
  EXPECT_EQ(RlimitFromName("RLIMIT_STACK"), RLIMIT_STACK);
  EXPECT_EQ(RlimitFromName("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  EXPECT_EQ(RlimitFromName("NOFILE"), -1);
}

}  // namespace
}  // namespace sentry::boot
