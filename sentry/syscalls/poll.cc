// poll(2), ppoll(2), select(2), pselect6(2), and the waiting engine epoll
// shares (poll_util.h).
//
// A wait registers the task on the wait queue of every File involved (one
// forwarding entry per distinct queue), checks readiness, and blocks until
// a queue notifies, the deadline passes or a signal arrives. Files without
// a queue (HostFile) are re-polled every kHostPollInterval. Interrupted:
// poll restarts through restart_syscall with the same deadline (Linux's
// do_restart_poll); ppoll, select and pselect6 return kERestartNoHand.
#include <poll.h>
#include <sys/select.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "sentry/kernel/epoll.h"
#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/poll_util.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {

using kernel::File;
using kernel::kEventErr;
using kernel::kEventHup;
using kernel::kEventIn;
using kernel::kEventOut;

uint32_t PollEvents(File& f, uint32_t events) {
  uint32_t ask = kEventErr | kEventHup;
  if ((events & (POLLIN | POLLRDNORM)) != 0) ask |= kEventIn;
  if ((events & (POLLOUT | POLLWRNORM)) != 0) ask |= kEventOut;
  uint32_t r = f.Readiness(ask);
  if ((r & kEventIn) != 0) r |= POLLRDNORM;
  if ((r & kEventOut) != 0) r |= POLLWRNORM;
  return r & (events | POLLERR | POLLHUP);
}

bool NeedsPolling(File& f) {
  if (f.wait_queue() == nullptr) return true;
  auto* ep = dynamic_cast<kernel::EpollFile*>(&f);
  return ep != nullptr && ep->NeedsPolling();
}

namespace {

// Forwards a queue's notifications to the task's Waiter (a WaitEntry sits
// on one queue only, so a wait on several queues needs one of these each).
class Forwarder final : public kernel::WaitEntry {
 public:
  Forwarder(kernel::WaitQueue* q, kernel::Waiter* w) : q_(q), w_(w) {}
  void OnEvent(uint32_t) override { w_->Notify(); }
  kernel::WaitQueue* queue() const { return q_; }

 private:
  kernel::WaitQueue* q_;
  kernel::Waiter* w_;
};

class Registrations {
 public:
  explicit Registrations(kernel::Waiter* w) : w_(w) {}
  ~Registrations() {
    for (auto& f : fwd_) f->queue()->Remove(f.get());
  }
  void Add(kernel::WaitQueue* q) {
    for (auto& f : fwd_) {
      if (f->queue() == q) return;
    }
    fwd_.push_back(std::make_unique<Forwarder>(q, w_));
    q->Add(fwd_.back().get(), kernel::kEventAll);
  }

 private:
  kernel::Waiter* w_;
  std::vector<std::unique_ptr<Forwarder>> fwd_;
};

}  // namespace

ErrnoOr<int> WaitUntilReady(kernel::Task& t, const std::vector<File*>& files, absl::Time deadline,
                            const std::function<int()>& check) {
  Registrations regs(&t.waiter());
  bool host = false;
  for (File* f : files) {
    if (f == nullptr) continue;
    if (kernel::WaitQueue* q = f->wait_queue()) regs.Add(q);
    if (NeedsPolling(*f)) host = true;
  }
  for (;;) {
    // Registered before this check (lost-wakeup rule).
    int n = check();
    if (n > 0) return n;
    absl::Time now = absl::Now();
    if (now >= deadline) return 0;
    absl::Time until = host ? std::min(deadline, now + kHostPollInterval) : deadline;
    ErrnoResult r = t.Block(until);
    if (!r.ok() && r.error().value() == EINTR) return Errno(EINTR);
  }
}

ErrnoResult TemporarySigmask::Install(kernel::Task& t, uint64_t mask_addr, uint64_t size) {
  if (mask_addr == 0) return {};
  if (size != sizeof(kernel::SigSet)) return Errno(EINVAL);
  kernel::SigSet mask;
  if (!t.mm().CopyIn(mask_addr, &mask, sizeof(mask)).ok()) return Errno(EFAULT);
  absl::MutexLock l(&t.kernel().mu());
  old_ = t.signal_mask();
  t.SetSavedMaskLocked(mask);
  return {};
}

void TemporarySigmask::Finish(kernel::Task& t, bool interrupted) {
  if (!old_.has_value() || interrupted) return;  // restored after the handler
  absl::MutexLock l(&t.kernel().mu());
  t.SetSignalMaskLocked(*old_);
}

int64_t FinishTimeout(kernel::Task& t, uint64_t addr, bool timeval, bool zero_timeout,
                      absl::Time deadline, int64_t ret) {
  if (addr == 0 || zero_timeout) return ret;
  absl::Duration left = deadline - absl::Now();
  bool ok;
  if (timeval) {
    struct timeval tv = AppTimeval(left);
    ok = t.mm().CopyOut(addr, &tv, sizeof(tv)).ok();
  } else {
    struct timespec ts = AppTimespec(left);
    ok = t.mm().CopyOut(addr, &ts, sizeof(ts)).ok();
  }
  if (!ok && ret == -kernel::kERestartNoHand) return -EINTR;
  return ret;
}

