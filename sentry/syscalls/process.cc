// Process identity and lifetime: exit, ids, sessions and process groups,
// arch_prctl, uname, rlimits, set_tid_address, robust lists.
#include <asm/prctl.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

using kernel::ThreadGroup;

SyscallReturn Exit(Task& t, const SyscallArguments& a) {
  t.ExitThread(static_cast<int>(a[0]));
  return SyscallReturn::Ok(0);
}

SyscallReturn ExitGroup(Task& t, const SyscallArguments& a) {
  t.ExitGroup(static_cast<int>(a[0]));
  return SyscallReturn::Ok(0);
}

SyscallReturn Getpid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.tgid()); }
SyscallReturn Gettid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.tid()); }

SyscallReturn Getppid(Task& t, const SyscallArguments&) {
  absl::MutexLock l(&t.kernel().mu());
  ThreadGroup* p = t.tg().parent;
  return SyscallReturn::Ok(p == nullptr ? 0 : p->tgid);
}

// The process `pid` names for the *pgid/*sid calls (0 = the caller).
ThreadGroup* ProcessLocked(Task& t, int pid) {
  if (pid == 0) return &t.tg();
  ThreadGroup* tg = t.kernel().ThreadGroupLocked(pid);
  return (tg == nullptr || tg->zombie) ? nullptr : tg;
}

SyscallReturn Getpgid(Task& t, const SyscallArguments& a) {
  absl::MutexLock l(&t.kernel().mu());
  ThreadGroup* tg = ProcessLocked(t, static_cast<int>(a[0]));
  if (tg == nullptr) return SyscallReturn::Err(ESRCH);
  return SyscallReturn::Ok(tg->pgid);
}

SyscallReturn Getpgrp(Task& t, const SyscallArguments&) {
  absl::MutexLock l(&t.kernel().mu());
  return SyscallReturn::Ok(t.tg().pgid);
}

SyscallReturn Getsid(Task& t, const SyscallArguments& a) {
  absl::MutexLock l(&t.kernel().mu());
  ThreadGroup* tg = ProcessLocked(t, static_cast<int>(a[0]));
  if (tg == nullptr) return SyscallReturn::Err(ESRCH);
  return SyscallReturn::Ok(tg->sid);
}

SyscallReturn Setsid(Task& t, const SyscallArguments&) {
  kernel::Kernel& k = t.kernel();
  absl::MutexLock l(&k.mu());
  ThreadGroup& tg = t.tg();
  // EPERM if the caller already leads a process group.
  for (ThreadGroup* g : k.ThreadGroupsLocked()) {
    if (g->pgid == tg.tgid) return SyscallReturn::Err(EPERM);
  }
  tg.sid = tg.pgid = tg.tgid;
  return SyscallReturn::Ok(tg.sid);
}

SyscallReturn Setpgid(Task& t, const SyscallArguments& a) {
  int pid = static_cast<int>(a[0]);
  int pgid = static_cast<int>(a[1]);
  if (pgid < 0) return SyscallReturn::Err(EINVAL);
  kernel::Kernel& k = t.kernel();
  absl::MutexLock l(&k.mu());
  ThreadGroup& self = t.tg();
  ThreadGroup* target = ProcessLocked(t, pid);
  if (target == nullptr) return SyscallReturn::Err(ESRCH);
  if (target != &self && target->parent != &self) return SyscallReturn::Err(ESRCH);
  if (target->sid == target->tgid) return SyscallReturn::Err(EPERM);  // session leader
  if (target->sid != self.sid) return SyscallReturn::Err(EPERM);
  if (pgid == 0) pgid = target->tgid;
  if (pgid != target->tgid) {
    // The group must exist in the caller's session.
    bool found = false;
    for (ThreadGroup* g : k.ThreadGroupsLocked()) {
      if (g->pgid == pgid && g->sid == self.sid && !g->zombie) found = true;
    }
    if (!found) return SyscallReturn::Err(EPERM);
  }
  target->pgid = pgid;
  return SyscallReturn::Ok(0);
}

SyscallReturn ArchPrctl(Task& t, const SyscallArguments& a) {
  auto& regs = t.cpu().regs;
  switch (static_cast<int>(a[0])) {
    case ARCH_SET_FS:
      if (a[1] >= mm::kTaskSize) return SyscallReturn::Err(EPERM);
      regs.fs_base = a[1];
      return SyscallReturn::Ok(0);
    case ARCH_SET_GS:
      if (a[1] >= mm::kTaskSize) return SyscallReturn::Err(EPERM);
      regs.gs_base = a[1];
      return SyscallReturn::Ok(0);
    case ARCH_GET_FS: {
      uint64_t v = regs.fs_base;
      if (!t.mm().CopyOut(a[1], &v, sizeof(v)).ok()) return SyscallReturn::Err(EFAULT);
      return SyscallReturn::Ok(0);
    }
    case ARCH_GET_GS: {
      uint64_t v = regs.gs_base;
      if (!t.mm().CopyOut(a[1], &v, sizeof(v)).ok()) return SyscallReturn::Err(EFAULT);
      return SyscallReturn::Ok(0);
    }
    default:
      return SyscallReturn::Err(EINVAL);
  }
}

