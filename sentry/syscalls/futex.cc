// futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET,
// WAKE_BITSET, private and shared, with timeouts. The queues live in
// kernel/futex.h. The PI operations (LOCK_PI, LOCK_PI2, UNLOCK_PI,
// TRYLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI) return ENOSYS.
#include <linux/futex.h>
#include <sys/syscall.h>

#include <cerrno>
#include <ctime>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {
namespace {

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

// Waits and maps the result to the syscall's. A signal interrupts an
// untimed wait with ERESTARTSYS; a timed one (Linux's futex_wait_restart)
// with ERESTART_RESTARTBLOCK, restarting with the same absolute deadline.
SyscallReturn DoWait(Task& t, uint64_t addr, bool is_private, uint32_t val, uint32_t bitset,
                     absl::Time deadline) {
  ErrnoResult r = t.kernel().futex().Wait(t, addr, is_private, val, bitset, deadline);
  if (r.ok()) return SyscallReturn::Ok(0);
  if (r.error().value() != EINTR) return SyscallReturn::From(r.error());
  if (deadline == absl::InfiniteFuture()) return SyscallReturn::Err(kernel::kERestartSys);
  t.restart_block = [addr, is_private, val, bitset, deadline](Task& rt) {
    return DoWait(rt, addr, is_private, val, bitset, deadline);
  };
  return SyscallReturn::Err(kernel::kERestartRestartBlock);
}

SyscallReturn Futex(Task& t, const SyscallArguments& a) {
  const uint64_t addr = a[0];
  const int op = static_cast<int>(a[1]);
  const int cmd = op & FUTEX_CMD_MASK;
  const bool is_private = (op & FUTEX_PRIVATE_FLAG) != 0;
  const bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
  const uint32_t val = static_cast<uint32_t>(a[2]);
  // The timeout slot is a pointer for the waits and the count val2 for the
  // requeues and WAKE_OP.
  const int val2 = static_cast<int>(static_cast<uint32_t>(a[3]));
  const uint64_t addr2 = a[4];
  const uint32_t val3 = static_cast<uint32_t>(a[5]);
  kernel::FutexManager& fm = t.kernel().futex();

  // Timeouts are read and checked first (as Linux's sys_futex does).
  absl::Time deadline = absl::InfiniteFuture();
  if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && a[3] != 0) {
    struct timespec ts;
    if (!t.mm().CopyIn(a[3], &ts, sizeof(ts)).ok()) return SyscallReturn::Err(EFAULT);
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) {
      return SyscallReturn::Err(EINVAL);
    }
    if (cmd == FUTEX_WAIT) {
      deadline = absl::Now() + absl::DurationFromTimespec(ts);  // relative
    } else if (realtime) {
      deadline = absl::TimeFromTimespec(ts);  // absolute CLOCK_REALTIME
    } else {
      // Absolute CLOCK_MONOTONIC, turned into a host deadline.
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      deadline = absl::Now() + (absl::DurationFromTimespec(ts) - absl::DurationFromTimespec(now));
    }
  }
  // Since 5.13 (the 4.5 FUTEX_WAIT exception was reverted) only these
  // take FUTEX_CLOCK_REALTIME.
  if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
      cmd != FUTEX_LOCK_PI2) {
    return SyscallReturn::Err(ENOSYS);
  }

  switch (cmd) {
    case FUTEX_WAIT:
      return DoWait(t, addr, is_private, val, kernel::kFutexBitsetAny, deadline);
    case FUTEX_WAIT_BITSET:
      return DoWait(t, addr, is_private, val, val3, deadline);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      const uint32_t bitset = cmd == FUTEX_WAKE ? kernel::kFutexBitsetAny : val3;
      auto woken = fm.Wake(t.mm(), addr, is_private, bitset, static_cast<int>(val));
      if (!woken.ok()) return SyscallReturn::From(woken.error());
      return SyscallReturn::Ok(*woken);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      std::optional<uint32_t> cmpval;
      if (cmd == FUTEX_CMP_REQUEUE) cmpval = val3;
      auto n = fm.Requeue(t.mm(), addr, addr2, is_private, static_cast<int>(val), val2, cmpval);
      if (!n.ok()) return SyscallReturn::From(n.error());
      return SyscallReturn::Ok(*n);
    }
    case FUTEX_WAKE_OP: {
      auto n = fm.WakeOp(t.mm(), addr, addr2, is_private, static_cast<int>(val), val2, val3);
      if (!n.ok()) return SyscallReturn::From(n.error());
      return SyscallReturn::Ok(*n);
    }
    case FUTEX_CMP_REQUEUE_PI:
      // Linux refuses requeueing a PI futex onto itself before anything.
      if (addr == addr2) return SyscallReturn::Err(EINVAL);
      return SyscallReturn::Err(ENOSYS);
    default:
      // FUTEX_FD (removed in 2.6.26), the PI operations, unknown commands.
      return SyscallReturn::Err(ENOSYS);
  }
}

}  // namespace

void RegisterFutex(SyscallTable& t) { t.Register(SYS_futex, Futex); }

}  // namespace sentry::syscalls
