// mmap.cc: MemoryManager's mapping syscalls: mmap, munmap, mprotect,
// mremap, brk. Error cases follow Linux 6.x (mm/mmap.c, mm/mprotect.c,
// mm/mremap.c) and the man pages.
#include <linux/mman.h>

#include <algorithm>

#include "sentry/mm/memory_manager.h"

namespace sentry::mm {
namespace {

constexpr int kProtMask = PROT_READ | PROT_WRITE | PROT_EXEC;
// The flags MAP_SHARED_VALIDATE accepts (Linux's LEGACY_MAP_MASK plus
// MAP_SYNC, which only DAX files support: EOPNOTSUPP here too).
constexpr int kLegacyMapMask = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS |
                               MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED |
                               MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE |
                               MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_32BIT |
                               MAP_FIXED_NOREPLACE | (0x3f << MAP_HUGE_SHIFT);

}  // namespace

ErrnoOr<uint64_t> MemoryManager::FindPlacement(uint64_t hint, uint64_t len, bool map32) {
  const uint64_t lo = options_.min_address, hi = options_.max_address;
  if (len > hi - lo) return Errno(ENOMEM);
  if (hint != 0) {
    hint = std::max(hint, lo);
    const uint64_t h = PageUp(hint);
    if (h >= hint && h <= hi - len && !vmas_.Overlaps(h, h + len)) return h;
  }
  if (map32) {
    if (auto a = vmas_.FindGapBottomUp(len, 0x40000000, 0x80000000)) return *a;
    return Errno(ENOMEM);
  }
  if (auto a = vmas_.FindGapTopDown(len, lo, std::min(options_.mmap_base, hi))) return *a;
  if (auto a = vmas_.FindGapBottomUp(len, lo, hi)) return *a;
  return Errno(ENOMEM);
}

ErrnoOr<uint64_t> MemoryManager::Mmap(const MmapRequest& req) {
  int flags = req.flags;
  if (req.length == 0) return Errno(EINVAL);
  switch (flags & MAP_TYPE) {
    case MAP_SHARED:
    case MAP_PRIVATE:
      break;
    case MAP_SHARED_VALIDATE:
      // Linux validates only file mappings; anonymous ones are EINVAL.
      if (flags & MAP_ANONYMOUS) return Errno(EINVAL);
      if (flags & ~kLegacyMapMask) return Errno(EOPNOTSUPP);
      flags = (flags & ~MAP_TYPE) | MAP_SHARED;
      break;
    default:
      return Errno(EINVAL);
  }
  const bool anonymous = (flags & MAP_ANONYMOUS) != 0;
  if (!anonymous && req.file == nullptr) return Errno(EBADF);
  if (!PageAligned(req.offset)) return Errno(EINVAL);
  const uint64_t len = PageUp(req.length);
  if (len < req.length) return Errno(ENOMEM);
  if (!anonymous && req.offset + len < req.offset) return Errno(EOVERFLOW);
  const int prot = req.prot & kProtMask;
  const int max_prot = anonymous ? kProtMask : req.max_prot;
  if (prot & ~max_prot) return Errno(EACCES);

  absl::MutexLock l(&mu_);
  uint64_t start;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (!PageAligned(req.addr)) return Errno(EINVAL);
    if (req.addr > options_.max_address || len > options_.max_address - req.addr) {
      return Errno(ENOMEM);
    }
    if (req.addr < options_.min_address) return Errno(EPERM);
    if ((flags & MAP_FIXED_NOREPLACE) && vmas_.Overlaps(req.addr, req.addr + len)) {
      return Errno(EEXIST);
    }
    start = req.addr;
  } else {
    ErrnoOr<uint64_t> a = FindPlacement(req.addr, len, (flags & MAP_32BIT) != 0);
    if (!a.ok()) return a.error();
    start = *a;
  }
  UnmapLocked(start, start + len);  // MAP_FIXED replaces what was there
  Vma v;
  v.start = start;
  v.end = start + len;
  v.prot = prot;
  v.max_prot = max_prot;
  v.flags = (flags & MAP_SHARED ? MAP_SHARED : MAP_PRIVATE) |
            (anonymous ? MAP_ANONYMOUS : 0) | (flags & MAP_GROWSDOWN);
  if (!anonymous) {
    v.file = req.file;
    v.file_offset = req.offset;
  }
  v.name = req.name;
  if (anonymous && v.shared()) {
    if (ErrnoResult r = AllocateShared(v.start, v.end); !r.ok()) return r.error();
  }
  const bool shared_anon = anonymous && v.shared();
  vmas_.Insert(std::move(v));
  if ((flags & (MAP_POPULATE | MAP_LOCKED)) && !(flags & MAP_NONBLOCK) && prot != PROT_NONE) {
    for (uint64_t a = start; a < start + len; a += kPageSize) {
      Vma* vma = vmas_.Find(a);
      Page* pg;
      if (vma == nullptr || !Populate(*vma, a, false, true, !shared_anon, &pg).ok()) break;
    }
  }
  return start;
}