SyscallReturn SetTidAddress(Task& t, const SyscallArguments& a) {
  t.clear_child_tid = a[0];
  return SyscallReturn::Ok(t.tid());
}

SyscallReturn SetRobustList(Task& t, const SyscallArguments& a) {
  // sizeof(struct robust_list_head) on x86-64.
  if (a[1] != 24) return SyscallReturn::Err(EINVAL);
  t.robust_list_head = a[0];
  t.robust_list_len = a[1];
  return SyscallReturn::Ok(0);
}

SyscallReturn GetRobustList(Task& t, const SyscallArguments& a) {
  uint64_t head = 0, len = 0;
  int pid = static_cast<int>(a[0]);
  if (pid == 0 || pid == t.tid()) {
    head = t.robust_list_head;
    len = t.robust_list_len;
  } else {
    absl::MutexLock l(&t.kernel().mu());
    kernel::Task* o = t.kernel().TaskLocked(pid);
    if (o == nullptr) return SyscallReturn::Err(ESRCH);
    head = o->robust_list_head;
    len = o->robust_list_len;
  }
  if (!t.mm().CopyOut(a[1], &head, sizeof(head)).ok()) return SyscallReturn::Err(EFAULT);
  if (!t.mm().CopyOut(a[2], &len, sizeof(len)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

void CopyField(char* dst, const std::string& src) {
  size_t n = std::min(src.size(), static_cast<size_t>(_UTSNAME_LENGTH - 1));
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

SyscallReturn Uname(Task& t, const SyscallArguments& a) {
  struct utsname u;
  std::memset(&u, 0, sizeof(u));
  const kernel::UtsInfo i = t.uts();
  CopyField(u.sysname, i.sysname);
  CopyField(u.nodename, i.hostname);
  CopyField(u.release, i.release);
  CopyField(u.version, i.version);
  CopyField(u.machine, i.machine);
  CopyField(u.domainname, i.domainname);
  if (!t.mm().CopyOut(a[0], &u, sizeof(u)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

constexpr int32_t kUtsNameMax = 64;  // __NEW_UTS_LEN

// sethostname(2) / setdomainname(2): CAP_SYS_ADMIN, at most 64 bytes.
SyscallReturn SetUtsName(Task& t, uint64_t addr, uint64_t len, bool host) {
  {
    absl::MutexLock l(&t.kernel().mu());
    if ((t.creds().cap_effective & (1ull << CAP_SYS_ADMIN)) == 0) return SyscallReturn::Err(EPERM);
  }
  const auto n = static_cast<int32_t>(len);
  if (n < 0 || n > kUtsNameMax) return SyscallReturn::Err(EINVAL);
  std::string name(static_cast<size_t>(n), '\0');
  if (!t.mm().CopyIn(addr, name.data(), name.size()).ok()) return SyscallReturn::Err(EFAULT);
  if (host) {
    t.kernel().SetHostname(std::move(name));
  } else {
    t.kernel().SetDomainname(std::move(name));
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Sethostname(Task& t, const SyscallArguments& a) {
  return SetUtsName(t, a[0], a[1], true);
}
SyscallReturn Setdomainname(Task& t, const SyscallArguments& a) {
  return SetUtsName(t, a[0], a[1], false);
}

// prlimit64's core: reads the old limit and installs the new one of
// `tg`, with setrlimit(2)'s checks. Needs the kernel lock.
ErrnoResult SwapLimitLocked(Task& t, ThreadGroup& tg, int res, const struct rlimit* next,
                            struct rlimit* old) {
  struct rlimit& cur = tg.limits[res];
  if (old != nullptr) *old = cur;
  if (next == nullptr) return {};
  if (next->rlim_cur > next->rlim_max) return Errno(EINVAL);
  constexpr uint64_t kCapSysResource = 1ull << 24;
  if (next->rlim_max > cur.rlim_max && (t.creds().cap_effective & kCapSysResource) == 0) {
    return Errno(EPERM);
  }
  // Linux's fs.nr_open bound.
  if (res == RLIMIT_NOFILE && next->rlim_max > 1048576) return Errno(EPERM);
  cur = *next;
  if (res == RLIMIT_STACK && !tg.tasks.empty()) tg.tasks.front()->mm().SetStackLimit(cur.rlim_cur);
  return {};
}

SyscallReturn Getrlimit(Task& t, const SyscallArguments& a) {
  int res = static_cast<int>(a[0]);
  if (res < 0 || res >= RLIM_NLIMITS) return SyscallReturn::Err(EINVAL);
  struct rlimit r;
  {
    absl::MutexLock l(&t.kernel().mu());
    r = t.tg().limits[res];
  }
  if (!t.mm().CopyOut(a[1], &r, sizeof(r)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn Setrlimit(Task& t, const SyscallArguments& a) {
  int res = static_cast<int>(a[0]);
  if (res < 0 || res >= RLIM_NLIMITS) return SyscallReturn::Err(EINVAL);
  struct rlimit r;
  if (!t.mm().CopyIn(a[1], &r, sizeof(r)).ok()) return SyscallReturn::Err(EFAULT);
  absl::MutexLock l(&t.kernel().mu());
  ErrnoResult e = SwapLimitLocked(t, t.tg(), res, &r, nullptr);
  return e.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(e.error());
}

SyscallReturn Prlimit64(Task& t, const SyscallArguments& a) {
  int pid = static_cast<int>(a[0]);
  int res = static_cast<int>(a[1]);
  if (res < 0 || res >= RLIM_NLIMITS) return SyscallReturn::Err(EINVAL);
  struct rlimit next;
  if (a[2] != 0 && !t.mm().CopyIn(a[2], &next, sizeof(next)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  struct rlimit old;
  {
    absl::MutexLock l(&t.kernel().mu());
    ThreadGroup* tg = ProcessLocked(t, pid);
    if (tg == nullptr) {
      if (kernel::Task* o = t.kernel().TaskLocked(pid)) tg = &o->tg();
    }
    if (tg == nullptr) return SyscallReturn::Err(ESRCH);
    ErrnoResult e = SwapLimitLocked(t, *tg, res, a[2] != 0 ? &next : nullptr, &old);
    if (!e.ok()) return SyscallReturn::From(e.error());
  }
  if (a[3] != 0 && !t.mm().CopyOut(a[3], &old, sizeof(old)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Umask(Task& t, const SyscallArguments& a) {
  auto& fs = *t.fs();
  absl::MutexLock l(&fs.mu);
  uint32_t old = fs.umask;
  fs.umask = static_cast<uint32_t>(a[0]) & 0777;
  return SyscallReturn::Ok(old);
}

// personality(2): PER_LINUX only. 0xffffffff queries; flags such as
// ADDR_NO_RANDOMIZE are accepted and recorded (the Sentry's layout does not
// randomize anyway), other execution domains are EINVAL.
SyscallReturn Personality(Task& t, const SyscallArguments& a) {
  const uint32_t want = static_cast<uint32_t>(a[0]);
  absl::MutexLock l(&t.kernel().mu());
  uint32_t& cur = t.tg().personality;
  const uint32_t old = cur;
  if (want == 0xffffffffu) return SyscallReturn::Ok(old);
  if ((want & 0xff) != 0) return SyscallReturn::Err(EINVAL);  // PER_MASK: not PER_LINUX
  cur = want;
  return SyscallReturn::Ok(old);
}

}  // namespace

void RegisterProcess(SyscallTable& t) {
  t.Register(SYS_exit, Exit);
  t.Register(SYS_exit_group, ExitGroup);
  t.Register(SYS_getpid, Getpid);
  t.Register(SYS_gettid, Gettid);
  t.Register(SYS_getppid, Getppid);
  t.Register(SYS_getpgid, Getpgid);
  t.Register(SYS_getpgrp, Getpgrp);
  t.Register(SYS_getsid, Getsid);
  t.Register(SYS_setsid, Setsid);
  t.Register(SYS_setpgid, Setpgid);
  t.Register(SYS_arch_prctl, ArchPrctl);
  t.Register(SYS_set_tid_address, SetTidAddress);
  t.Register(SYS_set_robust_list, SetRobustList);
  t.Register(SYS_get_robust_list, GetRobustList);
  t.Register(SYS_uname, Uname);
  t.Register(SYS_sethostname, Sethostname);
  t.Register(SYS_setdomainname, Setdomainname);
  t.Register(SYS_getrlimit, Getrlimit);
  t.Register(SYS_setrlimit, Setrlimit);
  t.Register(SYS_prlimit64, Prlimit64);
  t.Register(SYS_umask, Umask);
  t.Register(SYS_personality, Personality);
}

}  // namespace sentry::syscalls
