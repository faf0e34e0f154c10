// Process creation and reaping: clone, clone3, fork, vfork, execve, wait4,
// waitid.
#include <linux/sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

SyscallReturn DoClone(Task& t, const kernel::CloneArgs& args) {
  auto tid = t.kernel().Clone(t, args);
  if (!tid.ok()) return SyscallReturn::From(tid.error());
  return SyscallReturn::Ok(*tid);
}

SyscallReturn Clone(Task& t, const SyscallArguments& a) {
  kernel::CloneArgs c;
  c.flags = a[0] & ~uint64_t{0xff};
  c.exit_signal = static_cast<int>(a[0] & 0xff);
  c.stack = a[1];
  c.parent_tid = a[2];
  c.child_tid = a[3];
  c.tls = a[4];
  return DoClone(t, c);
}

SyscallReturn Clone3(Task& t, const SyscallArguments& a) {
  // struct clone_args as of Linux 5.7 (88 bytes); larger structs must have
  // zeros past what we know.
  constexpr size_t kVer0 = 64, kKnown = 88;
  size_t size = a[1];
  if (size > 4096) return SyscallReturn::Err(E2BIG);  // more than a page
  if (size < kVer0) return SyscallReturn::Err(EINVAL);
  std::vector<uint8_t> buf(size);
  if (!t.mm().CopyIn(a[0], buf.data(), size).ok()) return SyscallReturn::Err(EFAULT);
  for (size_t i = kKnown; i < size; ++i) {
    if (buf[i] != 0) return SyscallReturn::Err(E2BIG);
  }
  struct clone_args ca;
  std::memset(&ca, 0, sizeof(ca));
  std::memcpy(&ca, buf.data(), std::min(size, sizeof(ca)));
  if (ca.set_tid != 0 || ca.set_tid_size != 0) return SyscallReturn::Err(EPERM);
  if ((ca.flags & CLONE_INTO_CGROUP) != 0) return SyscallReturn::Err(EINVAL);
  if ((ca.flags & 0xff) != 0 || ca.exit_signal > 64) return SyscallReturn::Err(EINVAL);
  if ((ca.stack == 0) != (ca.stack_size == 0)) return SyscallReturn::Err(EINVAL);
  kernel::CloneArgs c;
  c.flags = ca.flags;
  c.exit_signal = static_cast<int>(ca.exit_signal);
  c.stack = ca.stack != 0 ? ca.stack + ca.stack_size : 0;
  c.parent_tid = ca.parent_tid;
  c.child_tid = ca.child_tid;
  c.tls = ca.tls;
  return DoClone(t, c);
}

SyscallReturn Fork(Task& t, const SyscallArguments&) {
  kernel::CloneArgs c;
  c.exit_signal = SIGCHLD;
  return DoClone(t, c);
}

SyscallReturn Vfork(Task& t, const SyscallArguments&) {
  kernel::CloneArgs c;
  c.flags = CLONE_VM | CLONE_VFORK;
  c.exit_signal = SIGCHLD;
  return DoClone(t, c);
}

// Linux's MAX_ARG_STRLEN, and its bound on argv+envp (a quarter of the
// default 8 MiB stack).
constexpr size_t kMaxArgStrlen = 32 * 4096;
constexpr size_t kMaxArgTotal = 2 << 20;

// Reads a NULL-terminated array of string pointers (argv/envp). A null
// array is empty.
ErrnoResult CopyInStrings(Task& t, uint64_t addr, std::vector<std::string>* out,
                          size_t* total) {
  if (addr == 0) return {};
  for (uint64_t i = 0;; ++i) {
    uint64_t p = 0;
    if (!t.mm().CopyIn(addr + i * 8, &p, sizeof(p)).ok()) return Errno(EFAULT);
    if (p == 0) return {};
    auto s = t.mm().CopyInString(p, kMaxArgStrlen);
    if (!s.ok()) return s.error().value() == ENAMETOOLONG ? Errno(E2BIG) : s.error();
    *total += s->size() + 1 + sizeof(uint64_t);
    if (*total > kMaxArgTotal) return Errno(E2BIG);
    out->push_back(std::move(*s));
  }
}

