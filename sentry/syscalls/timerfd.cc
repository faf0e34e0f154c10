// timerfd_create(2), timerfd_settime(2), timerfd_gettime(2).
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "sentry/kernel/timerfd.h"
#include "sentry/syscalls/fd_util.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {
namespace {

constexpr uint64_t kSettimeFlags = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;

SyscallReturn TimerfdCreate(Task& t, const SyscallArguments& a) {
  const auto clock = static_cast<clockid_t>(a[0]);
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
      break;
    case CLOCK_REALTIME_ALARM:
    case CLOCK_BOOTTIME_ALARM: {
      absl::MutexLock l(&t.kernel().mu());
      if ((t.creds().cap_effective & (1ull << CAP_WAKE_ALARM)) == 0) {
        return SyscallReturn::Err(EPERM);
      }
      break;
    }
    default:
      return SyscallReturn::Err(EINVAL);
  }
  const uint64_t flags = a[1] & 0xffffffffu;
  if ((flags & ~uint64_t{TFD_CLOEXEC | TFD_NONBLOCK}) != 0) return SyscallReturn::Err(EINVAL);
  auto f = std::make_shared<kernel::TimerFdFile>(clock, static_cast<uint32_t>(flags & TFD_NONBLOCK));
  return InstallFd(t, std::move(f), (flags & TFD_CLOEXEC) != 0);
}

// The timerfd behind `fd`: EBADF, or EINVAL if it is another kind of file.
ErrnoOr<std::shared_ptr<kernel::TimerFdFile>> TimerFdOf(Task& t, uint64_t fd) {
  auto f = t.fds().Get(static_cast<int>(fd));
  if (!f) return Errno(EBADF);
  auto tf = std::dynamic_pointer_cast<kernel::TimerFdFile>(f);
  if (!tf) return Errno(EINVAL);
  return tf;
}

SyscallReturn TimerfdSettime(Task& t, const SyscallArguments& a) {
  const uint64_t flags = a[1] & 0xffffffffu;
  auto tf = TimerFdOf(t, a[0]);
  if (!tf.ok()) return SyscallReturn::From(tf.error());
  if ((flags & ~kSettimeFlags) != 0) return SyscallReturn::Err(EINVAL);
  ErrnoOr<kernel::TimerValue> v = CopyInItimerspec(t, a[2]);
  if (!v.ok()) return SyscallReturn::From(v.error());
  kernel::TimerValue old = (*tf)->Set((flags & TFD_TIMER_ABSTIME) != 0, *v);
  if (a[3] != 0) {
    struct itimerspec o = AppItimerspec(old);
    if (!t.mm().CopyOut(a[3], &o, sizeof(o)).ok()) return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn TimerfdGettime(Task& t, const SyscallArguments& a) {
  auto tf = TimerFdOf(t, a[0]);
  if (!tf.ok()) return SyscallReturn::From(tf.error());
  struct itimerspec its = AppItimerspec((*tf)->Get());
  if (!t.mm().CopyOut(a[1], &its, sizeof(its)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

}  // namespace

void RegisterTimerfd(SyscallTable& t) {
  t.Register(SYS_timerfd_create, TimerfdCreate);
  t.Register(SYS_timerfd_settime, TimerfdSettime);
  t.Register(SYS_timerfd_gettime, TimerfdGettime);
}

}  // namespace sentry::syscalls
