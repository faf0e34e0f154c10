// Resource limits: getrlimit/setrlimit/prlimit64 and their enforcement
// (RLIMIT_NOFILE, RLIMIT_AS, RLIMIT_CORE, RLIMIT_STACK...).
#include <sys/mman.h>
#include <sys/resource.h>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

TEST(Rlimit, GetrlimitAllResources) {
  for (int r = 0; r < RLIM_NLIMITS; r++) {
    struct rlimit rl;
    ASSERT_EQ(getrlimit((__rlimit_resource)r, &rl), 0) << r;
    EXPECT_LE(rl.rlim_cur, rl.rlim_max) << r;
  }
}

TEST(Rlimit, GetrlimitInvalidResourceEinval) {
  struct rlimit rl;
  EXPECT_ERRNO(syscall(SYS_getrlimit, RLIM_NLIMITS, &rl), EINVAL);
  EXPECT_ERRNO(syscall(SYS_getrlimit, 1000, &rl), EINVAL);
}

TEST(Rlimit, GetrlimitBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_getrlimit, RLIMIT_NOFILE, (void*)8), EFAULT);
}

TEST(Rlimit, SetrlimitLowerSoftRoundTrip) {
  int st = RunInChild([] {
    struct rlimit rl;
    CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    struct rlimit n = {100, rl.rlim_max};
    CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &n) == 0);
    struct rlimit got;
    CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &got) == 0);
    CHILD_CHECK(got.rlim_cur == 100 && got.rlim_max == rl.rlim_max);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, SoftAboveHardEinval) {
  struct rlimit rl = {200, 100};
  EXPECT_ERRNO(setrlimit(RLIMIT_CORE, &rl), EINVAL);
}

TEST(Rlimit, RaiseHardWithoutCapEperm) {
  int st = RunInChild([] {
    struct rlimit rl = {10, 10};
    CHILD_CHECK(setrlimit(RLIMIT_CORE, &rl) == 0);
    // Drop privileges so CAP_SYS_RESOURCE is gone.
    if (geteuid() == 0) CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
    struct rlimit up = {10, 20};
    errno = 0;
    CHILD_CHECK(setrlimit(RLIMIT_CORE, &up) == -1 && errno == EPERM);
    struct rlimit down = {5, 5};
    CHILD_CHECK(setrlimit(RLIMIT_CORE, &down) == 0);  // lowering is fine
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, NofileAboveNrOpenEperm) {
  int st = RunInChild([] {
    struct rlimit rl = {1u << 30, 1u << 30};  // above fs.nr_open (1 Mi)
    errno = 0;
    CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, PrlimitGetAndSetSelf) {
  int st = RunInChild([] {
    struct rlimit n = {12345, 12345}, old;
    CHILD_CHECK(prlimit(0, RLIMIT_CORE, &n, &old) == 0);
    struct rlimit got;
    CHILD_CHECK(prlimit(getpid(), RLIMIT_CORE, nullptr, &got) == 0);
    CHILD_CHECK(got.rlim_cur == 12345 && got.rlim_max == 12345);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, PrlimitOtherProcess) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    struct rlimit rl;
    getrlimit(RLIMIT_CORE, &rl);
    _exit(rl.rlim_cur == 4096 ? 0 : 1);
  }
  close(fds[0]);
  struct rlimit n = {4096, 4096};
  EXPECT_EQ(prlimit(pid, RLIMIT_CORE, &n, nullptr), 0);
  close(fds[1]);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, PrlimitNoSuchPidEsrch) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  struct rlimit rl;
  EXPECT_ERRNO(prlimit(pid, RLIMIT_CORE, nullptr, &rl), ESRCH);
}

TEST(Rlimit, InheritedByChild) {
  int st = RunInChild([] {
    struct rlimit n = {777, 777};
    CHILD_CHECK(setrlimit(RLIMIT_CORE, &n) == 0);
    int s2 = RunInChild([] {
      struct rlimit rl;
      getrlimit(RLIMIT_CORE, &rl);
      return rl.rlim_cur == 777 ? 0 : 1;
    });
    return ExitedOk(s2) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, NofileEnforcedOnDup) {
  int st = RunInChild([] {
    int fds[2];
    CHILD_CHECK(pipe(fds) == 0);
    struct rlimit rl = {(rlim_t)fds[1] + 1, (rlim_t)fds[1] + 1};
    CHILD_CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    // All slots below the limit may not be full; fill them.
    int d;
    while ((d = dup(fds[0])) >= 0) CHILD_CHECK(d <= fds[1]);
    CHILD_CHECK(errno == EMFILE);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, AsLimitsMmap) {
  int st = RunInChild([] {
    struct rlimit rl = {512ul << 20, 512ul << 20};
    CHILD_CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
    void* p = mmap(nullptr, 1ul << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHILD_CHECK(p == MAP_FAILED && errno == ENOMEM);
    p = mmap(nullptr, 1ul << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHILD_CHECK(p != MAP_FAILED);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, DataLimitsBrk) {
  int st = RunInChild([] {
    uintptr_t cur = syscall(SYS_brk, 0);
    struct rlimit rl = {64ul << 20, 64ul << 20};
    CHILD_CHECK(setrlimit(RLIMIT_DATA, &rl) == 0);
    uintptr_t want = cur + (256ul << 20);
    CHILD_CHECK((uintptr_t)syscall(SYS_brk, want) != want);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Rlimit, CpuLimitSendsSigxcpu) {
  int st = RunInChild([] {
    struct rlimit rl = {1, 2};
    CHILD_CHECK(setrlimit(RLIMIT_CPU, &rl) == 0);
    volatile unsigned long x = 0;
    for (;;) {
      x = x + 1;
    }
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGXCPU);
}

TEST(Rlimit, GetrusageSelfAndChildren) {
  struct rusage ru;
  ASSERT_EQ(getrusage(RUSAGE_SELF, &ru), 0);
  EXPECT_GT(ru.ru_maxrss, 0);
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &ru), 0);
  ASSERT_EQ(getrusage(RUSAGE_THREAD, &ru), 0);
  EXPECT_ERRNO(getrusage((__rusage_who)5, &ru), EINVAL);
}

}  // namespace

namespace {

// Touches `depth` bytes of stack below the caller, a page at a time.
__attribute__((noinline)) int TouchStack(size_t depth) {
  volatile char page[4096];
  page[0] = 1;
  if (depth <= sizeof page) return page[0];
  return TouchStack(depth - sizeof page) + page[0];
}

}  // namespace

TEST(Rlimit, StackLimitStopsGrowth) {
  int st = syscalls_test::RunInChild([] {
    // Within the limit: fine.
    struct rlimit r = {1 << 20, 1 << 20};
    CHILD_CHECK(setrlimit(RLIMIT_STACK, &r) == 0);
    TouchStack(256 << 10);
    // Beyond it: the growth fault is SIGSEGV.
    TouchStack(4 << 20);
    return 0;
  });
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGSEGV);
}
