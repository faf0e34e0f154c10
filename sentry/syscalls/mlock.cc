// mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2).
//
// The Sentry never pages app memory out, so locking changes nothing about
// residency: these calls check what Linux checks (alignment, mapped range,
// flags, RLIMIT_MEMLOCK without CAP_IPC_LOCK) and succeed. Lock counts are
// not tracked (VmLck reads 0).
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "sentry/kernel/kernel.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

constexpr uint64_t kPage = 4096;

bool HasIpcLock(Task& t) {
  absl::MutexLock l(&t.kernel().mu());
  return (t.creds().cap_effective & (1ull << CAP_IPC_LOCK)) != 0;
}

// ENOMEM unless every page of [start, end) lies in a Vma.
ErrnoResult CheckMapped(Task& t, uint64_t start, uint64_t end) {
  uint64_t covered = start;
  for (const mm::Vma& v : t.mm().Vmas()) {
    if (v.end <= covered) continue;
    if (v.start > covered) break;
    covered = v.end;
    if (covered >= end) return {};
  }
  return covered >= end ? ErrnoResult{} : Errno(ENOMEM);
}

SyscallReturn DoMlock(Task& t, uint64_t addr, uint64_t len, uint64_t flags) {
  if ((flags & ~uint64_t{MLOCK_ONFAULT}) != 0) return SyscallReturn::Err(EINVAL);
  const uint64_t start = addr & ~(kPage - 1);
  if (len > UINT64_MAX - (addr - start) - kPage) return SyscallReturn::Err(ENOMEM);
  const uint64_t end = (addr + len + kPage - 1) & ~(kPage - 1);
  if (end <= start) return SyscallReturn::Ok(0);
  if (!HasIpcLock(t)) {
    uint64_t limit;
    {
      absl::MutexLock l(&t.kernel().mu());
      limit = t.tg().limits[RLIMIT_MEMLOCK].rlim_cur;
    }
    if (limit == 0) return SyscallReturn::Err(EPERM);
    if (end - start > limit) return SyscallReturn::Err(ENOMEM);
  }
  if (ErrnoResult r = CheckMapped(t, start, end); !r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(0);
}

SyscallReturn Mlock(Task& t, const SyscallArguments& a) { return DoMlock(t, a[0], a[1], 0); }
SyscallReturn Mlock2(Task& t, const SyscallArguments& a) {
  return DoMlock(t, a[0], a[1], a[2] & 0xffffffffu);
}

SyscallReturn Munlock(Task& t, const SyscallArguments& a) {
  const uint64_t start = a[0] & ~(kPage - 1);
  if (a[1] > UINT64_MAX - (a[0] - start) - kPage) return SyscallReturn::Err(ENOMEM);
  const uint64_t end = (a[0] + a[1] + kPage - 1) & ~(kPage - 1);
  if (end <= start) return SyscallReturn::Ok(0);
  if (ErrnoResult r = CheckMapped(t, start, end); !r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(0);
}

SyscallReturn Mlockall(Task& t, const SyscallArguments& a) {
  const uint64_t flags = a[0] & 0xffffffffu;
  if (flags == 0 || (flags & ~uint64_t{MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT}) != 0 ||
      flags == MCL_ONFAULT) {
    return SyscallReturn::Err(EINVAL);
  }
  if (!HasIpcLock(t)) {
    absl::MutexLock l(&t.kernel().mu());
    if (t.tg().limits[RLIMIT_MEMLOCK].rlim_cur == 0) return SyscallReturn::Err(EPERM);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Munlockall(Task&, const SyscallArguments&) { return SyscallReturn::Ok(0); }

}  // namespace

void RegisterMlock(SyscallTable& t) {
  t.Register(SYS_mlock, Mlock);
  t.Register(SYS_mlock2, Mlock2);
  t.Register(SYS_munlock, Munlock);
  t.Register(SYS_mlockall, Mlockall);
  t.Register(SYS_munlockall, Munlockall);
}

}  // namespace sentry::syscalls
