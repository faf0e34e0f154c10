// uname, sysinfo, getrandom, umask, personality.
#include <sched.h>
#include <linux/random.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <set>
#include <string>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

constexpr int kNoRand = int(PER_LINUX) | int(ADDR_NO_RANDOMIZE);

TEST(Misc, UnameFields) {
  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_STREQ(u.machine, "x86_64");
  EXPECT_GT(strlen(u.release), 0u);
  EXPECT_GT(strlen(u.nodename), 0u);
  int maj = atoi(u.release);
  EXPECT_GE(maj, 3);
}

TEST(Misc, UnameBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_uname, (void*)8), EFAULT);
}

TEST(Misc, SethostnameVisibleInUname) {
  // Changes the host name only inside a private UTS namespace.
  int st = RunInChild([] {
    const char* name = "syscalls-test";
    if (unshare(CLONE_NEWUTS) != 0) return 2;
    CHILD_CHECK(sethostname(name, strlen(name)) == 0);
    struct utsname u;
    uname(&u);
    CHILD_CHECK(strcmp(u.nodename, name) == 0);
    return 0;
  });
  if (WIFEXITED(st) && WEXITSTATUS(st) == 2) GTEST_SKIP() << "unshare(CLONE_NEWUTS) unavailable";
  EXPECT_TRUE(ExitedOk(st));
  // Our own namespace is untouched.
  struct utsname u;
  uname(&u);
  EXPECT_STRNE(u.nodename, "syscalls-test");
}

TEST(Misc, SethostnameTooLongEinval) {
  std::string name(65, 'h');
  EXPECT_ERRNO(sethostname(name.c_str(), name.size()), EINVAL);
}

TEST(Misc, SysinfoSane) {
  struct sysinfo si;
  ASSERT_EQ(sysinfo(&si), 0);
  EXPECT_GT(si.uptime, 0);
  EXPECT_GT(si.totalram, 0u);
  EXPECT_LE(si.freeram, si.totalram);
  EXPECT_GT(si.procs, 0);
  EXPECT_GE(si.mem_unit, 1u);
}

TEST(Misc, SysinfoUptimeMatchesBoottime) {
  struct sysinfo si;
  ASSERT_EQ(sysinfo(&si), 0);
  struct timespec b;
  clock_gettime(CLOCK_BOOTTIME, &b);
  EXPECT_NEAR((double)si.uptime, (double)b.tv_sec, 2.0);
}

TEST(Misc, SysinfoBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_sysinfo, (void*)8), EFAULT);
}

TEST(Misc, GetrandomFillsBuffer) {
  unsigned char a[64] = {}, b[64] = {};
  ASSERT_EQ(getrandom(a, sizeof a, 0), (ssize_t)sizeof a);
  ASSERT_EQ(getrandom(b, sizeof b, 0), (ssize_t)sizeof b);
  EXPECT_NE(memcmp(a, b, sizeof a), 0);
  int zeros = 0;
  for (unsigned char c : a) zeros += c == 0;
  EXPECT_LT(zeros, 16);
}

TEST(Misc, GetrandomNonblockAndInsecure) {
  unsigned char a[16];
  EXPECT_EQ(getrandom(a, sizeof a, GRND_NONBLOCK), (ssize_t)sizeof a);
  EXPECT_EQ(getrandom(a, sizeof a, GRND_RANDOM | GRND_NONBLOCK) > 0, true);
  EXPECT_EQ(getrandom(a, sizeof a, GRND_INSECURE), (ssize_t)sizeof a);
}

TEST(Misc, GetrandomInvalidFlagsEinval) {
  unsigned char a[16];
  EXPECT_ERRNO(getrandom(a, sizeof a, 0x40), EINVAL);
  EXPECT_ERRNO(getrandom(a, sizeof a, GRND_INSECURE | GRND_RANDOM), EINVAL);
}

TEST(Misc, GetrandomBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_getrandom, (void*)8, 16, 0), EFAULT);
}

TEST(Misc, GetrandomZeroLength) {
  EXPECT_EQ(getrandom(nullptr, 0, 0), 0);
}

TEST(Misc, GetrandomLargeRequest) {
  std::string buf(1 << 20, '\0');
  ssize_t n = getrandom(buf.data(), buf.size(), 0);
  EXPECT_GT(n, 0);
  EXPECT_LE(n, (ssize_t)buf.size());
  // Bytes are distributed: many distinct values among the first 4 KiB.
  std::set<unsigned char> seen(buf.begin(), buf.begin() + 4096);
  EXPECT_GT(seen.size(), 200u);
}

TEST(Misc, UmaskReturnsPrevious) {
  mode_t old = umask(022);
  EXPECT_EQ(umask(077), 022u);
  EXPECT_EQ(umask(old), 077u);
}

TEST(Misc, UmaskMasksTo0777) {
  mode_t old = umask(07777);
  EXPECT_EQ(umask(old), 0777u);
}

TEST(Misc, UmaskInheritedByChild) {
  mode_t old = umask(0027);
  int st = RunInChild([] { return umask(0) == 0027 ? 0 : 1; });
  umask(old);
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Misc, PersonalityQueryAndSet) {
  int st = RunInChild([] {
    int cur = personality(0xffffffff);
    CHILD_CHECK(cur >= 0);
    CHILD_CHECK((cur & PER_MASK) == PER_LINUX);
    CHILD_CHECK(personality(kNoRand) == cur);
    CHILD_CHECK(personality(0xffffffff) == (kNoRand));
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Misc, PersonalityInheritedByFork) {
  int st = RunInChild([] {
    personality(kNoRand);
    int s2 = RunInChild([] {
      return personality(0xffffffff) == (kNoRand) ? 0 : 1;
    });
    return ExitedOk(s2) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
}

}  // namespace
