// epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
// epoll_pwait2 over kernel::EpollFile (sentry/kernel/epoll.h).
//
// Like Linux, an interrupted epoll_wait returns EINTR (never restarted);
// epoll_pwait/epoll_pwait2 keep their temporary signal mask until the
// handler ran.
#include <sys/epoll.h>
#include <sys/syscall.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "sentry/kernel/epoll.h"
#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/poll_util.h"
#include "sentry/syscalls/fd_util.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {
namespace {

using kernel::EpollFile;

// struct epoll_event as x86-64 lays it out (packed: 12 bytes).
struct __attribute__((packed)) AppEpollEvent {
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(AppEpollEvent) == 12);

constexpr int kMaxEvents = INT_MAX / static_cast<int>(sizeof(AppEpollEvent));
// Linux's EPOLLEXCLUSIVE_OK_BITS.
constexpr uint32_t kExclusiveOk = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET |
                                  EPOLLEXCLUSIVE;
SyscallReturn NewEpoll(Task& t, bool cloexec) {
  return InstallFd(t, std::make_shared<EpollFile>(), cloexec);
}

SyscallReturn EpollCreate(Task& t, const SyscallArguments& a) {
  if (static_cast<int>(a[0]) <= 0) return SyscallReturn::Err(EINVAL);
  return NewEpoll(t, false);
}

SyscallReturn EpollCreate1(Task& t, const SyscallArguments& a) {
  uint32_t flags = static_cast<uint32_t>(a[0]);
  if ((flags & ~uint32_t{EPOLL_CLOEXEC}) != 0) return SyscallReturn::Err(EINVAL);
  return NewEpoll(t, (flags & EPOLL_CLOEXEC) != 0);
}

SyscallReturn EpollCtl(Task& t, const SyscallArguments& a) {
  int epfd = static_cast<int>(a[0]);
  int op = static_cast<int>(a[1]);
  int fd = static_cast<int>(a[2]);
  AppEpollEvent ev{};
  bool has_event = op != EPOLL_CTL_DEL;
  if (has_event && !t.mm().CopyIn(a[3], &ev, sizeof(ev)).ok()) return SyscallReturn::Err(EFAULT);
  std::shared_ptr<kernel::File> f = t.fds().Get(epfd);
  if (!f) return SyscallReturn::Err(EBADF);
  std::shared_ptr<kernel::File> target = t.fds().Get(fd);
  if (!target) return SyscallReturn::Err(EBADF);
  // Regular files (a host file over one) do not support poll in Linux.
  if (target->HostBacked() && target->Positional()) return SyscallReturn::Err(EPERM);
  if (has_event) ev.events &= ~uint32_t{EPOLLWAKEUP};  // needs CAP_BLOCK_SUSPEND; dropped
  auto* ep = dynamic_cast<EpollFile*>(f.get());
  if (f == target || ep == nullptr) return SyscallReturn::Err(EINVAL);
  if (has_event && (ev.events & EPOLLEXCLUSIVE) != 0) {
    if (op == EPOLL_CTL_MOD) return SyscallReturn::Err(EINVAL);
    if (op == EPOLL_CTL_ADD && (dynamic_cast<EpollFile*>(target.get()) != nullptr ||
                                (ev.events & ~kExclusiveOk) != 0)) {
      return SyscallReturn::Err(EINVAL);
    }
  }
  ep->SweepOrphans();
  ErrnoResult r;
  switch (op) {
    case EPOLL_CTL_ADD:
      r = ep->Add(fd, target, ev.events, ev.data);
      break;
    case EPOLL_CTL_MOD:
      r = ep->Modify(fd, target.get(), ev.events, ev.data);
      break;
    case EPOLL_CTL_DEL:
      r = ep->Remove(fd, target.get());
      break;
    default:
      return SyscallReturn::Err(EINVAL);
  }
  return r.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(r.error());
}

// epoll_wait's core: the number of events written, or an errno (EINTR when
// a signal needs the task).
int64_t DoEpollWait(Task& t, int epfd, uint64_t events_addr, int maxevents, absl::Time deadline) {
  if (maxevents <= 0 || maxevents > kMaxEvents) return -EINVAL;
  if (!mm::AccessOk(events_addr, static_cast<uint64_t>(maxevents) * sizeof(AppEpollEvent))) return -EFAULT;
  std::shared_ptr<kernel::File> f = t.fds().Get(epfd);
  if (!f) return -EBADF;
  auto* ep = dynamic_cast<EpollFile*>(f.get());
  if (ep == nullptr) return -EINVAL;
  ep->SweepOrphans();
  std::vector<EpollFile::Event> got;
  ErrnoOr<int> r = WaitUntilReady(t, {ep}, deadline, [&] {
    got = ep->Collect(static_cast<size_t>(maxevents));
    return static_cast<int>(got.size());
  });
  if (!r.ok()) return -r.error().value();
  if (got.empty()) return 0;
  std::vector<AppEpollEvent> out(got.size());
  for (size_t i = 0; i < got.size(); i++) out[i] = {got[i].events, got[i].data};
  if (!t.mm().CopyOut(events_addr, out.data(), out.size() * sizeof(AppEpollEvent)).ok()) return -EFAULT;
  return static_cast<int64_t>(got.size());
}

absl::Time MsDeadline(int timeout_ms) {
  return timeout_ms < 0 ? absl::InfiniteFuture() : absl::Now() + absl::Milliseconds(timeout_ms);
}

SyscallReturn EpollWait(Task& t, const SyscallArguments& a) {
  return SyscallReturn::Ok(DoEpollWait(t, static_cast<int>(a[0]), a[1], static_cast<int>(a[2]),
                                       MsDeadline(static_cast<int>(a[3]))));
}

SyscallReturn PwaitWith(Task& t, const SyscallArguments& a, absl::Time deadline) {
  TemporarySigmask mask;
  if (ErrnoResult m = mask.Install(t, a[4], a[5]); !m.ok()) return SyscallReturn::From(m.error());
  int64_t r = DoEpollWait(t, static_cast<int>(a[0]), a[1], static_cast<int>(a[2]), deadline);
  mask.Finish(t, r == -EINTR);
  return SyscallReturn::Ok(r);
}

SyscallReturn EpollPwait(Task& t, const SyscallArguments& a) {
  return PwaitWith(t, a, MsDeadline(static_cast<int>(a[3])));
}

SyscallReturn EpollPwait2(Task& t, const SyscallArguments& a) {
  absl::Time deadline = absl::InfiniteFuture();
  if (a[3] != 0) {
    ErrnoOr<absl::Duration> d = CopyInTimespecDuration(t, a[3]);
    if (!d.ok()) return SyscallReturn::From(d.error());
    deadline = absl::Now() + *d;
  }
  return PwaitWith(t, a, deadline);
}

}  // namespace

void RegisterEpoll(SyscallTable& t) {
  t.Register(SYS_epoll_create, EpollCreate);
  t.Register(SYS_epoll_create1, EpollCreate1);
  t.Register(SYS_epoll_ctl, EpollCtl);
  t.Register(SYS_epoll_wait, EpollWait);
  t.Register(SYS_epoll_pwait, EpollPwait);
  t.Register(SYS_epoll_pwait2, EpollPwait2);
}

}  // namespace sentry::syscalls
