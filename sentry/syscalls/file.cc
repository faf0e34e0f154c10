// File I/O on the task's fd table: read/write/readv/writev/close/fstat/
// ioctl(TCGETS)/lseek (newfstatat is in path.cc). The Sentry copies app
// memory in or out through the MemoryManager and does the I/O on its own
// File objects (host stdio, pipes); kernel::ReadFile/WriteFile block on
// pipes unless O_NONBLOCK (a signal restarts or fails the call with EINTR
// per SA_RESTART).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

// Most bytes moved per read/write call; larger requests complete short, as
// read(2)/write(2) may.
constexpr size_t kMaxChunk = 1 << 20;

// Linux's MAX_RW_COUNT: the most one read/write moves.
constexpr uint64_t kMaxRwCount = 0x7ffff000;

// read(2)/pread64(2) after the fd checks: `off` < 0 reads at the file
// offset. The buffer must be writable as far as the read may fill it (a
// fault after data was consumed would lose it): EFAULT otherwise.
SyscallReturn ReadInto(Task& t, kernel::File& f, uint64_t addr, uint64_t count, int64_t off) {
  if (!mm::AccessOk(addr, count)) return SyscallReturn::Err(EFAULT);
  size_t len = std::min<uint64_t>(count, kMaxChunk);
  if (len == 0) return SyscallReturn::Ok(0);
  if (t.mm().AccessiblePrefix(addr, len, /*write=*/true) < len) return SyscallReturn::Err(EFAULT);
  std::vector<uint8_t> buf(len);
  auto n = off < 0 ? kernel::ReadFile(t, f, buf.data(), len) : f.PRead(buf.data(), len, off);
  if (!n.ok()) return SyscallReturn::From(n.error());
  if (*n == 0) return SyscallReturn::Ok(0);
  auto c = t.mm().CopyOutPartial(addr, buf.data(), *n);
  if (!c.ok()) return SyscallReturn::From(c.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*c));
}

// write(2)/pwrite64(2) after the fd checks, in chunks so that a blocking
// write moves everything (as on Linux) without one huge Sentry buffer.
SyscallReturn WriteFrom(Task& t, kernel::File& f, uint64_t addr, uint64_t count, int64_t off) {
  if (!mm::AccessOk(addr, count)) return SyscallReturn::Err(EFAULT);
  count = std::min(count, kMaxRwCount);
  std::vector<uint8_t> buf(std::min<uint64_t>(count, kMaxChunk));
  uint64_t total = 0;
  while (total < count) {
    const size_t chunk = std::min<uint64_t>(count - total, kMaxChunk);
    auto c = t.mm().CopyInPartial(addr + total, buf.data(), chunk);
    if (!c.ok()) {
      if (total > 0) break;
      return SyscallReturn::From(c.error());
    }
    auto w = off < 0 ? kernel::WriteFile(t, f, buf.data(), *c)
                     : f.PWrite(buf.data(), *c, off + static_cast<int64_t>(total));
    if (!w.ok()) {
      if (total > 0) break;
      return SyscallReturn::From(w.error());
    }
    total += *w;
    if (*w < *c || *c < chunk) break;
  }
  return SyscallReturn::Ok(static_cast<int64_t>(total));
}

SyscallReturn Read(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f || !f->readable()) return SyscallReturn::Err(EBADF);
  return ReadInto(t, *f, a[1], a[2], -1);
}

SyscallReturn Write(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f || !f->writable()) return SyscallReturn::Err(EBADF);
  if (a[2] == 0) return SyscallReturn::Ok(0);
  return WriteFrom(t, *f, a[1], a[2], -1);
}

SyscallReturn Pread64(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f || !f->readable()) return SyscallReturn::Err(EBADF);
  const int64_t off = static_cast<int64_t>(a[3]);
  if (off < 0) return SyscallReturn::Err(EINVAL);
  if (!f->Positional()) return SyscallReturn::Err(ESPIPE);
  return ReadInto(t, *f, a[1], a[2], off);
}

SyscallReturn Pwrite64(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f || !f->writable()) return SyscallReturn::Err(EBADF);
  const int64_t off = static_cast<int64_t>(a[3]);
  if (off < 0) return SyscallReturn::Err(EINVAL);
  if (!f->Positional()) return SyscallReturn::Err(ESPIPE);
  if (a[2] == 0) return SyscallReturn::Ok(0);
  return WriteFrom(t, *f, a[1], a[2], off);
}

uint64_t TotalLen(const std::vector<mm::IoVec>& iovs) {
  uint64_t total = 0;
  for (const auto& v : iovs) total += v.len;
  return total;
}

