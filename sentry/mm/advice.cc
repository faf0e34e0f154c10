// advice.cc: MemoryManager's madvise, mincore and msync (Linux 6.x errors).
#include <algorithm>
#include <cstring>

#include "sentry/mm/memory_manager.h"

namespace sentry::mm {
namespace {

bool KnownAdvice(int advice) {
  switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK:
    case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK:
    case MADV_KEEPONFORK: case MADV_COLD: case MADV_PAGEOUT:
    case 22 /* MADV_POPULATE_READ */: case 23 /* MADV_POPULATE_WRITE */:
    case 24 /* MADV_DONTNEED_LOCKED */: case 25 /* MADV_COLLAPSE */:
      return true;
    default:
      return false;
  }
}

}  // namespace

ErrnoResult MemoryManager::Madvise(uint64_t addr, uint64_t len, int advice) {
  if (!PageAligned(addr)) return Errno(EINVAL);
  if (advice == 100 /* MADV_HWPOISON */ || advice == 101 /* MADV_SOFT_OFFLINE */) {
    return Errno(EPERM);  // needs CAP_SYS_ADMIN
  }
  if (!KnownAdvice(advice)) return Errno(EINVAL);
  const uint64_t rlen = PageUp(len);
  if (len != 0 && rlen == 0) return Errno(EINVAL);
  const uint64_t end = addr + rlen;
  if (end < addr) return Errno(EINVAL);
  if (end == addr) return {};

  absl::MutexLock l(&mu_);
  if (advice == MADV_DONTFORK || advice == MADV_DOFORK || advice == MADV_WIPEONFORK ||
      advice == MADV_KEEPONFORK) {
    return SetForkAdvice(addr, end, advice);
  }
  bool hole = false;
  uint64_t a = addr;
  for (auto it = vmas_.FirstEndingAfter(addr); a < end; ++it) {
    if (it == vmas_.end() || it->second.start >= end) {
      hole = true;
      break;
    }
    const Vma& v = it->second;
    if (v.start > a) hole = true;
    const uint64_t s = std::max(a, v.start), e = std::min(end, v.end);
    a = e;
    switch (advice) {
      case MADV_DONTNEED:
      case 24 /* MADV_DONTNEED_LOCKED */:
      case MADV_FREE:
        if (advice == MADV_FREE && !(v.private_() && v.anonymous())) return Errno(EINVAL);
        if (v.private_()) {
          DropPages(s, e);  // private: next touch sees zeroes (or the file)
        } else {
          // Shared: the data stays; just unmap it from the app until touched.
          bool mapped = false;
          for (auto p = pages_.lower_bound(s); p != pages_.end() && p->first < e; ++p) {
            mapped |= p->second.mapped;
            p->second.mapped = false;
          }
          if (mapped) LogIfError(as_->Unmap(s, e - s), "Unmap");
        }
        break;
      case MADV_REMOVE:
        if (!v.shared()) return Errno(EINVAL);
        if (!(v.prot & PROT_WRITE)) return Errno(EACCES);
        if (!v.anonymous()) return Errno(EOPNOTSUPP);
        for (auto p = pages_.lower_bound(s); p != pages_.end() && p->first < e; ++p) {
          std::memset(file_.Data(p->second.offset), 0, kPageSize);
        }
        break;
      case 22 /* MADV_POPULATE_READ */:
      case 23 /* MADV_POPULATE_WRITE */: {
        const bool write = advice == 23;
        if (!Allows(v, write ? platform::AccessType::kWrite : platform::AccessType::kRead)) {
          return Errno(EFAULT);  // a real access would fault
        }
        // Populate with Find each time: Populate never changes the Vma set.
        for (uint64_t p = s; p < e; p += kPageSize) {
          Page* pg;
          if (ErrnoResult r = Populate(it->second, p, write, false, false, &pg); !r.ok()) {
            return Errno(ENOMEM);
          }
        }
        break;
      }
      default:
        break;  // advice only: accepted
    }
  }
  if (hole) return Errno(ENOMEM);
  return {};
}

ErrnoResult MemoryManager::SetForkAdvice(uint64_t start, uint64_t end, int advice) {
  ErrnoResult result;
  uint64_t a = start;
  while (a < end) {
    auto it = vmas_.FirstEndingAfter(a);
    if (it == vmas_.end() || it->second.start >= end) {
      result = Errno(ENOMEM);
      break;
    }
    if (it->second.start > a) result = Errno(ENOMEM);  // a hole; go on
    if (advice == MADV_WIPEONFORK && !(it->second.private_() && it->second.anonymous())) {
      result = Errno(EINVAL);
      break;
    }
    const uint64_t s = std::max(a, it->second.start), e = std::min(end, it->second.end);
    vmas_.SplitAt(s);
    vmas_.SplitAt(e);
    Vma* v = vmas_.Find(s);
    switch (advice) {
      case MADV_DONTFORK: v->dontfork = true; break;
      case MADV_DOFORK: v->dontfork = false; break;
      case MADV_WIPEONFORK: v->wipeonfork = true; break;
      default: v->wipeonfork = false; break;
    }
    a = e;
  }
  vmas_.MergeAround(start, a);
  return result;
}

ErrnoResult MemoryManager::Mincore(uint64_t addr, uint64_t len, uint64_t vec_addr) {
  if (!PageAligned(addr)) return Errno(EINVAL);
  if (addr > kTaskSize || len > kTaskSize - addr) return Errno(ENOMEM);
  const uint64_t end = PageUp(addr + len);
  {
    absl::MutexLock l(&mu_);
    if (!vmas_.Covers(addr, end)) return Errno(ENOMEM);
  }
  // The vector is filled a bounded chunk at a time (the range may be huge).
  constexpr uint64_t kChunkPages = 64 * 1024;
  std::vector<uint8_t> vec;
  for (uint64_t a = addr; a < end; a += kChunkPages * kPageSize) {
    const uint64_t e = std::min(end, a + kChunkPages * kPageSize);
    vec.assign((e - a) / kPageSize, 0);
    {
      absl::MutexLock l(&mu_);
      for (auto p = pages_.lower_bound(a); p != pages_.end() && p->first < e; ++p) {
        vec[(p->first - a) / kPageSize] = 1;
      }
    }
    ErrnoResult r = CopyOut(vec_addr + (a - addr) / kPageSize, vec.data(), vec.size());
    if (!r.ok()) return r;
  }
  return {};
}

ErrnoResult MemoryManager::Msync(uint64_t addr, uint64_t len, int flags) {
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return Errno(EINVAL);
  if (!PageAligned(addr)) return Errno(EINVAL);
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return Errno(EINVAL);
  const uint64_t rlen = PageUp(len);
  const uint64_t end = addr + rlen;
  if ((len != 0 && rlen == 0) || end < addr) return Errno(ENOMEM);
  if (end == addr) return {};
  std::vector<FileRange> shared;
  {
    absl::MutexLock l(&mu_);
    if (!vmas_.Covers(addr, end)) return Errno(ENOMEM);
    shared = SharedFileRangesLocked(addr, end);
  }
  // Anonymous memory needs nothing; shared file pages go back to the file
  // (MS_ASYNC too: the write-back is cheap and makes the file current).
  if (ErrnoResult r = SyncRanges(shared); !r.ok()) return Errno(EIO);
  return {};
}

}  // namespace sentry::mm
