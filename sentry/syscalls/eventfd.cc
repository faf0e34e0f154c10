// eventfd(2), eventfd2(2).
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "sentry/kernel/eventfd.h"
#include "sentry/syscalls/fd_util.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

SyscallReturn NewEventFd(Task& t, uint64_t initval, uint64_t flags) {
  if ((flags & ~uint64_t{EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE}) != 0) {
    return SyscallReturn::Err(EINVAL);
  }
  auto f = std::make_shared<kernel::EventFdFile>(initval & 0xffffffffu,
                                                 (flags & EFD_SEMAPHORE) != 0,
                                                 static_cast<uint32_t>(flags & EFD_NONBLOCK));
  return InstallFd(t, std::move(f), (flags & EFD_CLOEXEC) != 0);
}

SyscallReturn Eventfd(Task& t, const SyscallArguments& a) { return NewEventFd(t, a[0], 0); }
SyscallReturn Eventfd2(Task& t, const SyscallArguments& a) {
  return NewEventFd(t, a[0], a[1] & 0xffffffffu);
}

}  // namespace

void RegisterEventfd(SyscallTable& t) {
  t.Register(SYS_eventfd, Eventfd);
  t.Register(SYS_eventfd2, Eventfd2);
}

}  // namespace sentry::syscalls