SyscallReturn Readv(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return SyscallReturn::Err(EBADF);
  if (!f->readable()) return SyscallReturn::Err(EBADF);
  auto iovs = t.mm().CopyInIovecs(a[1], a[2]);
  if (!iovs.ok()) return SyscallReturn::From(iovs.error());
  size_t len = std::min<uint64_t>(TotalLen(*iovs), kMaxChunk);
  if (len == 0) return SyscallReturn::Ok(0);
  std::vector<uint8_t> buf(len);
  auto n = kernel::ReadFile(t, *f, buf.data(), len);
  if (!n.ok()) return SyscallReturn::From(n.error());
  if (*n == 0) return SyscallReturn::Ok(0);
  auto c = t.mm().CopyOutToIovecs(*iovs, buf.data(), *n);
  if (!c.ok()) return SyscallReturn::From(c.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*c));
}

SyscallReturn Writev(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return SyscallReturn::Err(EBADF);
  if (!f->writable()) return SyscallReturn::Err(EBADF);
  auto iovs = t.mm().CopyInIovecs(a[1], a[2]);
  if (!iovs.ok()) return SyscallReturn::From(iovs.error());
  size_t len = std::min<uint64_t>(TotalLen(*iovs), kMaxChunk);
  if (len == 0) return SyscallReturn::Ok(0);
  std::vector<uint8_t> buf(len);
  auto c = t.mm().CopyInFromIovecs(*iovs, buf.data(), len);
  if (!c.ok()) return SyscallReturn::From(c.error());
  auto w = kernel::WriteFile(t, *f, buf.data(), *c);
  if (!w.ok()) return SyscallReturn::From(w.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*w));
}

SyscallReturn Close(Task& t, const SyscallArguments& a) {
  ErrnoResult r = t.fds().Close(static_cast<int>(a[0]));
  return r.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(r.error());
}

// The app's view of a host file's stat: type, mode, size, block size,
// device number of character devices and times; identity fields (dev, ino,
// owner) are the sandbox's, not the host's.
SyscallReturn StatTo(Task& t, kernel::File& f, uint64_t addr) {
  struct stat host;
  ErrnoResult r = f.Stat(&host);
  if (!r.ok()) return SyscallReturn::From(r.error());
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_mode = host.st_mode;
  st.st_nlink = 1;
  st.st_uid = t.creds().euid;
  st.st_gid = t.creds().egid;
  st.st_rdev = host.st_rdev;
  st.st_size = S_ISREG(host.st_mode) ? host.st_size : 0;
  st.st_blksize = host.st_blksize;
  st.st_blocks = S_ISREG(host.st_mode) ? host.st_blocks : 0;
  st.st_atim = host.st_atim;
  st.st_mtim = host.st_mtim;
  st.st_ctim = host.st_ctim;
  st.st_dev = 1;
  st.st_ino = 1;
  if (!t.mm().CopyOut(addr, &st, sizeof(st)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn Fstat(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return SyscallReturn::Err(EBADF);
  return StatTo(t, *f, a[1]);
}

SyscallReturn Ioctl(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return SyscallReturn::Err(EBADF);
  switch (a[1]) {
    case TCGETS: {
      if (!f->IsTty()) return SyscallReturn::Err(ENOTTY);
      uint8_t termios[36];  // the kernel's struct termios
      ErrnoResult r = f->GetTermios(termios, sizeof(termios));
      if (!r.ok()) return SyscallReturn::From(r.error());
      if (!t.mm().CopyOut(a[2], termios, sizeof(termios)).ok()) {
        return SyscallReturn::Err(EFAULT);
      }
      return SyscallReturn::Ok(0);
    }
    default:
      // Other terminal ioctls are not implemented; on a non-tty Linux says
      // ENOTTY too.
      return SyscallReturn::Err(ENOTTY);
  }
}

SyscallReturn Lseek(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return SyscallReturn::Err(EBADF);
  int whence = static_cast<int>(a[2]);
  if (whence < SEEK_SET || whence > SEEK_END) return SyscallReturn::Err(EINVAL);
  if (f->IsTty()) return SyscallReturn::Err(ESPIPE);
  auto r = f->Seek(static_cast<int64_t>(a[1]), whence);
  if (!r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(*r);
}

}  // namespace

void RegisterFile(SyscallTable& t) {
  t.Register(SYS_read, Read);
  t.Register(SYS_write, Write);
  t.Register(SYS_readv, Readv);
  t.Register(SYS_writev, Writev);
  t.Register(SYS_pread64, Pread64);
  t.Register(SYS_pwrite64, Pwrite64);
  t.Register(SYS_close, Close);
  t.Register(SYS_fstat, Fstat);
  t.Register(SYS_ioctl, Ioctl);
  t.Register(SYS_lseek, Lseek);
}

}  // namespace sentry::syscalls