ErrnoResult MemoryManager::Munmap(uint64_t addr, uint64_t len) {
  if (!PageAligned(addr) || len == 0 || addr > kTaskSize || len > kTaskSize - addr) {
    return Errno(EINVAL);
  }
  const uint64_t end = std::min(PageUp(addr + len), kTaskSize);
  std::vector<FileRange> shared;
  {
    absl::MutexLock l(&mu_);
    shared = SharedFileRangesLocked(addr, end);
    UnmapLocked(addr, end);
  }
  (void)SyncRanges(shared);  // munmap does not report write-back errors
  return {};
}

ErrnoResult MemoryManager::Mprotect(uint64_t addr, uint64_t len, int prot) {
  const int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~grows;
  if (!PageAligned(addr)) return Errno(EINVAL);
  if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) return Errno(EINVAL);
  if (prot & ~(kProtMask | PROT_SEM)) return Errno(EINVAL);
  prot &= kProtMask;
  if (len == 0) return {};
  uint64_t end = PageUp(addr + len);
  if (addr + len < addr || end <= addr) return Errno(ENOMEM);

  absl::MutexLock l(&mu_);
  uint64_t start = addr;
  auto first = vmas_.FirstEndingAfter(start);
  if (first == vmas_.end()) return Errno(ENOMEM);
  if (grows & PROT_GROWSDOWN) {
    if (first->second.start >= end) return Errno(ENOMEM);
    if (!first->second.growsdown()) return Errno(EINVAL);
    start = first->second.start;
  } else if (grows & PROT_GROWSUP) {
    return Errno(EINVAL);  // x86 has no upward-growing mappings
  } else if (first->second.start > start) {
    return Errno(ENOMEM);
  }
  ErrnoResult result;
  uint64_t a = start;
  while (a < end) {
    Vma* v = vmas_.Find(a);
    if (v == nullptr) {
      result = Errno(ENOMEM);  // a hole: Linux keeps what it changed so far
      break;
    }
    if (prot & ~v->max_prot) {
      result = Errno(EACCES);
      break;
    }
    const uint64_t seg_end = std::min(v->end, end);
    vmas_.SplitAt(a);
    vmas_.SplitAt(seg_end);
    vmas_.Find(a)->prot = prot;
    a = seg_end;
  }
  vmas_.MergeAround(start, a);
  ReprotectMapped(start, a);
  return result;
}

void MemoryManager::MoveLocked(uint64_t old_addr, uint64_t len, uint64_t new_addr,
                               bool keep_old) {
  std::vector<Vma> moved = vmas_.Remove(old_addr, old_addr + len);
  for (const Vma& v : moved) {
    Vma n = v;
    n.start = v.start - old_addr + new_addr;
    n.end = v.end - old_addr + new_addr;
    vmas_.Insert(std::move(n));
    if (keep_old) vmas_.Insert(v);
  }
  auto first = pages_.lower_bound(old_addr);
  auto last = pages_.lower_bound(old_addr + len);
  bool any_mapped = false;
  std::vector<std::pair<uint64_t, Page>> taken;
  for (auto it = first; it != last; ++it) {
    any_mapped |= it->second.mapped;
    taken.emplace_back(it->first - old_addr + new_addr, Page{it->second.offset, false});
  }
  pages_.erase(first, last);
  if (any_mapped) LogIfError(as_->Unmap(old_addr, len), "Unmap");
  for (auto& [a, pg] : taken) pages_[a] = pg;
}

