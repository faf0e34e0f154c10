// Process identity and lifetime: exit, ids, arch_prctl, uname, rlimits.
#include <asm/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstring>

#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

SyscallReturn Exit(Task& t, const SyscallArguments& a) {
  // One thread per process for now: exit ends the process like exit_group.
  t.Exit(static_cast<int>(a[0]));
  return SyscallReturn::Ok(0);
}

// The init process of a fresh PID namespace.
SyscallReturn Getpid(Task&, const SyscallArguments&) { return SyscallReturn::Ok(1); }
SyscallReturn Getppid(Task&, const SyscallArguments&) { return SyscallReturn::Ok(0); }
SyscallReturn Getuid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().uid); }
SyscallReturn Geteuid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().euid); }
SyscallReturn Getgid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().gid); }
SyscallReturn Getegid(Task& t, const SyscallArguments&) { return SyscallReturn::Ok(t.creds().egid); }

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
  return SyscallReturn::Ok(1);  // the tid
}

SyscallReturn SetRobustList(Task& t, const SyscallArguments& a) {
  // sizeof(struct robust_list_head) on x86-64.
  if (a[1] != 24) return SyscallReturn::Err(EINVAL);
  t.robust_list_head = a[0];
  t.robust_list_len = a[1];
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
  const kernel::UtsInfo& i = t.uts();
  CopyField(u.sysname, i.sysname);
  CopyField(u.nodename, i.hostname);
  CopyField(u.release, i.release);
  CopyField(u.version, i.version);
  CopyField(u.machine, i.machine);
  CopyField(u.domainname, i.domainname);
  if (!t.mm().CopyOut(a[0], &u, sizeof(u)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

// Fixed limits, like a fresh Linux login: stack 8 MiB soft, nofile 1024
// soft / 4096 hard (Debian's defaults), everything else unlimited.
struct rlimit LimitFor(int resource) {
  struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
  switch (resource) {
    case RLIMIT_STACK: r.rlim_cur = 8 << 20; break;
    case RLIMIT_NOFILE: r.rlim_cur = 1024; r.rlim_max = 4096; break;
    case RLIMIT_CORE: r.rlim_cur = 0; break;
    case RLIMIT_MEMLOCK: r.rlim_cur = r.rlim_max = 8 << 20; break;
    default: break;
  }
  return r;
}

SyscallReturn Getrlimit(Task& t, const SyscallArguments& a) {
  int res = static_cast<int>(a[0]);
  if (res < 0 || res >= RLIM_NLIMITS) return SyscallReturn::Err(EINVAL);
  struct rlimit r = LimitFor(res);
  if (!t.mm().CopyOut(a[1], &r, sizeof(r)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn Prlimit64(Task& t, const SyscallArguments& a) {
  int pid = static_cast<int>(a[0]);
  if (pid != 0 && pid != 1) return SyscallReturn::Err(ESRCH);
  int res = static_cast<int>(a[1]);
  if (res < 0 || res >= RLIM_NLIMITS) return SyscallReturn::Err(EINVAL);
  if (a[2] != 0) {
    // Setting limits is not supported yet.
    return SyscallReturn::Err(EPERM);
  }
  if (a[3] != 0) {
    struct rlimit r = LimitFor(res);
    if (!t.mm().CopyOut(a[3], &r, sizeof(r)).ok()) return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

}  // namespace

void RegisterProcess(SyscallTable& t) {
  t.Register(SYS_exit, Exit);
  t.Register(SYS_exit_group, Exit);
  t.Register(SYS_getpid, Getpid);
  t.Register(SYS_gettid, Getpid);
  t.Register(SYS_getppid, Getppid);
  t.Register(SYS_getuid, Getuid);
  t.Register(SYS_geteuid, Geteuid);
  t.Register(SYS_getgid, Getgid);
  t.Register(SYS_getegid, Getegid);
  t.Register(SYS_arch_prctl, ArchPrctl);
  t.Register(SYS_set_tid_address, SetTidAddress);
  t.Register(SYS_set_robust_list, SetRobustList);
  t.Register(SYS_uname, Uname);
  t.Register(SYS_getrlimit, Getrlimit);
  t.Register(SYS_prlimit64, Prlimit64);
}

}  // namespace sentry::syscalls
