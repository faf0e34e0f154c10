// signalfd(2), signalfd4(2).
#include <sys/signalfd.h>
#include <sys/syscall.h>

#include "sentry/kernel/signalfd.h"
#include "sentry/syscalls/fd_util.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

constexpr uint64_t kSigSetSize = 8;

SyscallReturn DoSignalfd(Task& t, uint64_t fd, uint64_t mask_addr, uint64_t sizemask,
                         uint64_t flags) {
  if ((flags & ~uint64_t{SFD_CLOEXEC | SFD_NONBLOCK}) != 0) return SyscallReturn::Err(EINVAL);
  if (sizemask != kSigSetSize) return SyscallReturn::Err(EINVAL);
  kernel::SigSet mask;
  if (!t.mm().CopyIn(mask_addr, &mask, sizeof(mask)).ok()) return SyscallReturn::Err(EFAULT);
  const int ufd = static_cast<int>(fd);
  if (ufd != -1) {
    auto f = t.fds().Get(ufd);
    if (!f) return SyscallReturn::Err(EBADF);
    auto sf = std::dynamic_pointer_cast<kernel::SignalFdFile>(f);
    if (!sf) return SyscallReturn::Err(EINVAL);
    sf->SetMask(mask);
    return SyscallReturn::Ok(ufd);
  }
  auto f = std::make_shared<kernel::SignalFdFile>(mask, static_cast<uint32_t>(flags & SFD_NONBLOCK));
  return InstallFd(t, std::move(f), (flags & SFD_CLOEXEC) != 0);
}

SyscallReturn Signalfd(Task& t, const SyscallArguments& a) {
  return DoSignalfd(t, a[0], a[1], a[2], 0);
}
SyscallReturn Signalfd4(Task& t, const SyscallArguments& a) {
  return DoSignalfd(t, a[0], a[1], a[2], a[3] & 0xffffffffu);
}

}  // namespace

void RegisterSignalfd(SyscallTable& t) {
  t.Register(SYS_signalfd, Signalfd);
  t.Register(SYS_signalfd4, Signalfd4);
}

}  // namespace sentry::syscalls
