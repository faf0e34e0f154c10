#include "sentry/strace/flags.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <csignal>

#include "gtest/gtest.h"

namespace sentry::strace {
namespace {

using compat::ArgFormat;

std::string F(ArgFormat f, uint64_t v) {
  std::string s;
  EXPECT_TRUE(FormatFlags(f, v, &s));
  return s;
}

TEST(FlagsTest, OpenFlags) {
  EXPECT_EQ(F(ArgFormat::kOpenFlags, O_RDONLY), "O_RDONLY");
  EXPECT_EQ(F(ArgFormat::kOpenFlags, O_RDWR | O_CREAT | O_EXCL), "O_RDWR|O_CREAT|O_EXCL");
  EXPECT_EQ(F(ArgFormat::kOpenFlags, O_WRONLY | 0x10000000), "O_WRONLY|0x10000000");
}

TEST(FlagsTest, MmapWords) {
  EXPECT_EQ(F(ArgFormat::kMmapProt, 0), "PROT_NONE");
  EXPECT_EQ(F(ArgFormat::kMmapProt, PROT_READ | PROT_EXEC), "PROT_READ|PROT_EXEC");
  EXPECT_EQ(F(ArgFormat::kMmapFlags, MAP_SHARED | MAP_FIXED), "MAP_SHARED|MAP_FIXED");
}

TEST(FlagsTest, CloneFlagsWithExitSignal) {
  EXPECT_EQ(F(ArgFormat::kCloneFlags, CLONE_VM | CLONE_VFORK | SIGCHLD),
            "CLONE_VM|CLONE_VFORK|SIGCHLD");
}

TEST(FlagsTest, ModeAndEnums) {
  EXPECT_EQ(F(ArgFormat::kMode, S_IFREG | 0644), "S_IFREG|0644");
  EXPECT_EQ(F(ArgFormat::kMode, 0), "000");
  EXPECT_EQ(F(ArgFormat::kWhence, SEEK_END), "SEEK_END");
  EXPECT_EQ(F(ArgFormat::kWhence, 77), "77");
  EXPECT_EQ(F(ArgFormat::kFutexOp, FUTEX_WAIT | FUTEX_PRIVATE_FLAG), "FUTEX_WAIT_PRIVATE");
  EXPECT_EQ(F(ArgFormat::kSignal, SIGKILL), "SIGKILL");
  EXPECT_EQ(F(ArgFormat::kAccessMode, 0), "F_OK");
}

TEST(FlagsTest, NotAFlagFormat) {
  std::string s;
  EXPECT_FALSE(FormatFlags(ArgFormat::kPath, 0, &s));
  EXPECT_TRUE(s.empty());
}

}  // namespace
}  // namespace sentry::strace
