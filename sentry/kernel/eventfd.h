// eventfd.h: eventfd(2) files: a 64-bit counter as a file.
//
// read(2) of 8 bytes or more takes the counter (or 1 in semaphore mode)
// and would block (EAGAIN) while it is 0; write(2) adds an 8-byte value and
// would block while the sum would exceed 0xfffffffffffffffe. Buffers under 8
// bytes and a written 0xffffffffffffffff are EINVAL. Readiness: in while
// the counter is non-zero, out while one more can be added. lseek is a
// no-op that returns 0, as Linux's noop_llseek. Thread-safe.
#ifndef SENTRY_KERNEL_EVENTFD_H_
#define SENTRY_KERNEL_EVENTFD_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sentry/kernel/file.h"

namespace sentry::kernel {

class EventFdFile final : public File {
 public:
  static constexpr uint64_t kMax = 0xfffffffffffffffeULL;

  // `flags`: O_NONBLOCK (status flag) ; `semaphore`: EFD_SEMAPHORE.
  EventFdFile(uint64_t initial, bool semaphore, uint32_t flags);

  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void* buf, size_t len) override;
  bool SingleWrite() override { return true; }
  uint32_t Readiness(uint32_t mask) override;
  WaitQueue* wait_queue() override { return &queue_; }
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t, int) override { return int64_t{0}; }

 private:
  const bool semaphore_;
  absl::Mutex mu_;
  uint64_t count_ ABSL_GUARDED_BY(mu_);
  WaitQueue queue_;
};

// fstat(2) of an anonymous-inode file (eventfd, timerfd, signalfd, epoll):
// mode 0600 with no file type, one link, the Sentry's identity for `obj`.
void StatAnonInode(const void* obj, struct stat* st);

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_EVENTFD_H_
