#include "sentry/kernel/signalfd.h"

#include <sys/signalfd.h>

#include <cstring>

#include "sentry/kernel/eventfd.h"
#include "sentry/kernel/kernel.h"

namespace sentry::kernel {
namespace {

struct signalfd_siginfo ToRecord(const siginfo_t& info) {
  struct signalfd_siginfo r;
  std::memset(&r, 0, sizeof r);
  r.ssi_signo = static_cast<uint32_t>(info.si_signo);
  r.ssi_errno = info.si_errno;
  r.ssi_code = info.si_code;
  switch (info.si_signo) {
    case SIGCHLD:
      r.ssi_pid = static_cast<uint32_t>(info.si_pid);
      r.ssi_uid = info.si_uid;
      r.ssi_status = info.si_status;
      r.ssi_utime = static_cast<uint64_t>(info.si_utime);
      r.ssi_stime = static_cast<uint64_t>(info.si_stime);
      return r;
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
      if (info.si_code > 0) {
        r.ssi_addr = reinterpret_cast<uint64_t>(info.si_addr);
        return r;
      }
      break;
    default:
      break;
  }
  if (info.si_code == SI_TIMER) {
    r.ssi_tid = static_cast<uint32_t>(info.si_timerid);
    r.ssi_overrun = static_cast<uint32_t>(info.si_overrun);
  } else {
    r.ssi_pid = static_cast<uint32_t>(info.si_pid);
    r.ssi_uid = info.si_uid;
  }
  r.ssi_int = info.si_value.sival_int;
  r.ssi_ptr = reinterpret_cast<uint64_t>(info.si_value.sival_ptr);
  return r;
}

}  // namespace

SignalFdFile::SignalFdFile(SigSet mask, uint32_t flags)
    : File(O_RDWR | (flags & O_NONBLOCK)), mask_(mask & ~kUnblockable) {}

void SignalFdFile::SetMask(SigSet mask) {
  mask_.store(mask & ~kUnblockable);
  if (Task* t = Task::Current()) t->tg().signal_events.Notify(kEventIn);
}

ErrnoOr<size_t> SignalFdFile::Read(void* buf, size_t len) {
  constexpr size_t kRecord = sizeof(struct signalfd_siginfo);
  if (len < kRecord) return Errno(EINVAL);
  Task* t = Task::Current();
  if (t == nullptr) return Errno(EAGAIN);
  const SigSet blocked = ~mask();
  size_t done = 0;
  absl::MutexLock l(&t->kernel().mu());
  while (len - done >= kRecord) {
    siginfo_t info;
    if (!t->pending().Dequeue(blocked, &info) && !t->tg().pending.Dequeue(blocked, &info)) break;
    struct signalfd_siginfo r = ToRecord(info);
    std::memcpy(static_cast<uint8_t*>(buf) + done, &r, kRecord);
    done += kRecord;
  }
  if (done == 0) return Errno(EAGAIN);
  return done;
}

uint32_t SignalFdFile::Readiness(uint32_t mask) {
  Task* t = Task::Current();
  if (t == nullptr) return 0;
  absl::MutexLock l(&t->kernel().mu());
  const SigSet pending = t->pending().set() | t->tg().pending.set();
  return (pending & this->mask()) != 0 ? (mask & kEventIn) : 0;
}

WaitQueue* SignalFdFile::wait_queue() {
  Task* t = Task::Current();
  return t == nullptr ? nullptr : &t->tg().signal_events;
}

ErrnoResult SignalFdFile::Stat(struct stat* st) {
  StatAnonInode(this, st);
  return {};
}

}  // namespace sentry::kernel
