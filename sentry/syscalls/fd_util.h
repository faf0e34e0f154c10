// fd_util.h: helpers for syscalls that create file descriptors.
#ifndef SENTRY_SYSCALLS_FD_UTIL_H_
#define SENTRY_SYSCALLS_FD_UTIL_H_

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"

namespace sentry::syscalls {

// Linux's fs.nr_open: no fd reaches it whatever RLIMIT_NOFILE says.
inline constexpr uint64_t kNrOpen = 1 << 20;

// RLIMIT_NOFILE's soft limit (capped by nr_open): every new fd is below it.
inline int FdLimit(kernel::Task& t) {
  uint64_t cur;
  {
    absl::MutexLock l(&t.kernel().mu());
    cur = t.tg().limits[RLIMIT_NOFILE].rlim_cur;
  }
  return static_cast<int>(std::min<uint64_t>(cur, kNrOpen));
}

// Installs `f` at the lowest free fd: the fd, or EMFILE.
inline kernel::SyscallReturn InstallFd(kernel::Task& t, std::shared_ptr<kernel::File> f,
                                       bool cloexec) {
  auto fd = t.fds().Install(std::move(f), cloexec, 0, FdLimit(t));
  if (!fd.ok()) return kernel::SyscallReturn::From(fd.error());
  return kernel::SyscallReturn::Ok(*fd);
}

}  // namespace sentry::syscalls

#endif  // SENTRY_SYSCALLS_FD_UTIL_H_
