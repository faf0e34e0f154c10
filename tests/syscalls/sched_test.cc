// Scheduling: sched_yield, affinity, policies and params, priority ranges,
// rr interval, get/setpriority, getcpu.
#include <sched.h>
#include <sys/resource.h>

#include <thread>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

TEST(Sched, YieldSucceeds) { EXPECT_EQ(sched_yield(), 0); }

TEST(Sched, GetaffinityHasCurrentCpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_GT(CPU_COUNT(&set), 0);
  unsigned cpu;
  ASSERT_EQ(syscall(SYS_getcpu, &cpu, nullptr, nullptr), 0);
  EXPECT_TRUE(CPU_ISSET(cpu, &set));
}

TEST(Sched, GetaffinityRawReturnsSize) {
  unsigned long mask[16] = {};
  long r = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
  EXPECT_GT(r, 0);
  EXPECT_EQ(r % sizeof(long), 0);
}

TEST(Sched, GetaffinityTooSmallEinval) {
  unsigned char b;
  EXPECT_ERRNO(syscall(SYS_sched_getaffinity, 0, 1, &b), EINVAL);
}

TEST(Sched, SetaffinitySingleCpu) {
  int st = RunInChild([] {
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    int first = -1;
    for (int i = 0; i < CPU_SETSIZE; i++)
      if (CPU_ISSET(i, &set)) {
        first = i;
        break;
      }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    CHILD_CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
    cpu_set_t got;
    CHILD_CHECK(sched_getaffinity(0, sizeof got, &got) == 0);
    CHILD_CHECK(CPU_COUNT(&got) == 1 && CPU_ISSET(first, &got));
    sched_yield();
    unsigned cpu;
    syscall(SYS_getcpu, &cpu, nullptr, nullptr);
    CHILD_CHECK((int)cpu == first);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Sched, SetaffinityEmptyEinval) {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_ERRNO(sched_setaffinity(0, sizeof set, &set), EINVAL);
}

TEST(Sched, AffinityInheritedByThread) {
  int st = RunInChild([] {
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    int first = 0;
    while (!CPU_ISSET(first, &set)) first++;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    CHILD_CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
    int count = 0;
    std::thread([&] {
      cpu_set_t t;
      sched_getaffinity(0, sizeof t, &t);
      count = CPU_COUNT(&t);
    }).join();
    CHILD_CHECK(count == 1);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Sched, AffinityNoSuchPidEsrch) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  cpu_set_t set;
  EXPECT_ERRNO(sched_getaffinity(pid, sizeof set, &set), ESRCH);
}

TEST(Sched, DefaultPolicyIsOther) {
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  struct sched_param p;
  ASSERT_EQ(sched_getparam(0, &p), 0);
  EXPECT_EQ(p.sched_priority, 0);
}

TEST(Sched, PriorityRanges) {
  EXPECT_EQ(sched_get_priority_min(SCHED_OTHER), 0);
  EXPECT_EQ(sched_get_priority_max(SCHED_OTHER), 0);
  EXPECT_EQ(sched_get_priority_min(SCHED_FIFO), 1);
  EXPECT_EQ(sched_get_priority_max(SCHED_FIFO), 99);
  EXPECT_EQ(sched_get_priority_min(SCHED_RR), 1);
  EXPECT_EQ(sched_get_priority_max(SCHED_RR), 99);
  EXPECT_EQ(sched_get_priority_max(SCHED_BATCH), 0);
  EXPECT_EQ(sched_get_priority_max(SCHED_IDLE), 0);
}

TEST(Sched, PriorityRangeInvalidPolicyEinval) {
  EXPECT_ERRNO(sched_get_priority_max(1234), EINVAL);
  EXPECT_ERRNO(sched_get_priority_min(-1), EINVAL);
}

TEST(Sched, SetschedulerBatchAndBack) {
  int st = RunInChild([] {
    struct sched_param p = {0};
    CHILD_CHECK(sched_setscheduler(0, SCHED_BATCH, &p) == 0);
    CHILD_CHECK(sched_getscheduler(0) == SCHED_BATCH);
    CHILD_CHECK(sched_setscheduler(0, SCHED_OTHER, &p) == 0);
    CHILD_CHECK(sched_getscheduler(0) == SCHED_OTHER);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Sched, SetschedulerInvalidPriorityEinval) {
  struct sched_param p = {5};
  EXPECT_ERRNO(sched_setscheduler(0, SCHED_OTHER, &p), EINVAL);
  p.sched_priority = 0;
  EXPECT_ERRNO(sched_setscheduler(0, 77, &p), EINVAL);
}

TEST(Sched, SetparamInvalidForOtherEinval) {
  struct sched_param p = {10};
  EXPECT_ERRNO(sched_setparam(0, &p), EINVAL);
}

TEST(Sched, GetschedulerNoSuchPidEsrch) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_ERRNO(sched_getscheduler(pid), ESRCH);
  EXPECT_ERRNO(sched_getscheduler(-1), EINVAL);
}

TEST(Sched, RrGetInterval) {
  struct timespec ts = {-1, -1};
  ASSERT_EQ(sched_rr_get_interval(0, &ts), 0);
  EXPECT_GE(ts.tv_sec, 0);
  EXPECT_GE(ts.tv_nsec, 0);
  EXPECT_LT(ts.tv_nsec, 1000000000);
}

TEST(Sched, GetpriorityDefaultZero) {
  errno = 0;
  int p = getpriority(PRIO_PROCESS, 0);
  EXPECT_EQ(errno, 0);
  EXPECT_GE(p, -20);
  EXPECT_LE(p, 19);
}

TEST(Sched, SetpriorityNiceRoundTrip) {
  int st = RunInChild([] {
    CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 10) == 0);
    errno = 0;
    CHILD_CHECK(getpriority(PRIO_PROCESS, 0) == 10 && errno == 0);
    CHILD_CHECK(nice(2) == 12);
    // Values beyond 19 are clamped.
    CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 100) == 0);
    CHILD_CHECK(getpriority(PRIO_PROCESS, 0) == 19);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Sched, NiceInheritedByChild) {
  int st = RunInChild([] {
    CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 7) == 0);
    int s2 = RunInChild([] { return getpriority(PRIO_PROCESS, 0) == 7 ? 0 : 1; });
    return ExitedOk(s2) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Sched, UnprivilegedCannotLowerNice) {
  int st = RunInChild([] {
    CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 5) == 0);
    if (geteuid() == 0) CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
    errno = 0;
    CHILD_CHECK(setpriority(PRIO_PROCESS, 0, 0) == -1 && errno == EACCES);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Sched, GetpriorityInvalidWhichEinval) {
  EXPECT_ERRNO(getpriority((__priority_which)7, 0), EINVAL);
}

TEST(Sched, GetpriorityNoSuchProcessEsrch) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_ERRNO(getpriority(PRIO_PROCESS, pid), ESRCH);
}

TEST(Sched, GetcpuNodeAndCpu) {
  unsigned cpu = 12345, node = 12345;
  ASSERT_EQ(syscall(SYS_getcpu, &cpu, &node, nullptr), 0);
  EXPECT_LT(cpu, (unsigned)CPU_SETSIZE);
  EXPECT_LT(node, 1024u);
}

}  // namespace