namespace {

// Linux's fs.nr_open.
constexpr uint64_t kNrOpen = 1 << 20;

uint64_t NofileLimit(Task& t) {
  absl::MutexLock l(&t.kernel().mu());
  return t.tg().limits[RLIMIT_NOFILE].rlim_cur;
}

// The size of Linux's fd table (fdtable->max_fds) for the open fds: 64,
// then grown in powers of two of 128 slots to cover the highest fd. select
// ignores bits at and above it.
int FdTableSize(Task& t) {
  std::vector<int> fds = t.fds().Fds();
  int highest = fds.empty() ? 0 : fds.back();
  if (highest < 64) return 64;
  int n = highest / 128 + 1;
  int p = 1;
  while (p < n) p <<= 1;
  return std::min<int64_t>(int64_t{p} * 128, kNrOpen);
}

// poll/ppoll: revents are written back to the app even when interrupted.
ErrnoOr<int> DoPoll(Task& t, uint64_t addr, uint32_t nfds, absl::Time deadline) {
  if (nfds > NofileLimit(t) || nfds > kNrOpen) return Errno(EINVAL);
  std::vector<struct pollfd> pfds(nfds);
  size_t bytes = nfds * sizeof(struct pollfd);
  if (nfds > 0 && !t.mm().CopyIn(addr, pfds.data(), bytes).ok()) return Errno(EFAULT);
  std::vector<std::shared_ptr<File>> files(nfds);
  std::vector<File*> raw;
  for (uint32_t i = 0; i < nfds; i++) {
    if (pfds[i].fd < 0) continue;
    files[i] = t.fds().Get(pfds[i].fd);
    raw.push_back(files[i].get());
  }
  auto check = [&] {
    int n = 0;
    for (uint32_t i = 0; i < nfds; i++) {
      struct pollfd& p = pfds[i];
      p.revents = 0;
      if (p.fd < 0) continue;
      uint32_t r = files[i] ? PollEvents(*files[i], static_cast<uint16_t>(p.events)) : POLLNVAL;
      p.revents = static_cast<short>(r);
      if (r != 0) n++;
    }
    return n;
  };
  ErrnoOr<int> r = WaitUntilReady(t, raw, deadline, check);
  if (nfds > 0 && !t.mm().CopyOut(addr, pfds.data(), bytes).ok()) return Errno(EFAULT);
  return r;
}

SyscallReturn PollUntil(Task& t, uint64_t addr, uint32_t nfds, absl::Time deadline) {
  ErrnoOr<int> r = DoPoll(t, addr, nfds, deadline);
  if (r.ok()) return SyscallReturn::Ok(*r);
  if (r.error().value() != EINTR || t.killed()) return SyscallReturn::From(r.error());
  t.restart_block = [addr, nfds, deadline](Task& task) { return PollUntil(task, addr, nfds, deadline); };
  return SyscallReturn::Err(kernel::kERestartRestartBlock);
}

SyscallReturn Poll(Task& t, const SyscallArguments& a) {
  int timeout_ms = static_cast<int>(a[2]);
  absl::Time deadline = timeout_ms < 0 ? absl::InfiniteFuture() : absl::Now() + absl::Milliseconds(timeout_ms);
  return PollUntil(t, a[0], static_cast<uint32_t>(a[1]), deadline);
}

SyscallReturn Ppoll(Task& t, const SyscallArguments& a) {
  absl::Time deadline = absl::InfiniteFuture();
  bool zero = false;
  if (a[2] != 0) {
    ErrnoOr<absl::Duration> d = CopyInTimespecDuration(t, a[2]);
    if (!d.ok()) return SyscallReturn::From(d.error());
    zero = *d == absl::ZeroDuration();
    deadline = absl::Now() + *d;
  }
  TemporarySigmask mask;
  if (ErrnoResult m = mask.Install(t, a[3], a[4]); !m.ok()) return SyscallReturn::From(m.error());
  ErrnoOr<int> r = DoPoll(t, a[0], static_cast<uint32_t>(a[1]), deadline);
  int64_t ret = r.ok() ? *r : (r.error().value() == EINTR ? -kernel::kERestartNoHand : -r.error().value());
  mask.Finish(t, ret == -kernel::kERestartNoHand);
  return SyscallReturn::Ok(FinishTimeout(t, a[2], false, zero, deadline, ret));
}

// select's core (Linux's core_sys_select): the count of set bits in the
// result sets, written back to the app's sets unless interrupted.
int64_t DoSelect(Task& t, int64_t nfds_arg, uint64_t in_addr, uint64_t out_addr, uint64_t ex_addr,
                 absl::Time deadline) {
  int nfds = static_cast<int>(nfds_arg);
  if (nfds < 0) return -EINVAL;
  nfds = std::min(nfds, FdTableSize(t));
  size_t words = (static_cast<size_t>(nfds) + 63) / 64;
  size_t bytes = words * sizeof(uint64_t);
  uint64_t addrs[3] = {in_addr, out_addr, ex_addr};
  std::vector<uint64_t> sets[3];
  for (int s = 0; s < 3; s++) {
    sets[s].assign(words, 0);
    if (addrs[s] != 0 && bytes > 0 && !t.mm().CopyIn(addrs[s], sets[s].data(), bytes).ok()) {
      return -EFAULT;
    }
  }
  auto bit = [](const std::vector<uint64_t>& v, int fd) { return (v[fd / 64] >> (fd % 64)) & 1; };
  struct Watched {
    int fd;
    std::shared_ptr<File> file;
    uint32_t events;
  };
  std::vector<Watched> watched;
  std::vector<File*> raw;
  for (int fd = 0; fd < nfds; fd++) {
    bool r = bit(sets[0], fd), w = bit(sets[1], fd), e = bit(sets[2], fd);
    if (!r && !w && !e) continue;
    std::shared_ptr<File> f = t.fds().Get(fd);
    if (!f) return -EBADF;
    uint32_t ev = (r ? POLLIN : 0) | (w ? POLLOUT : 0) | (e ? POLLPRI : 0);
    raw.push_back(f.get());
    watched.push_back({fd, std::move(f), ev});
  }
  std::vector<uint64_t> res[3];
  constexpr uint32_t kInSet = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
  constexpr uint32_t kOutSet = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
  constexpr uint32_t kExSet = POLLPRI;
  auto check = [&] {
    int n = 0;
    for (auto& r : res) r.assign(words, 0);
    for (auto& w : watched) {
      uint32_t r = PollEvents(*w.file, w.events);
      uint64_t b = uint64_t{1} << (w.fd % 64);
      if ((w.events & POLLIN) && (r & kInSet)) {
        res[0][w.fd / 64] |= b;
        n++;
      }
      if ((w.events & POLLOUT) && (r & kOutSet)) {
        res[1][w.fd / 64] |= b;
        n++;
      }
      if ((w.events & POLLPRI) && (r & kExSet)) {
        res[2][w.fd / 64] |= b;
        n++;
      }
    }
    return n;
  };
  ErrnoOr<int> r = WaitUntilReady(t, raw, deadline, check);
  if (!r.ok()) return r.error().value() == EINTR ? -kernel::kERestartNoHand : -r.error().value();
  for (int s = 0; s < 3; s++) {
    if (addrs[s] != 0 && bytes > 0 && !t.mm().CopyOut(addrs[s], res[s].data(), bytes).ok()) {
      return -EFAULT;
    }
  }
  return *r;
}

SyscallReturn Select(Task& t, const SyscallArguments& a) {
  absl::Time deadline = absl::InfiniteFuture();
  bool zero = false;
  if (a[4] != 0) {
    struct timeval tv;
    if (!t.mm().CopyIn(a[4], &tv, sizeof(tv)).ok()) return SyscallReturn::Err(EFAULT);
    // Linux's kern_select normalizes tv_usec before validating.
    int64_t sec = tv.tv_sec + tv.tv_usec / 1000000;
    int64_t nsec = (tv.tv_usec % 1000000) * 1000;
    if (sec < 0 || nsec < 0) return SyscallReturn::Err(EINVAL);
    absl::Duration d = absl::Seconds(sec) + absl::Nanoseconds(nsec);
    zero = d == absl::ZeroDuration();
    deadline = absl::Now() + d;
  }
  int64_t ret = DoSelect(t, static_cast<int64_t>(a[0]), a[1], a[2], a[3], deadline);
  return SyscallReturn::Ok(FinishTimeout(t, a[4], true, zero, deadline, ret));
}

SyscallReturn Pselect6(Task& t, const SyscallArguments& a) {
  absl::Time deadline = absl::InfiniteFuture();
  bool zero = false;
  if (a[4] != 0) {
    ErrnoOr<absl::Duration> d = CopyInTimespecDuration(t, a[4]);
    if (!d.ok()) return SyscallReturn::From(d.error());
    zero = *d == absl::ZeroDuration();
    deadline = absl::Now() + *d;
  }
  TemporarySigmask mask;
  if (a[5] != 0) {
    struct {
      uint64_t ss;
      uint64_t ss_len;
    } sig;
    if (!t.mm().CopyIn(a[5], &sig, sizeof(sig)).ok()) return SyscallReturn::Err(EFAULT);
    if (ErrnoResult m = mask.Install(t, sig.ss, sig.ss_len); !m.ok()) return SyscallReturn::From(m.error());
  }
  int64_t ret = DoSelect(t, static_cast<int64_t>(a[0]), a[1], a[2], a[3], deadline);
  mask.Finish(t, ret == -kernel::kERestartNoHand);
  return SyscallReturn::Ok(FinishTimeout(t, a[4], false, zero, deadline, ret));
}

}  // namespace

void RegisterPoll(SyscallTable& t) {
  t.Register(SYS_poll, Poll);
  t.Register(SYS_ppoll, Ppoll);
  t.Register(SYS_select, Select);
  t.Register(SYS_pselect6, Pselect6);
}

}  // namespace sentry::syscalls
