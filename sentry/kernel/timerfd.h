// timerfd.h: timerfd_create(2) files: a timer on a clock whose expirations
// are read as an 8-byte count.
//
// The timer keeps its next expiry as a reading of its own clock
// (CLOCK_REALTIME, MONOTONIC, BOOTTIME and their _ALARM forms). Expirations
// are counted lazily from the clock whenever the file is read or polled; a
// host thread per armed file sleeps until the next expiry only to notify
// the wait queue (blocked readers, poll, epoll). read(2) of at least 8
// bytes returns the count and resets it, or would block (EAGAIN) at 0;
// buffers under 8 bytes are EINVAL; write(2) is EINVAL. Thread-safe.
#ifndef SENTRY_KERNEL_TIMERFD_H_
#define SENTRY_KERNEL_TIMERFD_H_

#include <time.h>

#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sentry/kernel/file.h"
#include "sentry/kernel/timers.h"

namespace sentry::kernel {

class TimerFdFile final : public File {
 public:
  // `clock`: a clock timerfd_create accepts (the caller validated it).
  TimerFdFile(clockid_t clock, uint32_t flags);
  ~TimerFdFile() override;

  // timerfd_settime: arms with `v.value` relative (or an absolute reading
  // of the clock if `abstime`; a past one expires at once) and period
  // `v.interval`, or disarms when v.value is zero. Resets the count.
  // Returns the old value, as timerfd_gettime would have.
  TimerValue Set(bool abstime, TimerValue v);
  // timerfd_gettime: time to the next expiry (zero if disarmed) and period.
  TimerValue Get();

  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void*, size_t) override { return Errno(EINVAL); }
  uint32_t Readiness(uint32_t mask) override;
  WaitQueue* wait_queue() override { return &queue_; }
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t, int) override { return int64_t{0}; }

 private:
  // Folds the expirations up to now into count_ and moves expiry_ on.
  void UpdateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifierLoop();

  const clockid_t clock_;
  absl::Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Duration expiry_ ABSL_GUARDED_BY(mu_);  // clock reading
  absl::Duration interval_ ABSL_GUARDED_BY(mu_);
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped by Set
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread notifier_;  // started by the first Set that arms
  WaitQueue queue_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_TIMERFD_H_
