// futex(2): the operations glibc's threads need. The queues live in
// kernel/futex.h.
#include <linux/futex.h>
#include <sys/syscall.h>

#include <cerrno>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {
namespace {

SyscallReturn Futex(Task& t, const SyscallArguments& a) {
  const uint64_t addr = a[0];
  const int op = static_cast<int>(a[1]);
  const int cmd = op & FUTEX_CMD_MASK;
  const bool is_private = (op & FUTEX_PRIVATE_FLAG) != 0;
  const uint32_t val = static_cast<uint32_t>(a[2]);
  kernel::FutexManager& fm = t.kernel().futex();
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      uint32_t bitset = cmd == FUTEX_WAIT ? kernel::kFutexBitsetAny : static_cast<uint32_t>(a[5]);
      absl::Time deadline = absl::InfiniteFuture();
      if (a[3] != 0) {
        if (cmd == FUTEX_WAIT) {
          auto d = CopyInTimespecDuration(t, a[3]);
          if (!d.ok()) return SyscallReturn::From(d.error());
          deadline = absl::Now() + *d;
        } else {
          struct timespec ts;
          if (!t.mm().CopyIn(a[3], &ts, sizeof(ts)).ok()) return SyscallReturn::Err(EFAULT);
          if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) {
            return SyscallReturn::Err(EINVAL);
          }
          // Absolute, on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME.
          absl::Time when = absl::TimeFromTimespec(ts);
          if ((op & FUTEX_CLOCK_REALTIME) == 0) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            deadline = absl::Now() + (when - absl::TimeFromTimespec(now));
          } else {
            deadline = when;
          }
        }
      }
      ErrnoResult r = fm.Wait(t, addr, is_private, val, bitset, deadline);
      if (r.ok()) return SyscallReturn::Ok(0);
      if (r.error().value() == EINTR) return SyscallReturn::Err(kernel::kERestartSys);
      return SyscallReturn::From(r.error());
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      uint32_t bitset = cmd == FUTEX_WAKE ? kernel::kFutexBitsetAny : static_cast<uint32_t>(a[5]);
      int n = static_cast<int>(val);
      if (n <= 0) n = n == 0 ? 0 : INT32_MAX;
      auto woken = fm.Wake(t.mm(), addr, is_private, bitset, n);
      if (!woken.ok()) return SyscallReturn::From(woken.error());
      return SyscallReturn::Ok(*woken);
    }
    default:
      return SyscallReturn::Err(ENOSYS);
  }
}

}  // namespace

void RegisterFutex(SyscallTable& t) { t.Register(SYS_futex, Futex); }

}  // namespace sentry::syscalls
