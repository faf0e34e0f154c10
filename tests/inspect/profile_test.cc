// --profile-syscalls end to end: the counts equal the syscalls a program
// makes, and the file renders (issue #9's profile tests).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "sentry/profile/show.h"

namespace {

TEST(ProfileTest, CountsEqualTheProgramsCalls) {
  const std::string path = ::testing::TempDir() + "/getpids.pb";
  const std::string cmd = std::string(SENTRY_BIN) + " --profile-syscalls " + path + " -- " +
                          GETPIDS_BIN + " 1234";
  int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << cmd;
  auto p = sentry::profile::ReadProfile(path);
  ASSERT_TRUE(p.ok()) << p.status();
  bool saw_getpid = false, saw_close = false;
  for (const auto& s : p->syscalls()) {
    if (s.name() == "getpid") {
      saw_getpid = true;
      EXPECT_EQ(s.count(), 1234u);
      EXPECT_EQ(s.errors(), 0u);
      EXPECT_GT(s.total_ns(), 0u);
      EXPECT_LE(s.p50_ns(), s.max_ns());
    }
    if (s.name() == "close") {
      saw_close = true;
      EXPECT_EQ(s.count(), 1u);
      EXPECT_EQ(s.errors(), 1u);  // EBADF
    }
  }
  EXPECT_TRUE(saw_getpid);
  EXPECT_TRUE(saw_close);
  EXPECT_NE(sentry::profile::FormatTable(*p).find("\ngetpid "), std::string::npos);
  std::remove(path.c_str());
}

TEST(ProfileTest, UnwritablePathIsReportedNotFatal) {
  const std::string cmd = std::string(SENTRY_BIN) +
                          " --profile-syscalls /nonexistent-dir/p.pb -- " + GETPIDS_BIN +
                          " 1 2>/dev/null";
  int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);  // the app's status is kept
}

}  // namespace