SyscallReturn Execve(Task& t, const SyscallArguments& a) {
  auto path = t.mm().CopyInString(a[0], PATH_MAX);
  if (!path.ok()) return SyscallReturn::From(path.error());
  std::vector<std::string> argv, envp;
  size_t total = 0;
  ErrnoResult r = CopyInStrings(t, a[1], &argv, &total);
  if (r.ok()) r = CopyInStrings(t, a[2], &envp, &total);
  if (!r.ok()) return SyscallReturn::From(r.error());
  r = t.kernel().Execve(t, *path, argv, envp);
  if (!r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(0);
}

void FillRusage(const kernel::WaitResult& w, struct rusage* ru) {
  std::memset(ru, 0, sizeof(*ru));
  ru->ru_utime = absl::ToTimeval(absl::UnixEpoch() + w.utime);
  ru->ru_stime = absl::ToTimeval(absl::UnixEpoch() + w.stime);
}

SyscallReturn Wait4(Task& t, const SyscallArguments& a) {
  int pid = static_cast<int>(a[0]);
  int options = static_cast<int>(a[2]);
  if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) != 0) {
    return SyscallReturn::Err(EINVAL);
  }
  if (pid == INT_MIN) return SyscallReturn::Err(ESRCH);
  kernel::WaitRequest req;
  req.options = options | WEXITED;
  if (pid > 0) {
    req.kind = kernel::WaitRequest::Kind::kPid;
    req.id = pid;
  } else if (pid < -1) {
    req.kind = kernel::WaitRequest::Kind::kPgid;
    req.id = -pid;
  } else if (pid == 0) {
    req.kind = kernel::WaitRequest::Kind::kPgid;
    absl::MutexLock l(&t.kernel().mu());
    req.id = t.tg().pgid;
  }
  auto w = t.kernel().Wait(t, req);
  if (!w.ok()) return SyscallReturn::From(w.error());
  if (w->pid != 0) {
    if (a[1] != 0 && !t.mm().CopyOut(a[1], &w->status, sizeof(int)).ok()) {
      return SyscallReturn::Err(EFAULT);
    }
    if (a[3] != 0) {
      struct rusage ru;
      FillRusage(*w, &ru);
      if (!t.mm().CopyOut(a[3], &ru, sizeof(ru)).ok()) return SyscallReturn::Err(EFAULT);
    }
  }
  return SyscallReturn::Ok(w->pid);
}

SyscallReturn Waitid(Task& t, const SyscallArguments& a) {
  int idtype = static_cast<int>(a[0]);
  int id = static_cast<int>(a[1]);
  int options = static_cast<int>(a[3]);
  if ((options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
                   __WCLONE | __WALL)) != 0) {
    return SyscallReturn::Err(EINVAL);
  }
  if ((options & (WEXITED | WSTOPPED | WCONTINUED)) == 0) return SyscallReturn::Err(EINVAL);
  kernel::WaitRequest req;
  req.options = options;
  switch (idtype) {
    case P_ALL:
      break;
    case P_PID:
      if (id <= 0) return SyscallReturn::Err(EINVAL);
      req.kind = kernel::WaitRequest::Kind::kPid;
      req.id = id;
      break;
    case P_PGID:
      if (id < 0) return SyscallReturn::Err(EINVAL);
      req.kind = kernel::WaitRequest::Kind::kPgid;
      if (id == 0) {
        absl::MutexLock l(&t.kernel().mu());
        id = t.tg().pgid;
      }
      req.id = id;
      break;
    default:
      return SyscallReturn::Err(EINVAL);
  }
  auto w = t.kernel().Wait(t, req);
  if (!w.ok()) return SyscallReturn::From(w.error());
  if (a[2] != 0) {
    siginfo_t info;
    std::memset(&info, 0, sizeof(info));
    if (w->pid != 0) {
      info.si_signo = SIGCHLD;
      info.si_code = w->code;
      info.si_pid = w->pid;
      info.si_uid = w->uid;
      info.si_status = w->child_status;
    }
    if (!t.mm().CopyOut(a[2], &info, sizeof(info)).ok()) return SyscallReturn::Err(EFAULT);
  }
  if (a[4] != 0) {
    struct rusage ru;
    FillRusage(*w, &ru);
    if (!t.mm().CopyOut(a[4], &ru, sizeof(ru)).ok()) return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

}  // namespace

void RegisterClone(SyscallTable& t) {
  t.Register(SYS_clone, Clone);
  t.Register(SYS_clone3, Clone3);
  t.Register(SYS_fork, Fork);
  t.Register(SYS_vfork, Vfork);
  t.Register(SYS_execve, Execve);
  t.Register(SYS_wait4, Wait4);
  t.Register(SYS_waitid, Waitid);
}

}  // namespace sentry::syscalls
