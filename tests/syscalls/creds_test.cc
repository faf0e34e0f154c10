// Credentials: uid/gid getters and setters, saved ids, fsuid, supplementary
// groups, capget/capset. Changes run in forked children.
#include <grp.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>

#include <thread>
#include <vector>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

bool IsRoot() { return geteuid() == 0; }

int Capget(cap_user_data_t data, pid_t pid = 0) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
  return syscall(SYS_capget, &h, data);
}
int Capset(cap_user_data_t data) {
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  return syscall(SYS_capset, &h, data);
}

#define NEED_ROOT() \
  if (!IsRoot()) GTEST_SKIP() << "needs euid 0 to change credentials"

TEST(Creds, GettersAgreeWithResGetters) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  ASSERT_EQ(getresuid(&r, &e, &s), 0);
  ASSERT_EQ(getresgid(&gr, &ge, &gs), 0);
  EXPECT_EQ(r, getuid());
  EXPECT_EQ(e, geteuid());
  EXPECT_EQ(gr, getgid());
  EXPECT_EQ(ge, getegid());
}

TEST(Creds, GetresuidBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_getresuid, (void*)8, (void*)8, (void*)8), EFAULT);
}

TEST(Creds, SetuidAsRootSetsAllIds) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setuid(1000) == 0);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    CHILD_CHECK(r == 1000 && e == 1000 && s == 1000);
    errno = 0;
    CHILD_CHECK(setuid(0) == -1 && errno == EPERM);  // no way back
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SeteuidKeepsSavedAndAllowsReturn) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(seteuid(1000) == 0);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    CHILD_CHECK(r == 0 && e == 1000 && s == 0);
    CHILD_CHECK(seteuid(0) == 0);  // the saved uid allows it
    CHILD_CHECK(geteuid() == 0);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SetresuidPartialUpdates) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setresuid(-1, 2000, 3000) == 0);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    CHILD_CHECK(r == 0 && e == 2000 && s == 3000);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, UnprivilegedSetresuidOnlyToOwnIds) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setresuid(1000, 1001, 1002) == 0);
    // Any of the three current ids is allowed.
    CHILD_CHECK(setresuid(1002, 1000, 1001) == 0);
    errno = 0;
    CHILD_CHECK(setresuid(-1, 5, -1) == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SetreuidSetsSavedWhenRealChanges) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setreuid(1000, 1001) == 0);
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    CHILD_CHECK(r == 1000 && e == 1001 && s == 1001);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SetgidFamily) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setresgid(10, 20, 30) == 0);
    gid_t r, e, s;
    getresgid(&r, &e, &s);
    CHILD_CHECK(r == 10 && e == 20 && s == 30);
    CHILD_CHECK(setegid(10) == 0 && getegid() == 10);
    CHILD_CHECK(setregid(30, -1) == 0 && getgid() == 30);
    CHILD_CHECK(setgid(40) == 0);  // root: sets all three
    getresgid(&r, &e, &s);
    CHILD_CHECK(r == 40 && e == 40 && s == 40);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, UnprivilegedSetgidEperm) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setgroups(0, nullptr) == 0);
    CHILD_CHECK(setresgid(100, 100, 100) == 0);
    CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
    errno = 0;
    CHILD_CHECK(setgid(0) == -1 && errno == EPERM);
    errno = 0;
    CHILD_CHECK(setgroups(0, nullptr) == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SetuidInvalidIdEinval) {
  EXPECT_ERRNO(setuid((uid_t)-1), EINVAL);
  EXPECT_ERRNO(setgid((gid_t)-1), EINVAL);
}

TEST(Creds, SetgroupsGetgroupsRoundTrip) {
  NEED_ROOT();
  int st = RunInChild([] {
    gid_t want[] = {5, 7, 9};
    CHILD_CHECK(setgroups(3, want) == 0);
    CHILD_CHECK(getgroups(0, nullptr) == 3);
    gid_t got[8];
    CHILD_CHECK(getgroups(8, got) == 3);
    CHILD_CHECK(got[0] == 5 && got[1] == 7 && got[2] == 9);
    errno = 0;
    CHILD_CHECK(getgroups(1, got) == -1 && errno == EINVAL);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SetgroupsTooManyEinval) {
  std::vector<gid_t> g(65537, 1);
  EXPECT_ERRNO(syscall(SYS_setgroups, g.size(), g.data()), EINVAL);
}

TEST(Creds, SetfsuidReturnsPrevious) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setfsuid(1234) == 0);
    CHILD_CHECK(setfsuid(-1) == 1234);  // -1 only queries
    CHILD_CHECK(setfsgid(55) == 0);
    CHILD_CHECK(setfsgid(-1) == 55);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, FsuidFollowsEuid) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(seteuid(321) == 0);
    CHILD_CHECK(setfsuid(-1) == 321);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, CredsAreProcessWideAcrossThreads) {
  NEED_ROOT();
  int st = RunInChild([] {
    std::thread([] { setresuid(0, 777, 0); }).join();
    CHILD_CHECK(geteuid() == 777);  // glibc broadcasts to all threads
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, ChildInheritsCreds) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setresuid(11, 12, 13) == 0);
    int s2 = RunInChild([] {
      uid_t r, e, s;
      getresuid(&r, &e, &s);
      return (r == 11 && e == 12 && s == 13) ? 0 : 1;
    });
    return ExitedOk(s2) ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, CapgetVersionProbe) {
  // With a NULL data pointer an unknown version is a successful probe that
  // writes the preferred version; with data it is EINVAL.
  struct __user_cap_header_struct h = {0, 0};
  EXPECT_EQ(syscall(SYS_capget, &h, nullptr), 0);
  EXPECT_EQ(h.version, (unsigned)_LINUX_CAPABILITY_VERSION_3);
  struct __user_cap_data_struct d[2];
  h.version = 0x12345;
  EXPECT_ERRNO(syscall(SYS_capget, &h, d), EINVAL);
  EXPECT_EQ(h.version, (unsigned)_LINUX_CAPABILITY_VERSION_3);
}

