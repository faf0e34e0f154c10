// prctl(2) and arch_prctl(2).
#include <asm/prctl.h>
#include <sys/prctl.h>

#include <string>
#include <thread>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

TEST(Prctl, SetGetName) {
  char old[16] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, old), 0);
  ASSERT_EQ(prctl(PR_SET_NAME, "syscall-test"), 0);
  char got[16] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, got), 0);
  EXPECT_STREQ(got, "syscall-test");
  prctl(PR_SET_NAME, old);
}

TEST(Prctl, NameTruncatedTo15) {
  char old[16] = {};
  prctl(PR_GET_NAME, old);
  ASSERT_EQ(prctl(PR_SET_NAME, "abcdefghijklmnopqrstuvwxyz"), 0);
  char got[32];
  memset(got, 'X', sizeof got);
  ASSERT_EQ(prctl(PR_GET_NAME, got), 0);
  EXPECT_EQ(std::string(got), "abcdefghijklmno");
  prctl(PR_SET_NAME, old);
}

TEST(Prctl, NameIsPerThread) {
  char old[16] = {};
  prctl(PR_GET_NAME, old);
  char theirs[16] = {};
  std::thread([&] {
    prctl(PR_SET_NAME, "worker");
    prctl(PR_GET_NAME, theirs);
  }).join();
  char mine[16] = {};
  prctl(PR_GET_NAME, mine);
  EXPECT_STREQ(theirs, "worker");
  EXPECT_STREQ(mine, old);
}

TEST(Prctl, GetNameBadPointerEfault) {
  EXPECT_ERRNO(prctl(PR_GET_NAME, (void*)8), EFAULT);
}

TEST(Prctl, DumpableRoundTrip) {
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_GET_DUMPABLE) == 1);
    CHILD_CHECK(prctl(PR_SET_DUMPABLE, 0) == 0);
    CHILD_CHECK(prctl(PR_GET_DUMPABLE) == 0);
    errno = 0;
    CHILD_CHECK(prctl(PR_SET_DUMPABLE, 2) == -1 && errno == EINVAL);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, NoNewPrivsIsSticky) {
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
    CHILD_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
    CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
    errno = 0;
    CHILD_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == -1 && errno == EINVAL);
    // Inherited by children.
    int s2 = RunInChild([] { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 1; });
    return ExitedOk(s2) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, PdeathsigRoundTrip) {
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0);
    int sig = 0;
    CHILD_CHECK(prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGUSR1);
    errno = 0;
    CHILD_CHECK(prctl(PR_SET_PDEATHSIG, 99) == -1 && errno == EINVAL);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, PdeathsigDeliveredWhenParentDies) {
  int report[2];
  ASSERT_OK(pipe(report));
  int st = RunInChild([&] {
    int ready[2];
    CHILD_CHECK(pipe(ready) == 0);
    pid_t gc = fork();
    if (gc == 0) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGUSR2);
      sigprocmask(SIG_BLOCK, &set, nullptr);
      prctl(PR_SET_PDEATHSIG, SIGUSR2);
      (void)!write(ready[1], "r", 1);
      siginfo_t si;
      struct timespec ts = {20, 0};
      int sig = sigtimedwait(&set, &si, &ts);
      (void)!write(report[1], &sig, sizeof sig);
      _exit(0);
    }
    char c;
    CHILD_CHECK(read(ready[0], &c, 1) == 1);
    return 0;  // our death must signal the grandchild
  });
  ASSERT_TRUE(ExitedOk(st));
  close(report[1]);
  int sig = 0;
  EXPECT_EQ(read(report[0], &sig, sizeof sig), (ssize_t)sizeof sig);
  EXPECT_EQ(sig, SIGUSR2);
  close(report[0]);
}

TEST(Prctl, ChildSubreaperRoundTrip) {
  int st = RunInChild([] {
    int v = -1;
    CHILD_CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 0);
    CHILD_CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
    CHILD_CHECK(prctl(PR_GET_CHILD_SUBREAPER, &v) == 0 && v == 1);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, KeepcapsRoundTrip) {
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_GET_KEEPCAPS) == 0);
    CHILD_CHECK(prctl(PR_SET_KEEPCAPS, 1) == 0);
    CHILD_CHECK(prctl(PR_GET_KEEPCAPS) == 1);
    errno = 0;
    CHILD_CHECK(prctl(PR_SET_KEEPCAPS, 5) == -1 && errno == EINVAL);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, TimerslackRoundTrip) {
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_GET_TIMERSLACK) > 0);
    CHILD_CHECK(prctl(PR_SET_TIMERSLACK, 12345) == 0);
    CHILD_CHECK(prctl(PR_GET_TIMERSLACK) == 12345);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, CapbsetRead) {
  EXPECT_GE(prctl(PR_CAPBSET_READ, 0 /* CAP_CHOWN */), 0);
  EXPECT_ERRNO(prctl(PR_CAPBSET_READ, 1000), EINVAL);
}

TEST(Prctl, UnknownOptionEinval) {
  EXPECT_ERRNO(prctl(0x7fff1234, 0, 0, 0, 0), EINVAL);
}

TEST(Prctl, ArchGetFsMatchesThreadPointer) {
  unsigned long fs = 0;
  ASSERT_EQ(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), 0);
  unsigned long tp;
  asm volatile("mov %%fs:0, %0" : "=r"(tp));  // TCB self pointer
  EXPECT_EQ(fs, tp);
}

TEST(Prctl, ArchSetGetGs) {
  int st = RunInChild([] {
    static int target = 99;
    CHILD_CHECK(syscall(SYS_arch_prctl, ARCH_SET_GS, &target) == 0);
    unsigned long gs = 0;
    CHILD_CHECK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs) == 0);
    CHILD_CHECK(gs == reinterpret_cast<unsigned long>(&target));
    int v;
    asm volatile("movl %%gs:0, %0" : "=r"(v));
    CHILD_CHECK(v == 99);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Prctl, ArchPrctlInvalidCodeEinval) {
  unsigned long v;
  EXPECT_ERRNO(syscall(SYS_arch_prctl, 0x9999, &v), EINVAL);
}

}  // namespace
