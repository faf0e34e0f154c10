// copy.cc: MemoryManager copy-in/out between the Sentry and app memory.
//
// App memory is reached through the Sentry's mapping of the MemoryFile:
// a VMA lookup, page population if needed, then memcpy.
#include <algorithm>
#include <climits>
#include <cstring>

#include "sentry/mm/memory_manager.h"

namespace sentry::mm {
namespace {

constexpr size_t kMaxIovecs = 1024;                 // UIO_MAXIOV
constexpr uint64_t kMaxRwCount = INT_MAX & ~(kPageSize - 1);  // MAX_RW_COUNT

}  // namespace

size_t MemoryManager::CopyLocked(uint64_t addr, uint8_t* buf, size_t len, bool out) {
  size_t done = 0;
  while (done < len) {
    const uint64_t a = addr + done;
    if (a < addr || a >= kTaskSize) break;
    ErrnoOr<Vma*> v = VmaForAccess(a);
    if (!v.ok()) break;
    Vma& vma = **v;
    if (!Allows(vma, out ? platform::AccessType::kWrite : platform::AccessType::kRead)) break;
    const uint64_t page = PageDown(a);
    const size_t n = std::min<uint64_t>(len - done, page + kPageSize - a);
    if (!out && vma.private_() && vma.anonymous() && !pages_.contains(page)) {
      std::memset(buf + done, 0, n);  // untouched anonymous memory reads as zeroes
    } else {
      Page* pg;
      if (!Populate(vma, page, out, /*map=*/false, /*fault_around=*/false, &pg).ok()) break;
      uint8_t* p = file_.Data(pg->offset) + (a - page);
      if (out) {
        std::memcpy(p, buf + done, n);
      } else {
        std::memcpy(buf + done, p, n);
      }
    }
    done += n;
  }
  return done;
}

size_t MemoryManager::AccessiblePrefix(uint64_t addr, size_t len, bool write) {
  absl::MutexLock l(&mu_);
  size_t done = 0;
  while (done < len) {
    const uint64_t a = addr + done;
    if (a < addr || a >= kTaskSize) break;
    ErrnoOr<Vma*> v = VmaForAccess(a);
    if (!v.ok()) break;
    const Vma& vma = **v;
    if (!Allows(vma, write ? platform::AccessType::kWrite : platform::AccessType::kRead)) break;
    done += std::min<uint64_t>(len - done, vma.end - a);
  }
  return done;
}

ErrnoResult MemoryManager::CopyIn(uint64_t addr, void* dst, size_t len) {
  absl::MutexLock l(&mu_);
  if (CopyLocked(addr, static_cast<uint8_t*>(dst), len, false) < len) return Errno(EFAULT);
  return {};
}

ErrnoResult MemoryManager::CopyOut(uint64_t addr, const void* src, size_t len) {
  absl::MutexLock l(&mu_);
  // CopyLocked only reads from buf when out is true.
  if (CopyLocked(addr, static_cast<uint8_t*>(const_cast<void*>(src)), len, true) < len) {
    return Errno(EFAULT);
  }
  return {};
}

ErrnoOr<size_t> MemoryManager::CopyInPartial(uint64_t addr, void* dst, size_t len) {
  absl::MutexLock l(&mu_);
  const size_t n = CopyLocked(addr, static_cast<uint8_t*>(dst), len, false);
  if (n == 0 && len > 0) return Errno(EFAULT);
  return n;
}

ErrnoOr<size_t> MemoryManager::CopyOutPartial(uint64_t addr, const void* src, size_t len) {
  absl::MutexLock l(&mu_);
  const size_t n = CopyLocked(addr, static_cast<uint8_t*>(const_cast<void*>(src)), len, true);
  if (n == 0 && len > 0) return Errno(EFAULT);
  return n;
}

ErrnoOr<std::string> MemoryManager::CopyInString(uint64_t addr, size_t max_len) {
  std::string s;
  absl::MutexLock l(&mu_);
  while (s.size() < max_len) {
    const uint64_t a = addr + s.size();
    if (a < addr) return Errno(EFAULT);
    // One page (or what is left of max_len) at a time.
    const size_t chunk = std::min<uint64_t>(max_len - s.size(), PageDown(a) + kPageSize - a);
    const size_t old = s.size();
    s.resize(old + chunk);
    const size_t n = CopyLocked(a, reinterpret_cast<uint8_t*>(s.data() + old), chunk, false);
    const void* nul = std::memchr(s.data() + old, 0, n);
    if (nul != nullptr) {
      s.resize(static_cast<const char*>(nul) - s.data());
      return s;
    }
    if (n < chunk) return Errno(EFAULT);
  }
  return Errno(ENAMETOOLONG);
}

ErrnoOr<std::vector<IoVec>> MemoryManager::CopyInIovecs(uint64_t addr, size_t count) {
  if (count > kMaxIovecs) return Errno(EINVAL);
  std::vector<IoVec> iovs(count);
  if (count == 0) return iovs;
  static_assert(sizeof(IoVec) == sizeof(struct iovec));
  if (ErrnoResult r = CopyIn(addr, iovs.data(), count * sizeof(IoVec)); !r.ok()) {
    return r.error();
  }
  uint64_t total = 0;
  for (IoVec& iov : iovs) {
    if (iov.len > static_cast<uint64_t>(SSIZE_MAX)) return Errno(EINVAL);
    if (!AccessOk(iov.base, iov.len)) return Errno(EFAULT);
    iov.len = std::min(iov.len, kMaxRwCount - total);
    total += iov.len;
  }
  return iovs;
}

ErrnoOr<size_t> MemoryManager::CopyOutToIovecs(const std::vector<IoVec>& iovs,
                                                const void* src, size_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(src);
  size_t done = 0;
  absl::MutexLock l(&mu_);
  for (const IoVec& iov : iovs) {
    if (done == len) break;
    const size_t want = std::min<uint64_t>(iov.len, len - done);
    const size_t n = CopyLocked(iov.base, const_cast<uint8_t*>(p + done), want, true);
    done += n;
    if (n < want) break;
  }
  if (done == 0 && len > 0) return Errno(EFAULT);
  return done;
}

ErrnoOr<size_t> MemoryManager::CopyInFromIovecs(const std::vector<IoVec>& iovs, void* dst,
                                                size_t len) {
  uint8_t* p = static_cast<uint8_t*>(dst);
  size_t done = 0;
  absl::MutexLock l(&mu_);
  for (const IoVec& iov : iovs) {
    if (done == len) break;
    const size_t want = std::min<uint64_t>(iov.len, len - done);
    const size_t n = CopyLocked(iov.base, p + done, want, false);
    done += n;
    if (n < want) break;
  }
  if (done == 0 && len > 0) return Errno(EFAULT);
  return done;
}

}  // namespace sentry::mm
