// File descriptor table operations and pipes: dup, dup2, dup3, fcntl, pipe,
// pipe2. fcntl's F_ADD_SEALS/F_GET_SEALS act on the file's inode (memfd).
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/pipe.h"
#include "sentry/syscalls/fd_util.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/file.h"

namespace sentry::syscalls {
namespace {

SyscallReturn Dup(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return SyscallReturn::Err(EBADF);
  auto fd = t.fds().Install(std::move(f), false, 0, FdLimit(t));
  if (!fd.ok()) return SyscallReturn::From(fd.error());
  return SyscallReturn::Ok(*fd);
}

// dup3 without its oldfd == newfd check (dup2 handles that case itself).
SyscallReturn DupTo(Task& t, uint64_t oldfd, uint64_t newfd, bool cloexec) {
  // fds are unsigned int in Linux: a "negative" newfd is just too large.
  uint32_t nfd = static_cast<uint32_t>(newfd);
  if (nfd >= static_cast<uint32_t>(FdLimit(t))) return SyscallReturn::Err(EBADF);
  auto f = t.fds().Get(static_cast<int>(oldfd));
  if (!f) return SyscallReturn::Err(EBADF);
  t.fds().Set(static_cast<int>(nfd), std::move(f), cloexec);
  return SyscallReturn::Ok(nfd);
}

SyscallReturn Dup2(Task& t, const SyscallArguments& a) {
  if (static_cast<uint32_t>(a[0]) == static_cast<uint32_t>(a[1])) {
    if (!t.fds().Get(static_cast<int>(a[0]))) return SyscallReturn::Err(EBADF);
    return SyscallReturn::Ok(static_cast<uint32_t>(a[1]));
  }
  return DupTo(t, a[0], a[1], false);
}

SyscallReturn Dup3(Task& t, const SyscallArguments& a) {
  uint64_t flags = a[2] & 0xffffffffu;
  if ((flags & ~uint64_t{O_CLOEXEC}) != 0) return SyscallReturn::Err(EINVAL);
  if (static_cast<uint32_t>(a[0]) == static_cast<uint32_t>(a[1])) return SyscallReturn::Err(EINVAL);
  return DupTo(t, a[0], a[1], (flags & O_CLOEXEC) != 0);
}

bool Privileged(const Task& t, int cap) {
  return (t.creds().cap_effective & (uint64_t{1} << cap)) != 0;
}

SyscallReturn Fcntl(Task& t, const SyscallArguments& a) {
  int fd = static_cast<int>(a[0]);
  int cmd = static_cast<int>(a[1]);
  auto f = t.fds().Get(fd);
  if (!f) return SyscallReturn::Err(EBADF);
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      int limit = FdLimit(t);
      // arg is unsigned long: a negative one is just too large.
      if (a[2] >= static_cast<uint64_t>(limit)) return SyscallReturn::Err(EINVAL);
      auto nfd = t.fds().Install(std::move(f), cmd == F_DUPFD_CLOEXEC, static_cast<int>(a[2]), limit);
      if (!nfd.ok()) return SyscallReturn::From(nfd.error());
      return SyscallReturn::Ok(*nfd);
    }
    case F_GETFD: {
      auto c = t.fds().GetCloexec(fd);
      if (!c.ok()) return SyscallReturn::From(c.error());
      return SyscallReturn::Ok(*c ? FD_CLOEXEC : 0);
    }
    case F_SETFD: {
      ErrnoResult r = t.fds().SetCloexec(fd, (a[2] & FD_CLOEXEC) != 0);
      return r.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(r.error());
    }
    case F_GETFL:
      return SyscallReturn::Ok(f->flags());
    case F_SETFL:
      f->SetFlags(static_cast<uint32_t>(a[2]));
      return SyscallReturn::Ok(0);
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ: {
      auto* p = dynamic_cast<kernel::PipeFile*>(f.get());
      if (p == nullptr) return SyscallReturn::Err(EBADF);
      if (cmd == F_GETPIPE_SZ) return SyscallReturn::Ok(static_cast<int64_t>(p->pipe().capacity()));
      // arg is an unsigned int for F_SETPIPE_SZ.
      auto n = p->pipe().SetCapacity(static_cast<uint32_t>(a[2]), Privileged(t, CAP_SYS_RESOURCE));
      if (!n.ok()) return SyscallReturn::From(n.error());
      return SyscallReturn::Ok(static_cast<int64_t>(*n));
    }
    case F_ADD_SEALS:
    case F_GET_SEALS: {
      auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
      if (vf == nullptr) return SyscallReturn::Err(EINVAL);
      if (cmd == F_GET_SEALS) {
        auto seals = vf->inode().GetSeals();
        if (!seals.ok()) return SyscallReturn::From(seals.error());
        return SyscallReturn::Ok(*seals);
      }
      if (!f->writable()) return SyscallReturn::Err(EPERM);
      ErrnoResult r = vf->inode().AddSeals(static_cast<uint32_t>(a[2]));
      return r.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(r.error());
    }
    default:
      return SyscallReturn::Err(EINVAL);
  }
}

