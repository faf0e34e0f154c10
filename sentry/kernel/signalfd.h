// signalfd.h: signalfd(2) files: pending signals read as records.
//
// Like Linux, a signalfd acts for the task that uses it (Task::Current),
// not the one that created it: read(2) dequeues that task's pending
// signals in the file's mask (its own queue first, then its process's),
// as many struct signalfd_siginfo records as fit, and would block (EAGAIN)
// when none is pending; buffers under one record are EINVAL. Readiness and
// the wait queue are those of the calling task's process. Thread-safe.
#ifndef SENTRY_KERNEL_SIGNALFD_H_
#define SENTRY_KERNEL_SIGNALFD_H_

#include <atomic>
#include <cstdint>

#include "sentry/kernel/file.h"
#include "sentry/kernel/signal.h"

namespace sentry::kernel {

class SignalFdFile final : public File {
 public:
  SignalFdFile(SigSet mask, uint32_t flags);

  SigSet mask() const { return mask_.load(); }
  // signalfd on an existing fd: replaces the mask (SIGKILL/SIGSTOP dropped).
  void SetMask(SigSet mask);

  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void*, size_t) override { return Errno(EINVAL); }
  uint32_t Readiness(uint32_t mask) override;
  WaitQueue* wait_queue() override;
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t, int) override { return int64_t{0}; }

 private:
  std::atomic<SigSet> mask_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_SIGNALFD_H_