ErrnoOr<uint64_t> MemoryManager::Mremap(uint64_t old_addr, uint64_t old_len,
                                        uint64_t new_len, int flags, uint64_t new_addr) {
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return Errno(EINVAL);
  if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && !(flags & MREMAP_MAYMOVE)) {
    return Errno(EINVAL);
  }
  if (!PageAligned(old_addr)) return Errno(EINVAL);
  const uint64_t olen = PageUp(old_len), nlen = PageUp(new_len);
  if (olen < old_len || nlen < new_len || nlen == 0) return Errno(EINVAL);
  if ((flags & MREMAP_DONTUNMAP) && olen != nlen) return Errno(EINVAL);
  if (olen == 0) return Errno(EINVAL);  // duplicating a shared mapping: not supported
  const bool fixed = (flags & MREMAP_FIXED) != 0;
  const bool dontunmap = (flags & MREMAP_DONTUNMAP) != 0;
  if (fixed) {
    if (!PageAligned(new_addr)) return Errno(EINVAL);
    if (nlen > kTaskSize || new_addr > kTaskSize - nlen) return Errno(EINVAL);
    if (new_addr < old_addr + olen && old_addr < new_addr + nlen) return Errno(EINVAL);
    if (new_addr + nlen > options_.max_address) return Errno(ENOMEM);
    if (new_addr < options_.min_address) return Errno(EPERM);
  }

  absl::MutexLock l(&mu_);
  Vma* v = vmas_.Find(old_addr);
  if (v == nullptr) return Errno(EFAULT);
  // The old range of a shared anonymous mapping would lose its pages here.
  if (dontunmap && v->shared() && v->anonymous()) return Errno(EINVAL);
  if (!fixed && !dontunmap && nlen <= olen) {  // shrink (or same size) in place
    UnmapLocked(old_addr + nlen, old_addr + olen);
    return old_addr;
  }
  if (olen > v->end - old_addr) return Errno(EFAULT);
  const Vma tmpl = *v;  // attributes for the grown part

  // Appends [at, at + (nlen - olen)) to a moved or in-place region.
  auto extend = [&](uint64_t region_start) -> ErrnoResult {
    if (nlen <= olen) return {};
    Vma ext = tmpl;
    ext.start = region_start + olen;
    ext.end = region_start + nlen;
    ext.file_offset = tmpl.file_offset + (old_addr - tmpl.start) + olen;
    if (ext.anonymous() && ext.shared()) {
      if (ErrnoResult r = AllocateShared(ext.start, ext.end); !r.ok()) return r;
    }
    vmas_.Insert(std::move(ext));
    return {};
  };

  if (!fixed && !dontunmap && v->end == old_addr + olen && nlen - olen <= options_.max_address - v->end &&
      !vmas_.Overlaps(v->end, old_addr + nlen)) {
    if (ErrnoResult r = extend(old_addr); !r.ok()) return r.error();
    return old_addr;
  }
  if (!(flags & MREMAP_MAYMOVE)) return Errno(ENOMEM);
  uint64_t dest;
  if (fixed) {
    dest = new_addr;
    UnmapLocked(dest, dest + nlen);
  } else {
    ErrnoOr<uint64_t> a = FindPlacement(0, nlen, false);
    if (!a.ok()) return a.error();
    dest = *a;
  }
  uint64_t move_len = olen;
  if (olen > nlen) {  // MREMAP_FIXED to a smaller size
    UnmapLocked(old_addr + nlen, old_addr + olen);
    move_len = nlen;
  }
  MoveLocked(old_addr, move_len, dest, dontunmap);
  if (ErrnoResult r = extend(dest); !r.ok()) return r.error();
  return dest;
}

void MemoryManager::SetBrkBase(uint64_t addr) {
  absl::MutexLock l(&mu_);
  brk_base_ = brk_ = addr;
}

uint64_t MemoryManager::Brk(uint64_t addr, uint64_t rlimit_data) {
  absl::MutexLock l(&mu_);
  if (addr == 0 || addr < brk_base_ || addr - brk_base_ > rlimit_data) return brk_;
  const uint64_t old_end = PageUp(brk_), new_end = PageUp(addr);
  if (new_end < addr) return brk_;
  if (new_end > old_end) {
    if (new_end > options_.max_address || vmas_.Overlaps(old_end, new_end)) return brk_;
    Vma v;
    v.start = old_end;
    v.end = new_end;
    v.prot = PROT_READ | PROT_WRITE;
    v.name = "[heap]";
    vmas_.Insert(std::move(v));
  } else if (new_end < old_end) {
    UnmapLocked(new_end, old_end);
  }
  brk_ = addr;
  return brk_;
}

}  // namespace sentry::mm