TEST(Creds, CapgetRootHasFullEffective) {
  NEED_ROOT();
  struct __user_cap_data_struct d[2] = {};
  ASSERT_EQ(Capget(d), 0);
  // euid 0 usually holds CAP_SETUID; containers may drop others.
  EXPECT_TRUE(d[0].effective & (1u << CAP_SETUID));
  EXPECT_EQ(d[0].effective & ~d[0].permitted, 0u);
}

TEST(Creds, CapgetOtherProcess) {
  struct __user_cap_data_struct mine[2] = {}, child[2] = {};
  ASSERT_EQ(Capget(mine), 0);
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  close(fds[0]);
  EXPECT_EQ(Capget(child, pid), 0);
  EXPECT_EQ(child[0].effective, mine[0].effective);
  close(fds[1]);
  int st;
  waitpid(pid, &st, 0);
}

TEST(Creds, CapgetNoSuchPidEsrch) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  struct __user_cap_data_struct d[2];
  EXPECT_ERRNO(Capget(d, pid), ESRCH);
}

TEST(Creds, CapsetDropEffectiveThenSetuidFails) {
  NEED_ROOT();
  int st = RunInChild([] {
    struct __user_cap_data_struct d[2] = {};
    CHILD_CHECK(Capget(d) == 0);
    d[0].effective &= ~(1u << CAP_SETUID);
    CHILD_CHECK(Capset(d) == 0);
    errno = 0;
    CHILD_CHECK(setuid(1000) == -1 && errno == EPERM);
    // Permitted still has it: raise it again.
    d[0].effective |= 1u << CAP_SETUID;
    CHILD_CHECK(Capset(d) == 0);
    CHILD_CHECK(setuid(1000) == 0);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, CapsetCannotRaisePermittedEperm) {
  NEED_ROOT();
  int st = RunInChild([] {
    struct __user_cap_data_struct d[2] = {};
    CHILD_CHECK(Capget(d) == 0);
    d[0].permitted &= ~(1u << CAP_KILL);
    d[0].effective &= ~(1u << CAP_KILL);
    CHILD_CHECK(Capset(d) == 0);
    d[0].permitted |= 1u << CAP_KILL;
    errno = 0;
    CHILD_CHECK(Capset(d) == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, CapsetEffectiveNotSubsetEperm) {
  int st = RunInChild([] {
    struct __user_cap_data_struct d[2] = {};
    CHILD_CHECK(Capget(d) == 0);
    d[0].permitted = 0;
    d[1].permitted = 0;
    d[0].effective = 1;  // not in permitted
    errno = 0;
    CHILD_CHECK(Capset(d) == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, SetuidFromRootClearsCaps) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
    struct __user_cap_data_struct d[2] = {};
    CHILD_CHECK(Capget(d) == 0);
    CHILD_CHECK(d[0].effective == 0 && d[0].permitted == 0);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, KeepcapsKeepsPermittedAcrossSetuid) {
  NEED_ROOT();
  int st = RunInChild([] {
    CHILD_CHECK(prctl(PR_SET_KEEPCAPS, 1) == 0);
    struct __user_cap_data_struct before[2] = {};
    Capget(before);
    CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
    struct __user_cap_data_struct d[2] = {};
    CHILD_CHECK(Capget(d) == 0);
    CHILD_CHECK(d[0].effective == 0);
    CHILD_CHECK(d[0].permitted == before[0].permitted);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Creds, KillOtherUserEperm) {
  NEED_ROOT();
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t victim = fork();
  if (victim == 0) {
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  close(fds[0]);
  int st = RunInChild([victim] {
    CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
    errno = 0;
    CHILD_CHECK(kill(victim, SIGKILL) == -1 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
  close(fds[1]);
  int vs;
  ASSERT_EQ(waitpid(victim, &vs, 0), victim);
  EXPECT_TRUE(ExitedOk(vs));
}

}  // namespace
