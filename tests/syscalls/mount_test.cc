// memfd_create(2), mount(2) and umount2(2). Natively the mount tests run in
// a child with a private mount namespace (skipped when unshare is refused);
// under the Sentry, where unshare is ENOSYS, they use the sandbox's own
// namespace.
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <string>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

TEST(Memfd, ReadWriteAndSize) {
  int fd = memfd_create("test", 0);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_EQ(write(fd, "hello world", 11), 11);
  struct stat st;
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 11);
  char buf[6] = {};
  ASSERT_EQ(pread(fd, buf, 5, 6), 5);
  EXPECT_STREQ(buf, "world");
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 4096);
  EXPECT_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  close(fd);
}

TEST(Memfd, CloexecFlag) {
  int fd = memfd_create("cx", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  close(fd);
}

TEST(Memfd, ProcLinkShowsDeletedName) {
  int fd = memfd_create("shown", 0);
  ASSERT_GE(fd, 0);
  char buf[256];
  ssize_t n = readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "/memfd:shown (deleted)");
  close(fd);
}

TEST(Memfd, BadArgumentsEinval) {
  EXPECT_ERRNO(memfd_create("x", 0x100), EINVAL);
  std::string long_name(250, 'n');
  EXPECT_ERRNO(memfd_create(long_name.c_str(), 0), EINVAL);
  std::string ok_name(249, 'n');
  int fd = memfd_create(ok_name.c_str(), 0);
  EXPECT_GE(fd, 0);
  close(fd);
  EXPECT_ERRNO(syscall(SYS_memfd_create, (void*)8, 0), EFAULT);
}

TEST(Memfd, Seals) {
  int plain = memfd_create("plain", 0);
  ASSERT_GE(plain, 0);
  EXPECT_EQ(fcntl(plain, F_GET_SEALS), F_SEAL_SEAL);
  EXPECT_ERRNO(fcntl(plain, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
  close(plain);

  int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(fcntl(fd, F_GET_SEALS), 0);
  ASSERT_EQ(write(fd, "abcd", 4), 4);
  ASSERT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK), 0);
  EXPECT_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_GROW | F_SEAL_SHRINK);
  EXPECT_EQ(pwrite(fd, "xy", 2, 1), 2);  // within the size: allowed
  EXPECT_ERRNO(pwrite(fd, "xy", 2, 3), EPERM);
  EXPECT_ERRNO(ftruncate(fd, 100), EPERM);
  EXPECT_ERRNO(ftruncate(fd, 1), EPERM);
  ASSERT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL), 0);
  EXPECT_ERRNO(pwrite(fd, "x", 1, 0), EPERM);
  EXPECT_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
  char buf[4];
  EXPECT_EQ(pread(fd, buf, 4, 0), 4);
  EXPECT_EQ(memcmp(buf, "axyd", 4), 0);
  close(fd);

  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_ERRNO(fcntl(p[0], F_GET_SEALS), EINVAL);
  close(p[0]);
  close(p[1]);
}

// Runs fn in a child that may mount: a private mount namespace natively,
// the sandbox's own one under the Sentry (unshare ENOSYS). Skips if
// neither is possible.
void RunMounting(const std::function<int()>& fn) {
  int st = RunInChild([&] {
    if (unshare(CLONE_NEWNS) == 0) {
      CHILD_CHECK(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
    } else if (errno != ENOSYS) {
      return 2;
    }
    return fn();
  });
  if (WIFEXITED(st) && WEXITSTATUS(st) == 2) GTEST_SKIP() << "no mount namespace available";
  EXPECT_TRUE(ExitedOk(st));
}

// A fresh empty directory to mount on.
std::string MountDir(const char* tag) {
  mkdir("/tmp", 01777);
  std::string d = std::string("/tmp/mount_test_") + tag + "_" + std::to_string(getpid());
  mkdir(d.c_str(), 0755);
  return d;
}

TEST(Mount, TmpfsThenCreateFileAndUmount) {
  RunMounting([] {
    std::string d = MountDir("tmpfs");
    CHILD_CHECK(mount("none", d.c_str(), "tmpfs", 0, "mode=0700") == 0);
    struct stat st;
    CHILD_CHECK(stat(d.c_str(), &st) == 0 && (st.st_mode & 07777) == 0700);
    std::string f = d + "/file";
    int fd = open(f.c_str(), O_CREAT | O_RDWR, 0644);
    CHILD_CHECK(fd >= 0);
    CHILD_CHECK(write(fd, "x", 1) == 1);
    // Busy while a file in it is open.
    CHILD_CHECK(umount2(d.c_str(), 0) < 0 && errno == EBUSY);
    close(fd);
    CHILD_CHECK(umount2(d.c_str(), 0) == 0);
    CHILD_CHECK(access(f.c_str(), F_OK) < 0 && errno == ENOENT);
    rmdir(d.c_str());
    return 0;
  });
}

TEST(Mount, ProcShowsOurPid) {
  RunMounting([] {
    std::string d = MountDir("proc");
    CHILD_CHECK(mount("proc", d.c_str(), "proc", 0, nullptr) == 0);
    char buf[32];
    ssize_t n = readlink((d + "/self").c_str(), buf, sizeof(buf));
    CHILD_CHECK(n > 0 && std::string(buf, n) == std::to_string(getpid()));
    CHILD_CHECK(umount2(d.c_str(), MNT_DETACH) == 0);
    rmdir(d.c_str());
    return 0;
  });
}

TEST(Mount, Errors) {
  RunMounting([] {
    std::string d = MountDir("err");
    CHILD_CHECK(mount("none", d.c_str(), "nosuchfs", 0, nullptr) < 0 && errno == ENODEV);
    CHILD_CHECK(mount("none", "/nonexistent_dir_xyz", "tmpfs", 0, nullptr) < 0 && errno == ENOENT);
    // Not a mount point.
    CHILD_CHECK(umount2(d.c_str(), 0) < 0 && errno == EINVAL);
    CHILD_CHECK(umount2(d.c_str(), 0x80000000) < 0 && errno == EINVAL);
    rmdir(d.c_str());
    return 0;
  });
}

TEST(Mount, UnprivilegedEperm) {
  int st = RunInChild([] {
    CHILD_CHECK(setresuid(65534, 65534, 65534) == 0);
    CHILD_CHECK(mount("none", "/tmp", "tmpfs", 0, nullptr) < 0 && errno == EPERM);
    CHILD_CHECK(umount2("/tmp", 0) < 0 && errno == EPERM);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

}  // namespace
