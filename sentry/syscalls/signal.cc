// Signals: rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, kill,
// tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, rt_sigpending,
// rt_sigsuspend, rt_sigtimedwait, pause, restart_syscall.
#include <sys/syscall.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {
namespace {

using kernel::kERestartNoHand;
using kernel::kERestartSys;
using kernel::SigAction;
using kernel::SigBit;
using kernel::SigSet;
using kernel::ThreadGroup;
using kernel::ValidSignal;

constexpr size_t kSigSetSize = sizeof(SigSet);
constexpr int kSsAutodisarm = 1 << 31;  // kSsAutodisarm
constexpr size_t kMinSigStkSz = 2048;    // the kernel's MINSIGSTKSZ

SyscallReturn RtSigaction(Task& t, const SyscallArguments& a) {
  int sig = static_cast<int>(a[0]);
  if (a[3] != kSigSetSize) return SyscallReturn::Err(EINVAL);
  if (!ValidSignal(sig)) return SyscallReturn::Err(EINVAL);
  SigAction next;
  if (a[1] != 0) {
    if (sig == SIGKILL || sig == SIGSTOP) return SyscallReturn::Err(EINVAL);
    if (!t.mm().CopyIn(a[1], &next, sizeof(next)).ok()) return SyscallReturn::Err(EFAULT);
    next.mask &= ~kernel::kUnblockable;
  }
  SigAction old;
  {
    kernel::Kernel& k = t.kernel();
    absl::MutexLock l(&k.mu());
    ThreadGroup& tg = t.tg();
    old = tg.handlers->of(sig);
    if (a[1] != 0) {
      tg.handlers->of(sig) = next;
      // Setting a signal to be ignored discards its pending instances.
      bool ignored = next.handler == kernel::kSigIgn ||
                     (next.handler == kernel::kSigDfl &&
                      kernel::DefaultActionFor(sig) == kernel::DefaultAction::kIgnore);
      if (ignored) {
        tg.pending.Discard(SigBit(sig));
        for (kernel::Task* o : tg.tasks) o->pending().Discard(SigBit(sig));
      }
    }
  }
  if (a[2] != 0 && !t.mm().CopyOut(a[2], &old, sizeof(old)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn RtSigprocmask(Task& t, const SyscallArguments& a) {
  int how = static_cast<int>(a[0]);
  if (a[3] != kSigSetSize) return SyscallReturn::Err(EINVAL);
  SigSet set = 0;
  if (a[1] != 0) {
    if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) {
      return SyscallReturn::Err(EINVAL);
    }
    if (!t.mm().CopyIn(a[1], &set, sizeof(set)).ok()) return SyscallReturn::Err(EFAULT);
  }
  SigSet old;
  {
    absl::MutexLock l(&t.kernel().mu());
    old = t.signal_mask();
    if (a[1] != 0) {
      SigSet next = how == SIG_BLOCK ? (old | set) : how == SIG_UNBLOCK ? (old & ~set) : set;
      t.SetSignalMaskLocked(next);
    }
  }
  if (a[2] != 0 && !t.mm().CopyOut(a[2], &old, sizeof(old)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn RtSigreturn(Task& t, const SyscallArguments&) { return t.SigReturn(); }

SyscallReturn Sigaltstack(Task& t, const SyscallArguments& a) {
  stack_t old = t.altstack();
  bool on = t.OnAltStack(t.cpu().regs.rsp);
  if ((old.ss_flags & SS_DISABLE) == 0) old.ss_flags = on ? SS_ONSTACK : 0;
  if (a[0] != 0) {
    stack_t next;
    if (!t.mm().CopyIn(a[0], &next, sizeof(next)).ok()) return SyscallReturn::Err(EFAULT);
    if (on) return SyscallReturn::Err(EPERM);
    int mode = next.ss_flags & ~kSsAutodisarm;
    if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK) return SyscallReturn::Err(EINVAL);
    if (mode == SS_DISABLE) {
      t.altstack() = stack_t{nullptr, SS_DISABLE, 0};
    } else {
      if (next.ss_size < kMinSigStkSz) return SyscallReturn::Err(ENOMEM);
      t.altstack() = stack_t{next.ss_sp, next.ss_flags & kSsAutodisarm, next.ss_size};
    }
  }
  if (a[1] != 0 && !t.mm().CopyOut(a[1], &old, sizeof(old)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

// Checks kill(2)'s permission rule for every thread group in `targets` and
// sends `info` to those allowed; ESRCH if none exists, EPERM if none allowed.
SyscallReturn SendToGroups(Task& t, const std::vector<ThreadGroup*>& targets,
                           const siginfo_t& info) {
  kernel::Kernel& k = t.kernel();
  if (targets.empty()) return SyscallReturn::Err(ESRCH);
  bool sent = false;
  for (ThreadGroup* tg : targets) {
    if (tg->tasks.empty()) continue;
    if (!k.MaySignal(t.creds(), *tg->tasks.front())) continue;
    sent = true;
    if (info.si_signo != 0) k.SendGroupSignalLocked(*tg, info);
  }
  return sent ? SyscallReturn::Ok(0) : SyscallReturn::Err(EPERM);
}

SyscallReturn Kill(Task& t, const SyscallArguments& a) {
  int pid = static_cast<int>(a[0]);
  int sig = static_cast<int>(a[1]);
  if (sig != 0 && !ValidSignal(sig)) return SyscallReturn::Err(EINVAL);
  kernel::Kernel& k = t.kernel();
  siginfo_t info = kernel::MakeSigInfo(sig, SI_USER, t.tgid(), t.creds().uid);
  absl::MutexLock l(&k.mu());
  std::vector<ThreadGroup*> targets;
  if (pid > 0) {
    ThreadGroup* tg = k.ThreadGroupLocked(pid);
    if (tg == nullptr) {
      // kill() of a thread ID signals its process.
      if (kernel::Task* o = k.TaskLocked(pid)) tg = &o->tg();
    }
    if (tg == nullptr) return SyscallReturn::Err(ESRCH);
    if (tg->zombie) return SyscallReturn::Ok(0);  // exists until reaped
    targets.push_back(tg);
  } else if (pid == -1) {
    // Everyone but init and the caller.
    for (ThreadGroup* tg : k.ThreadGroupsLocked()) {
      if (tg->tgid != 1 && tg != &t.tg() && !tg->zombie) targets.push_back(tg);
    }
  } else {
    int pgid = pid == 0 ? t.tg().pgid : -pid;
    for (ThreadGroup* tg : k.ThreadGroupsLocked()) {
      if (tg->pgid == pgid && !tg->zombie) targets.push_back(tg);
    }
  }
  return SendToGroups(t, targets, info);
}

// tgkill/tkill/rt_tgsigqueueinfo core: `tgid` < 0 means any process.
SyscallReturn SendToThread(Task& t, int tgid, int tid, const siginfo_t& info) {
  if (tid <= 0) return SyscallReturn::Err(EINVAL);
  int sig = info.si_signo;
  if (sig != 0 && !ValidSignal(sig)) return SyscallReturn::Err(EINVAL);
  kernel::Kernel& k = t.kernel();
  absl::MutexLock l(&k.mu());
  kernel::Task* target = k.TaskLocked(tid);
  if (target == nullptr || (tgid >= 0 && target->tgid() != tgid)) {
    return SyscallReturn::Err(ESRCH);
  }
  if (!k.MaySignal(t.creds(), *target)) return SyscallReturn::Err(EPERM);
  if (sig != 0) k.SendTaskSignalLocked(*target, info);
  return SyscallReturn::Ok(0);
}

SyscallReturn Tkill(Task& t, const SyscallArguments& a) {
  int sig = static_cast<int>(a[1]);
  siginfo_t info = kernel::MakeSigInfo(sig, SI_TKILL, t.tgid(), t.creds().uid);
  return SendToThread(t, -1, static_cast<int>(a[0]), info);
}

SyscallReturn Tgkill(Task& t, const SyscallArguments& a) {
  int tgid = static_cast<int>(a[0]);
  if (tgid <= 0) return SyscallReturn::Err(EINVAL);
  int sig = static_cast<int>(a[2]);
  siginfo_t info = kernel::MakeSigInfo(sig, SI_TKILL, t.tgid(), t.creds().uid);
  return SendToThread(t, tgid, static_cast<int>(a[1]), info);
}

// The siginfo an app passes to rt_(tg)sigqueueinfo: it may not pose as the
// kernel or as kill() when signalling another process.
ErrnoOr<siginfo_t> CopyInQueuedInfo(Task& t, uint64_t addr, int sig, bool to_self) {
  siginfo_t info;
  if (!t.mm().CopyIn(addr, &info, sizeof(info)).ok()) return Errno(EFAULT);
  if ((info.si_code >= 0 || info.si_code == SI_TKILL) && !to_self) return Errno(EPERM);
  info.si_signo = sig;
  return info;
}

SyscallReturn RtSigqueueinfo(Task& t, const SyscallArguments& a) {
  int pid = static_cast<int>(a[0]);
  int sig = static_cast<int>(a[1]);
  if (sig != 0 && !ValidSignal(sig)) return SyscallReturn::Err(EINVAL);
  auto info = CopyInQueuedInfo(t, a[2], sig, pid == t.tgid());
  if (!info.ok()) return SyscallReturn::From(info.error());
  kernel::Kernel& k = t.kernel();
  absl::MutexLock l(&k.mu());
  ThreadGroup* tg = k.ThreadGroupLocked(pid);
  if (tg == nullptr || tg->zombie) return SyscallReturn::Err(ESRCH);
  return SendToGroups(t, {tg}, *info);
}

SyscallReturn RtTgsigqueueinfo(Task& t, const SyscallArguments& a) {
  int tgid = static_cast<int>(a[0]);
  int tid = static_cast<int>(a[1]);
  int sig = static_cast<int>(a[2]);
  if (tgid <= 0 || tid <= 0) return SyscallReturn::Err(EINVAL);
  if (sig != 0 && !ValidSignal(sig)) return SyscallReturn::Err(EINVAL);
  auto info = CopyInQueuedInfo(t, a[3], sig, tgid == t.tgid());
  if (!info.ok()) return SyscallReturn::From(info.error());
  return SendToThread(t, tgid, tid, *info);
}

SyscallReturn RtSigpending(Task& t, const SyscallArguments& a) {
  if (a[1] > kSigSetSize) return SyscallReturn::Err(EINVAL);
  SigSet set;
  {
    absl::MutexLock l(&t.kernel().mu());
    set = (t.pending().set() | t.tg().pending.set()) & t.signal_mask();
  }
  if (!t.mm().CopyOut(a[0], &set, a[1]).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn RtSigsuspend(Task& t, const SyscallArguments& a) {
  if (a[1] != kSigSetSize) return SyscallReturn::Err(EINVAL);
  SigSet mask;
  if (!t.mm().CopyIn(a[0], &mask, sizeof(mask)).ok()) return SyscallReturn::Err(EFAULT);
  {
    absl::MutexLock l(&t.kernel().mu());
    t.SetSavedMaskLocked(mask);
  }
  while (t.Block().ok()) {
  }
  return SyscallReturn::Err(kERestartNoHand);
}

SyscallReturn Pause(Task& t, const SyscallArguments&) {
  while (t.Block().ok()) {
  }
  return SyscallReturn::Err(kERestartNoHand);
}

SyscallReturn RtSigtimedwait(Task& t, const SyscallArguments& a) {
  if (a[3] != kSigSetSize) return SyscallReturn::Err(EINVAL);
  SigSet set;
  if (!t.mm().CopyIn(a[0], &set, sizeof(set)).ok()) return SyscallReturn::Err(EFAULT);
  set &= ~kernel::kUnblockable;
  absl::Time deadline = absl::InfiniteFuture();
  if (a[2] != 0) {
    auto d = CopyInTimespecDuration(t, a[2]);
    if (!d.ok()) return SyscallReturn::From(d.error());
    deadline = absl::Now() + *d;
  }
  siginfo_t info;
  kernel::Kernel& k = t.kernel();
  {
    absl::MutexLock l(&k.mu());
    if (t.pending().Dequeue(~set, &info) || t.tg().pending.Dequeue(~set, &info)) {
      goto got;
    }
    t.SetSigwaitSetLocked(set);
  }
  for (;;) {
    ErrnoResult b = t.Block(deadline);
    absl::MutexLock l(&k.mu());
    if (t.pending().Dequeue(~set, &info) || t.tg().pending.Dequeue(~set, &info)) {
      t.SetSigwaitSetLocked(0);
      goto got;
    }
    if (b.ok()) continue;
    if (b.error().value() == ETIMEDOUT) {
      t.SetSigwaitSetLocked(0);
      return SyscallReturn::Err(EAGAIN);
    }
    if (t.NeedsAttentionLocked()) {
      t.SetSigwaitSetLocked(0);
      return SyscallReturn::Err(EINTR);
    }
    t.ClearStaleInterruptLocked();
  }
got:
  if (a[1] != 0 && !t.mm().CopyOut(a[1], &info, sizeof(info)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(info.si_signo);
}

SyscallReturn RestartSyscall(Task& t, const SyscallArguments&) {
  if (!t.restart_block) return SyscallReturn::Err(EINTR);
  auto fn = std::move(t.restart_block);
  t.restart_block = nullptr;
  return fn(t);
}

}  // namespace

void RegisterSignal(SyscallTable& t) {
  t.Register(SYS_rt_sigaction, RtSigaction);
  t.Register(SYS_rt_sigprocmask, RtSigprocmask);
  t.Register(SYS_rt_sigreturn, RtSigreturn);
  t.Register(SYS_sigaltstack, Sigaltstack);
  t.Register(SYS_kill, Kill);
  t.Register(SYS_tkill, Tkill);
  t.Register(SYS_tgkill, Tgkill);
  t.Register(SYS_rt_sigqueueinfo, RtSigqueueinfo);
  t.Register(SYS_rt_tgsigqueueinfo, RtTgsigqueueinfo);
  t.Register(SYS_rt_sigpending, RtSigpending);
  t.Register(SYS_rt_sigsuspend, RtSigsuspend);
  t.Register(SYS_pause, Pause);
  t.Register(SYS_rt_sigtimedwait, RtSigtimedwait);
  t.Register(SYS_restart_syscall, RestartSyscall);
}

}  // namespace sentry::syscalls
