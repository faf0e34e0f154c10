#include "sentry/kernel/eventfd.h"

#include <cstring>

namespace sentry::kernel {

void StatAnonInode(const void* obj, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_mode = S_IRUSR | S_IWUSR;
  st->st_nlink = 1;
  st->st_blksize = 4096;
  st->st_ino = reinterpret_cast<uintptr_t>(obj);
}

EventFdFile::EventFdFile(uint64_t initial, bool semaphore, uint32_t flags)
    : File(O_RDWR | (flags & O_NONBLOCK)), semaphore_(semaphore), count_(initial) {}

ErrnoOr<size_t> EventFdFile::Read(void* buf, size_t len) {
  if (len < sizeof(uint64_t)) return Errno(EINVAL);
  uint64_t v;
  {
    absl::MutexLock l(&mu_);
    if (count_ == 0) return Errno(EAGAIN);
    v = semaphore_ ? 1 : count_;
    count_ -= v;
  }
  std::memcpy(buf, &v, sizeof v);
  queue_.Notify(kEventOut);
  return sizeof v;
}

ErrnoOr<size_t> EventFdFile::Write(const void* buf, size_t len) {
  if (len < sizeof(uint64_t)) return Errno(EINVAL);
  uint64_t v;
  std::memcpy(&v, buf, sizeof v);
  if (v == UINT64_MAX) return Errno(EINVAL);
  {
    absl::MutexLock l(&mu_);
    if (v > kMax - count_) return Errno(EAGAIN);
    count_ += v;
  }
  if (v != 0) queue_.Notify(kEventIn);
  return sizeof v;
}

uint32_t EventFdFile::Readiness(uint32_t mask) {
  absl::MutexLock l(&mu_);
  uint32_t r = 0;
  if (count_ > 0) r |= kEventIn;
  if (count_ < kMax) r |= kEventOut;
  return r & mask;
}

ErrnoResult EventFdFile::Stat(struct stat* st) {
  StatAnonInode(this, st);
  return {};
}

}  // namespace sentry::kernel
