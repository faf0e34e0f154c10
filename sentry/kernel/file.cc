// File status flags and read(2)/write(2) blocking on top of File::Read/Write.
#include "sentry/kernel/file.h"

#include <signal.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"

namespace sentry::kernel {

void File::SetFlags(uint32_t flags) {
  uint32_t old = flags_.load(std::memory_order_relaxed);
  while (!flags_.compare_exchange_weak(old, (old & ~kSettableFlags) | (flags & kSettableFlags),
                                       std::memory_order_relaxed)) {
  }
}

namespace {

bool WouldBlock(const ErrnoOr<size_t>& r) { return !r.ok() && r.error().value() == EAGAIN; }

// How long a task blocked on a host fd sleeps in poll(2) between checks for
// signals.
constexpr int kHostPollMs = 20;

// Retries `step` on a host-backed file until it does not block or a signal
// needs the task (kERestartSys).
template <class Step>
ErrnoOr<size_t> WaitHost(Task& t, File& f, uint32_t events, Step step) {
  for (;;) {
    if (t.Interrupted()) return Errno(kERestartSys);
    f.PollHost(events, kHostPollMs);
    ErrnoOr<size_t> r = step();
    if (!WouldBlock(r)) return r;
  }
}

}  // namespace

ErrnoOr<size_t> ReadFile(Task& t, File& f, void* buf, size_t len) {
  if (!f.readable()) return Errno(EBADF);
  ErrnoOr<size_t> r = f.Read(buf, len);
  if (!WouldBlock(r) || f.nonblocking()) return r;
  if (f.HostBacked()) return WaitHost(t, f, kEventIn, [&] { return f.Read(buf, len); });
  WaitQueue* q = f.wait_queue();
  if (q == nullptr) return r;
  // Register before the final check (lost-wakeup rule), then sleep.
  ScopedWait w(*q, &t.waiter(), kEventIn | kEventHup | kEventErr);
  for (;;) {
    r = f.Read(buf, len);
    if (!WouldBlock(r) || f.nonblocking()) return r;
    if (!t.Block().ok()) return Errno(kERestartSys);
  }
}

ErrnoOr<size_t> WriteFile(Task& t, File& f, const void* buf, size_t len) {
  if (!f.writable()) return Errno(EBADF);
  const uint8_t* p = static_cast<const uint8_t*>(buf);
  size_t done = 0;
  WaitQueue* q = f.wait_queue();
  bool registered = false;
  ErrnoOr<size_t> r = size_t{0};
  while (done < len) {
    r = f.Write(p + done, len - done);
    if (r.ok()) {
      if (*r == 0) break;
      done += *r;
      if (f.SingleWrite()) break;
      continue;
    }
    if (!WouldBlock(r) || f.nonblocking()) break;
    if (f.HostBacked()) {
      r = WaitHost(t, f, kEventOut, [&] { return f.Write(p + done, len - done); });
      if (r.ok()) {
        if (*r == 0) break;
        done += *r;
        continue;
      }
      break;
    }
    if (q == nullptr) break;
    if (!registered) {
      // Register, then retry once before sleeping (lost-wakeup rule).
      q->Add(&t.waiter(), kEventOut | kEventErr | kEventHup);
      registered = true;
      continue;
    }
    if (!t.Block().ok()) {
      r = Errno(kERestartSys);
      break;
    }
  }
  if (registered) q->Remove(&t.waiter());
  if (!r.ok() && r.error().value() == EPIPE) {
    // Like pipe_write: SIGPIPE even after a partial write.
    siginfo_t info = MakeSigInfo(SIGPIPE, SI_USER, t.tgid(), t.creds().uid);
    absl::MutexLock l(&t.kernel().mu());
    t.kernel().SendTaskSignalLocked(t, info);
  }
  if (done > 0 || r.ok()) return done;
  return r.error();
}

}  // namespace sentry::kernel
