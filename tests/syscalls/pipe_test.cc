// Pipes: capacity, PIPE_BUF atomicity, EOF, EPIPE/SIGPIPE, O_NONBLOCK,
// pipe2 flags, F_GETPIPE_SZ/F_SETPIPE_SZ, readv/writev.
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

struct Pipe {
  int r = -1, w = -1;
  explicit Pipe(int flags = 0) {
    int fds[2];
    if (pipe2(fds, flags) == 0) {
      r = fds[0];
      w = fds[1];
    }
  }
  ~Pipe() {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
};

TEST(Pipe, WriteThenRead) {
  Pipe p;
  ASSERT_GE(p.r, 0);
  EXPECT_EQ(write(p.w, "hello", 5), 5);
  char buf[16] = {};
  EXPECT_EQ(read(p.r, buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "hello");
}

TEST(Pipe, FdsAreDistinctAndLowest) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  EXPECT_NE(fds[0], fds[1]);
  close(fds[0]);
  close(fds[1]);
  int fds2[2];
  ASSERT_OK(pipe(fds2));
  // The lowest free descriptors are reused.
  EXPECT_EQ(std::min(fds2[0], fds2[1]), std::min(fds[0], fds[1]));
  EXPECT_EQ(std::max(fds2[0], fds2[1]), std::max(fds[0], fds[1]));
  close(fds2[0]);
  close(fds2[1]);
}

TEST(Pipe, ReadEndNotWritableWriteEndNotReadable) {
  Pipe p;
  char c = 'x';
  EXPECT_ERRNO(write(p.r, &c, 1), EBADF);
  EXPECT_ERRNO(read(p.w, &c, 1), EBADF);
}

TEST(Pipe, EofAfterWriterClosed) {
  Pipe p;
  write(p.w, "ab", 2);
  close(p.w);
  p.w = -1;
  char buf[4];
  EXPECT_EQ(read(p.r, buf, 4), 2);
  EXPECT_EQ(read(p.r, buf, 4), 0);
  EXPECT_EQ(read(p.r, buf, 4), 0);
}

TEST(Pipe, EpipeAndSigpipeWhenReaderClosed) {
  SigactionRestorer r(SIGPIPE);
  SigmaskRestorer m;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  Pipe p;
  close(p.r);
  p.r = -1;
  EXPECT_ERRNO(write(p.w, "x", 1), EPIPE);
  siginfo_t si;
  struct timespec ts = {0, 0};
  EXPECT_EQ(sigtimedwait(&set, &si, &ts), SIGPIPE);
}

TEST(Pipe, SigpipeDefaultKills) {
  int st = RunInChild([] {
    signal(SIGPIPE, SIG_DFL);
    int fds[2];
    pipe(fds);
    close(fds[0]);
    (void)!write(fds[1], "x", 1);
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGPIPE);
}

TEST(Pipe, NonblockingReadEmptyEagain) {
  Pipe p(O_NONBLOCK);
  char c;
  EXPECT_ERRNO(read(p.r, &c, 1), EAGAIN);
}

TEST(Pipe, NonblockingWriteFullEagain) {
  Pipe p(O_NONBLOCK);
  std::vector<char> buf(65536, 'a');
  ssize_t total = 0;
  for (;;) {
    ssize_t n = write(p.w, buf.data(), buf.size());
    if (n < 0) {
      EXPECT_EQ(errno, EAGAIN);
      break;
    }
    total += n;
  }
  EXPECT_EQ(total, fcntl(p.w, F_GETPIPE_SZ));
}

TEST(Pipe, DefaultCapacity64k) {
  Pipe p;
  EXPECT_EQ(fcntl(p.w, F_GETPIPE_SZ), 65536);
  EXPECT_EQ(fcntl(p.r, F_GETPIPE_SZ), 65536);
}

TEST(Pipe, SetPipeSizeRoundsUpToPowerOfTwoPages) {
  Pipe p;
  int r = fcntl(p.w, F_SETPIPE_SZ, 100000);
  ASSERT_EQ(r, 131072);
  EXPECT_EQ(fcntl(p.r, F_GETPIPE_SZ), 131072);
  r = fcntl(p.w, F_SETPIPE_SZ, 1);
  EXPECT_EQ(r, 4096);
}

TEST(Pipe, SetPipeSizeBelowContentsEbusy) {
  Pipe p;
  std::vector<char> buf(20000, 'b');
  ASSERT_EQ(write(p.w, buf.data(), buf.size()), (ssize_t)buf.size());
  EXPECT_ERRNO(fcntl(p.w, F_SETPIPE_SZ, 4096), EBUSY);
}

TEST(Pipe, SetPipeSizeAbove2GEinval) {
  Pipe p;
  // Sizes that round above 2^31 are EINVAL.
  EXPECT_ERRNO(syscall(SYS_fcntl, p.w, F_SETPIPE_SZ, 0x80000001UL), EINVAL);
}

TEST(Pipe, SetPipeSizeChangesCapacity) {
  Pipe p(O_NONBLOCK);
  ASSERT_EQ(fcntl(p.w, F_SETPIPE_SZ, 8192), 8192);
  std::vector<char> buf(65536, 'c');
  EXPECT_EQ(write(p.w, buf.data(), buf.size()), 8192);
}

TEST(Pipe, AtomicWriteUpToPipeBufNonblock) {
  Pipe p(O_NONBLOCK);
  std::vector<char> buf(65536 - 100, 'd');
  ASSERT_EQ(write(p.w, buf.data(), buf.size()), (ssize_t)buf.size());
  // 100 bytes free: a PIPE_BUF write must not be split.
  std::vector<char> small(PIPE_BUF, 'e');
  EXPECT_ERRNO(write(p.w, small.data(), small.size()), EAGAIN);
  // A non-atomic (larger) write is partial.
  std::vector<char> big(PIPE_BUF + 1, 'f');
  ssize_t n = write(p.w, big.data(), big.size());
  EXPECT_GT(n, 0);
  EXPECT_LE(n, 100);
}

TEST(Pipe, AtomicWritesNotInterleaved) {
  Pipe p;
  constexpr int kWriters = 4, kPer = 200;
  std::vector<std::thread> ts;
  for (int w = 0; w < kWriters; w++) {
    ts.emplace_back([&, w] {
      std::vector<char> msg(PIPE_BUF, 'A' + w);
      for (int i = 0; i < kPer; i++) ASSERT_EQ(write(p.w, msg.data(), msg.size()), PIPE_BUF);
    });
  }
  std::vector<char> rec(PIPE_BUF);
  for (int i = 0; i < kWriters * kPer; i++) {
    size_t got = 0;
    while (got < rec.size()) {
      ssize_t n = read(p.r, rec.data() + got, rec.size() - got);
      ASSERT_GT(n, 0);
      got += n;
    }
    for (char c : rec) ASSERT_EQ(c, rec[0]);
  }
  for (auto& t : ts) t.join();
}

TEST(Pipe, BlockingWriteLargerThanCapacityCompletes) {
  Pipe p;
  std::vector<char> buf(300000);
  for (size_t i = 0; i < buf.size(); i++) buf[i] = char(i * 7);
  std::thread t([&] { EXPECT_EQ(write(p.w, buf.data(), buf.size()), (ssize_t)buf.size()); });
  std::vector<char> got;
  char tmp[8192];
  while (got.size() < buf.size()) {
    ssize_t n = read(p.r, tmp, sizeof tmp);
    ASSERT_GT(n, 0);
    got.insert(got.end(), tmp, tmp + n);
  }
  t.join();
  EXPECT_EQ(got, buf);
}

TEST(Pipe, ReadReturnsAvailableNotRequested) {
  Pipe p;
  write(p.w, "abc", 3);
  char buf[100];
  EXPECT_EQ(read(p.r, buf, sizeof buf), 3);
}

TEST(Pipe, ZeroLengthReadWrite) {
  Pipe p;
  EXPECT_EQ(write(p.w, "", 0), 0);
  EXPECT_EQ(read(p.r, nullptr, 0), 0);
}

TEST(Pipe, Pipe2CloexecAndNonblockFlags) {
  Pipe p(O_CLOEXEC | O_NONBLOCK);
  EXPECT_EQ(fcntl(p.r, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fcntl(p.w, F_GETFD), FD_CLOEXEC);
  EXPECT_TRUE(fcntl(p.r, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(p.w, F_GETFL) & O_NONBLOCK);
}

TEST(Pipe, Pipe2InvalidFlagsEinval) {
  int fds[2];
  EXPECT_ERRNO(pipe2(fds, O_RDWR | 0x1000000), EINVAL);
}

TEST(Pipe, PipeAccessModes) {
  Pipe p;
  EXPECT_EQ(fcntl(p.r, F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(fcntl(p.w, F_GETFL) & O_ACCMODE, O_WRONLY);
}

TEST(Pipe, PipeBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_pipe2, (void*)8, 0), EFAULT);
}

TEST(Pipe, SetflNonblockTakesEffect) {
  Pipe p;
  int fl = fcntl(p.r, F_GETFL);
  ASSERT_OK(fcntl(p.r, F_SETFL, fl | O_NONBLOCK));
  char c;
  EXPECT_ERRNO(read(p.r, &c, 1), EAGAIN);
}

TEST(Pipe, WritevReadvScatterGather) {
  Pipe p;
  char a[] = "abc", b[] = "defg";
  struct iovec w[2] = {{a, 3}, {b, 4}};
  EXPECT_EQ(writev(p.w, w, 2), 7);
  char x[2], y[5];
  struct iovec r[2] = {{x, 2}, {y, 5}};
  EXPECT_EQ(readv(p.r, r, 2), 7);
  EXPECT_EQ(memcmp(x, "ab", 2), 0);
  EXPECT_EQ(memcmp(y, "cdefg", 5), 0);
}

TEST(Pipe, WritevInvalidIovcntEinval) {
  Pipe p;
  struct iovec v = {nullptr, 0};
  EXPECT_ERRNO(syscall(SYS_writev, p.w, &v, -1), EINVAL);
  EXPECT_ERRNO(syscall(SYS_writev, p.w, &v, IOV_MAX + 1), EINVAL);
}

TEST(Pipe, ReadBadBufferEfault) {
  Pipe p;
  write(p.w, "x", 1);
  EXPECT_ERRNO(syscall(SYS_read, p.r, (void*)8, 1), EFAULT);
}

TEST(Pipe, WriteBadBufferEfault) {
  Pipe p;
  EXPECT_ERRNO(syscall(SYS_write, p.w, (void*)8, 1), EFAULT);
}

TEST(Pipe, ReaderBlocksUntilData) {
  Pipe p;
  std::thread t([&] { write(p.w, "late", 4); });
  char buf[8] = {};
  EXPECT_EQ(read(p.r, buf, 4), 4);
  EXPECT_STREQ(buf, "late");
  t.join();
}

TEST(Pipe, WriterWokenWhenReaderCloses) {
  SigactionRestorer r(SIGPIPE);
  signal(SIGPIPE, SIG_IGN);
  Pipe p;
  std::vector<char> fill(65536, 'x');
  ASSERT_EQ(write(p.w, fill.data(), fill.size()), 65536);
  int rfd = p.r;
  p.r = -1;
  std::thread t([rfd] { close(rfd); });
  // The pipe is full: this blocks until the reader closes, then EPIPE.
  EXPECT_ERRNO(write(p.w, "y", 1), EPIPE);
  t.join();
}

TEST(Pipe, PipeAcrossFork) {
  Pipe p;
  pid_t pid = fork();
  if (pid == 0) {
    close(p.r);
    write(p.w, "child", 5);
    _exit(0);
  }
  close(p.w);
  p.w = -1;
  char buf[16] = {};
  EXPECT_EQ(read(p.r, buf, sizeof buf), 5);
  EXPECT_STREQ(buf, "child");
  EXPECT_EQ(read(p.r, buf, sizeof buf), 0);  // the child exited: EOF
  int st;
  waitpid(pid, &st, 0);
}

TEST(Pipe, LseekEspipe) {
  Pipe p;
  EXPECT_ERRNO(lseek(p.r, 0, SEEK_SET), ESPIPE);
  char c;
  EXPECT_ERRNO(pread(p.r, &c, 1, 0), ESPIPE);
}

}  // namespace
