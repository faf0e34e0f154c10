// devfs: the memory devices' semantics and numbers, /dev/tty without a
// controlling terminal, the fd and stdio links, /dev/shm.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

void ExpectCharDev(const char* path, unsigned major_nr, unsigned minor_nr) {
  struct stat st;
  ASSERT_EQ(stat(path, &st), 0) << path;
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << path;
  EXPECT_EQ(major(st.st_rdev), major_nr) << path;
  EXPECT_EQ(minor(st.st_rdev), minor_nr) << path;
}

TEST(Dev, DeviceNumbers) {
  ExpectCharDev("/dev/null", 1, 3);
  ExpectCharDev("/dev/zero", 1, 5);
  ExpectCharDev("/dev/full", 1, 7);
  ExpectCharDev("/dev/random", 1, 8);
  ExpectCharDev("/dev/urandom", 1, 9);
  ExpectCharDev("/dev/tty", 5, 0);
}

TEST(Dev, NullReadsEofAndSwallowsWrites) {
  int fd = open("/dev/null", O_RDWR);
  ASSERT_GE(fd, 0);
  char buf[16];
  EXPECT_EQ(read(fd, buf, sizeof(buf)), 0);
  EXPECT_EQ(write(fd, "hello", 5), 5);
  EXPECT_EQ(pwrite(fd, "hello", 5, 1000), 5);
  EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
  close(fd);
}

TEST(Dev, ZeroReadsZeros) {
  int fd = open("/dev/zero", O_RDWR);
  ASSERT_GE(fd, 0);
  char buf[100];
  memset(buf, 'x', sizeof(buf));
  EXPECT_EQ(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
  for (char c : buf) EXPECT_EQ(c, 0);
  EXPECT_EQ(write(fd, "abc", 3), 3);
  close(fd);
}

TEST(Dev, FullWritesEnospc) {
  int fd = open("/dev/full", O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_ERRNO(write(fd, "abc", 3), ENOSPC);
  char buf[8];
  memset(buf, 'x', sizeof(buf));
  EXPECT_EQ(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
  EXPECT_EQ(buf[0], 0);
  close(fd);
}

TEST(Dev, UrandomGivesDifferentBytes) {
  int fd = open("/dev/urandom", O_RDONLY);
  ASSERT_GE(fd, 0);
  unsigned char a[32], b[32];
  ASSERT_EQ(read(fd, a, sizeof(a)), (ssize_t)sizeof(a));
  ASSERT_EQ(read(fd, b, sizeof(b)), (ssize_t)sizeof(b));
  EXPECT_NE(memcmp(a, b, sizeof(a)), 0);
  close(fd);
  fd = open("/dev/random", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(read(fd, a, 16), 16);
  close(fd);
}

TEST(Dev, TtyWithoutControllingTerminalEnxio) {
  int st = RunInChild([] {
    CHILD_CHECK(setsid() > 0);  // a new session has no controlling terminal
    int fd = open("/dev/tty", O_RDWR);
    CHILD_CHECK(fd < 0 && errno == ENXIO);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Dev, FdLinksToProcSelfFd) {
  char buf[64];
  ssize_t n = readlink("/dev/fd", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "/proc/self/fd");
  n = readlink("/dev/stderr", buf, sizeof(buf));
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "/proc/self/fd/2");
  // /dev/fd/N opens the same object as fd N.
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  int w = open(("/dev/fd/" + std::to_string(p[1])).c_str(), O_WRONLY);
  ASSERT_GE(w, 0) << strerror(errno);
  ASSERT_EQ(write(w, "z", 1), 1);
  char c;
  ASSERT_EQ(read(p[0], &c, 1), 1);
  EXPECT_EQ(c, 'z');
  close(w);
  close(p[0]);
  close(p[1]);
}

TEST(Dev, ShmIsAWritableTmpfs) {
  std::string path = "/dev/shm/dev_test_" + std::to_string(getpid());
  int fd = open(path.c_str(), O_CREAT | O_RDWR | O_EXCL, 0600);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_EQ(write(fd, "data", 4), 4);
  char buf[4];
  ASSERT_EQ(pread(fd, buf, 4, 0), 4);
  EXPECT_EQ(memcmp(buf, "data", 4), 0);
  close(fd);
  EXPECT_EQ(unlink(path.c_str()), 0);
  struct stat st;
  ASSERT_EQ(stat("/dev/shm", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 01777u);
}

}  // namespace