SyscallReturn DoPipe(Task& t, uint64_t addr, uint64_t flags) {
  if ((flags & ~uint64_t{O_CLOEXEC | O_NONBLOCK | O_DIRECT}) != 0) return SyscallReturn::Err(EINVAL);
  bool cloexec = (flags & O_CLOEXEC) != 0;
  auto [r, w] = kernel::Pipe::Create(static_cast<uint32_t>(flags));
  int limit = FdLimit(t);
  auto rfd = t.fds().Install(std::move(r), cloexec, 0, limit);
  if (!rfd.ok()) return SyscallReturn::From(rfd.error());
  auto wfd = t.fds().Install(std::move(w), cloexec, 0, limit);
  if (!wfd.ok()) {
    (void)t.fds().Close(*rfd);
    return SyscallReturn::From(wfd.error());
  }
  int32_t out[2] = {*rfd, *wfd};
  if (!t.mm().CopyOut(addr, out, sizeof(out)).ok()) {
    (void)t.fds().Close(*rfd);
    (void)t.fds().Close(*wfd);
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn PipeCall(Task& t, const SyscallArguments& a) { return DoPipe(t, a[0], 0); }
SyscallReturn Pipe2(Task& t, const SyscallArguments& a) {
  return DoPipe(t, a[0], a[1] & 0xffffffffu);
}

// close_range(2): closes (or marks close-on-exec) every open fd in
// [first, last]; CLOSE_RANGE_UNSHARE first gives the task its own table.
SyscallReturn CloseRange(Task& t, const SyscallArguments& a) {
  const auto first = static_cast<uint32_t>(a[0]);
  const auto last = static_cast<uint32_t>(a[1]);
  const uint64_t flags = a[2] & 0xffffffffu;
  if ((flags & ~uint64_t{CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE}) != 0 || first > last) {
    return SyscallReturn::Err(EINVAL);
  }
  if ((flags & CLOSE_RANGE_UNSHARE) != 0 && t.fds_ptr().use_count() > 1) {
    t.SetFds(t.fds().Clone());
  }
  for (int fd : t.fds().Fds()) {
    const auto u = static_cast<uint32_t>(fd);
    if (u < first || u > last) continue;
    if ((flags & CLOSE_RANGE_CLOEXEC) != 0) {
      (void)t.fds().SetCloexec(fd, true);
    } else {
      (void)t.fds().Close(fd);
    }
  }
  return SyscallReturn::Ok(0);
}

}  // namespace

void RegisterFd(SyscallTable& t) {
  t.Register(SYS_close_range, CloseRange);
  t.Register(SYS_dup, Dup);
  t.Register(SYS_dup2, Dup2);
  t.Register(SYS_dup3, Dup3);
  t.Register(SYS_fcntl, Fcntl);
  t.Register(SYS_pipe, PipeCall);
  t.Register(SYS_pipe2, Pipe2);
}

}  // namespace sentry::syscalls
