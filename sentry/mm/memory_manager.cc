// memory_manager.cc: MemoryManager core: pages, faults, fork, lifetime.
#include "sentry/mm/memory_manager.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "base/fmt_absl.h"
#include "spdlog/spdlog.h"

namespace sentry::mm {
namespace {

// An anonymous fault populates the aligned block of this many pages around
// it (clipped to the Vma and to untouched pages): far fewer faults for
// sequential first touches, at most 60 KiB populated ahead of need.
constexpr uint64_t kFaultAroundPages = 16;

// Drops one reference on each offset, batching contiguous runs.
void DecRefAll(MemoryFile& file, const std::vector<uint64_t>& offsets) {
  size_t i = 0;
  while (i < offsets.size()) {
    size_t j = i + 1;
    while (j < offsets.size() && offsets[j] == offsets[j - 1] + kPageSize) ++j;
    file.DecRef(offsets[i], (j - i) * kPageSize);
    i = j;
  }
}

}  // namespace

MemoryManager::MemoryManager(MemoryFile& file, std::unique_ptr<platform::AddressSpace> as,
                             MemoryManagerOptions options)
    : file_(file), as_(std::move(as)), options_([&] {
        if (options.mmap_base == 0) {
          options.mmap_base = options.max_address - std::min<uint64_t>(
                                                        options.max_address / 2, uint64_t{1} << 30);
        }
        return options;
      }()),
      stack_limit_(options_.stack_limit) {}

MemoryManager::~MemoryManager() {
  // The app must lose access to the pages before anyone can reuse them.
  as_.reset();
  std::vector<FileRange> shared;
  {
    absl::MutexLock l(&mu_);
    std::vector<uint64_t> offsets;
    offsets.reserve(pages_.size());
    for (const auto& [addr, pg] : pages_) offsets.push_back(pg.offset);
    pages_.clear();
    DecRefAll(file_, offsets);
    shared = SharedFileRangesLocked(0, ~uint64_t{0});
    vmas_ = VmaSet();
  }
  (void)SyncRanges(shared);
}

std::vector<MemoryManager::FileRange> MemoryManager::SharedFileRangesLocked(uint64_t start,
                                                                            uint64_t end) {
  std::vector<FileRange> out;
  for (auto it = vmas_.FirstEndingAfter(start); it != vmas_.end() && it->second.start < end;
       ++it) {
    const Vma& v = it->second;
    if (v.anonymous() || !v.shared()) continue;
    const uint64_t s = std::max(v.start, start), e = std::min(v.end, end);
    out.push_back({v.file, v.file_offset + (s - v.start), e - s});
  }
  return out;
}

ErrnoResult MemoryManager::SyncRanges(const std::vector<FileRange>& ranges) {
  ErrnoResult result;
  for (const FileRange& r : ranges) {
    ErrnoResult s = r.file->Sync(r.offset, r.len);
    if (!s.ok() && result.ok()) result = s;
  }
  return result;
}

void MemoryManager::LogIfError(const absl::Status& s, const char* what) const {
  if (!s.ok()) spdlog::error("mm: AddressSpace {} failed: {}", what, s);
}

bool MemoryManager::Allows(const Vma& vma, platform::AccessType access) {
  switch (access) {
    case platform::AccessType::kWrite:
      return (vma.prot & PROT_WRITE) != 0;
    case platform::AccessType::kExec:
      return (vma.prot & PROT_EXEC) != 0;
    default:
      return (vma.prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) != 0;
  }
}

int MemoryManager::EffectiveProt(const Vma& vma, const Page& pg) const {
  int prot = vma.prot;
  if (vma.private_() && (prot & PROT_WRITE) && file_.RefCount(pg.offset) > 1) {
    prot &= ~PROT_WRITE;
  }
  return prot;
}

ErrnoOr<Vma*> MemoryManager::VmaForAccess(uint64_t addr) {
  if (Vma* v = vmas_.Find(addr)) return v;
  // A fault just below a MAP_GROWSDOWN Vma grows it (keeping Linux's 1 MiB
  // stack guard gap to the Vma below).
  auto next = vmas_.FirstEndingAfter(addr);
  if (next == vmas_.end() || !next->second.growsdown() || !next->second.anonymous() ||
      addr < options_.min_address) {
    return Errno(EFAULT);
  }
  constexpr uint64_t kGuardGap = uint64_t{256} * kPageSize;
  const uint64_t new_start = PageDown(addr);
  if (next != vmas_.begin()) {
    const Vma& prev = std::prev(next)->second;
    if (new_start < prev.end + kGuardGap) return Errno(EFAULT);
  }
  if (next->second.end - new_start > stack_limit_.load(std::memory_order_relaxed)) {
    return Errno(EFAULT);  // RLIMIT_STACK
  }
  Vma grown = next->second;
  const uint64_t old_start = grown.start;
  grown.start = new_start;
  vmas_.Remove(old_start, grown.end);
  vmas_.Insert(std::move(grown));
  return vmas_.Find(addr);
}

ErrnoResult MemoryManager::Populate(Vma& vma, uint64_t addr, bool write, bool map,
                                    bool fault_around, Page** out) {
  if (auto it = pages_.find(addr); it != pages_.end()) {
    Page& pg = it->second;
    *out = &pg;
    if (write && vma.private_() && file_.RefCount(pg.offset) > 1) {
      // Copy-on-write: take a private copy, repoint the mapping, then drop
      // the shared page (only after nothing of ours maps it any more).
      ErrnoOr<uint64_t> copy = file_.Allocate(1);
      if (!copy.ok()) return copy.error();
      std::memcpy(file_.Data(*copy), file_.Data(pg.offset), kPageSize);
      const uint64_t old = pg.offset;
      pg.offset = *copy;
      if (pg.mapped || map) {
        LogIfError(as_->MapFile(addr, kPageSize, vma.prot, pg.offset), "MapFile");
        pg.mapped = true;
      }
      file_.DecRef(old, kPageSize);
      return {};
    }
    if (map) {  // a copy never needs the app mapping changed
      LogIfError(as_->MapFile(addr, kPageSize, EffectiveProt(vma, pg), pg.offset), "MapFile");
      pg.mapped = true;
    }
    return {};
  }

  const uint64_t file_off = vma.file_offset + (addr - vma.start);
  if (vma.anonymous()) {
    // Private (shared anonymous pages are allocated at mmap time; one
    // missing here would be a bug, but a fresh page is a safe answer).
    uint64_t lo = addr, hi = addr + kPageSize;
    if (fault_around && vma.private_()) {
      const uint64_t block = kFaultAroundPages * kPageSize;
      const uint64_t blo = std::max(vma.start, addr & ~(block - 1));
      const uint64_t bhi = std::min(vma.end, (addr & ~(block - 1)) + block);
      auto next = pages_.upper_bound(addr);
      hi = std::min(bhi, next == pages_.end() ? bhi : next->first);
      auto prev = pages_.lower_bound(addr);
      lo = blo;
      if (prev != pages_.begin()) lo = std::max(lo, std::prev(prev)->first + kPageSize);
    }
    const uint64_t n = (hi - lo) / kPageSize;
    ErrnoOr<uint64_t> off = file_.Allocate(n);
    if (!off.ok() && n > 1) {
      lo = addr, hi = addr + kPageSize;
      off = file_.Allocate(1);
    }
    if (!off.ok()) return off.error();
    for (uint64_t a = lo; a < hi; a += kPageSize) {
      pages_[a] = Page{*off + (a - lo), map};
    }
    if (map) LogIfError(as_->MapFile(lo, hi - lo, vma.prot, *off), "MapFile");
    *out = &pages_[addr];
    return {};
  }

  uint64_t offset;
  if (vma.private_()) {
    ErrnoOr<uint64_t> off = file_.Allocate(1);
    if (!off.ok()) return off.error();
    if (ErrnoResult r = vma.file->ReadPage(file_off, file_.Data(*off)); !r.ok()) {
      file_.DecRef(*off, kPageSize);
      return Errno(EIO);
    }
    offset = *off;
  } else {
    ErrnoOr<uint64_t> off = vma.file->SharedPage(file_off);
    if (!off.ok()) return Errno(EIO);
    offset = *off;
  }
  Page& pg = pages_[addr];
  pg = Page{offset, map};
  if (map) LogIfError(as_->MapFile(addr, kPageSize, EffectiveProt(vma, pg), offset), "MapFile");
  *out = &pg;
  return {};
}

ErrnoResult MemoryManager::HandleFault(uint64_t addr, platform::AccessType access) {
  if (addr >= kTaskSize || addr >= options_.max_address) return Errno(EFAULT);
  absl::MutexLock l(&mu_);
  ErrnoOr<Vma*> v = VmaForAccess(addr);
  if (!v.ok()) return v.error();
  Vma& vma = **v;
  const uint64_t page = PageDown(addr);
  if (access == platform::AccessType::kUnknown) {
    // No access type (the platform could not tell): a fault on a page we
    // already map can only be a write to a copy-on-write page, if anything.
    auto it = pages_.find(page);
    if (it != pages_.end() && it->second.mapped && (vma.prot & PROT_WRITE)) {
      access = platform::AccessType::kWrite;
    }
  }
  if (!Allows(vma, access)) return Errno(EACCES);
  Page* pg;
  if (ErrnoResult r = Populate(vma, page, access == platform::AccessType::kWrite,
                               /*map=*/true, /*fault_around=*/true, &pg);
      !r.ok()) {
    return r;
  }
  MapAround(vma, page);
  return {};
}

void MemoryManager::MapAround(const Vma& vma, uint64_t addr) {
  // Populated but unmapped neighbours (a fork child, moved or DONTNEED'd
  // shared pages) in the same aligned block: map them now, one MapFile per
  // run of contiguous addresses, file offsets and prot.
  const uint64_t block = kFaultAroundPages * kPageSize;
  const uint64_t lo = std::max(vma.start, addr & ~(block - 1));
  const uint64_t hi = std::min(vma.end, (addr & ~(block - 1)) + block);
  uint64_t run_addr = 0, run_off = 0, run_len = 0;
  int run_prot = 0;
  std::vector<Page*> run_pages;
  auto flush = [&] {
    if (run_len == 0) return;
    LogIfError(as_->MapFile(run_addr, run_len, run_prot, run_off), "MapFile");
    for (Page* p : run_pages) p->mapped = true;
    run_len = 0;
    run_pages.clear();
  };
  for (auto it = pages_.lower_bound(lo); it != pages_.end() && it->first < hi; ++it) {
    Page& pg = it->second;
    if (pg.mapped) {
      flush();
      continue;
    }
    const int prot = EffectiveProt(vma, pg);
    if (run_len > 0 && run_addr + run_len == it->first && run_off + run_len == pg.offset &&
        prot == run_prot) {
      run_len += kPageSize;
      run_pages.push_back(&pg);
      continue;
    }
    flush();
    run_addr = it->first;
    run_off = pg.offset;
    run_len = kPageSize;
    run_prot = prot;
    run_pages.push_back(&pg);
  }
  flush();
}

void MemoryManager::DropPages(uint64_t start, uint64_t end) {
  auto first = pages_.lower_bound(start);
  auto last = pages_.lower_bound(end);
  if (first == last) return;
  uint64_t map_lo = UINT64_MAX, map_hi = 0;
  std::vector<uint64_t> offsets;
  for (auto it = first; it != last; ++it) {
    offsets.push_back(it->second.offset);
    if (it->second.mapped) {
      map_lo = std::min(map_lo, it->first);
      map_hi = it->first + kPageSize;
    }
  }
  if (map_hi != 0) LogIfError(as_->Unmap(map_lo, map_hi - map_lo), "Unmap");
  pages_.erase(first, last);
  DecRefAll(file_, offsets);
}

void MemoryManager::ReprotectMapped(uint64_t start, uint64_t end) {
  uint64_t run_start = 0, run_end = 0;
  int run_prot = 0;
  auto flush = [&] {
    if (run_end > run_start) LogIfError(as_->Protect(run_start, run_end - run_start, run_prot), "Protect");
    run_start = run_end = 0;
  };
  for (auto it = pages_.lower_bound(start); it != pages_.end() && it->first < end; ++it) {
    if (!it->second.mapped) {
      flush();
      continue;
    }
    const Vma* v = vmas_.Find(it->first);
    if (v == nullptr) continue;  // cannot happen: pages lie inside Vmas
    const int prot = EffectiveProt(*v, it->second);
    if (run_end == it->first && prot == run_prot) {
      run_end += kPageSize;
      continue;
    }
    flush();
    run_start = it->first;
    run_end = it->first + kPageSize;
    run_prot = prot;
  }
  flush();
}

void MemoryManager::UnmapLocked(uint64_t start, uint64_t end) {
  vmas_.Remove(start, end);
  DropPages(start, end);
}

ErrnoResult MemoryManager::AllocateShared(uint64_t start, uint64_t end) {
  uint64_t a = start;
  uint64_t chunk = (end - start) / kPageSize;
  while (a < end) {
    chunk = std::min(chunk, (end - a) / kPageSize);
    ErrnoOr<uint64_t> off = file_.Allocate(chunk);
    if (!off.ok()) {
      if (chunk > 1) {
        chunk /= 2;
        continue;
      }
      DropPages(start, a);
      return Errno(ENOMEM);
    }
    for (uint64_t i = 0; i < chunk; ++i) {
      pages_[a + i * kPageSize] = Page{*off + i * kPageSize, false};
    }
    a += chunk * kPageSize;
  }
  return {};
}

std::unique_ptr<MemoryManager> MemoryManager::Fork(
    std::unique_ptr<platform::AddressSpace> child_as) {
  auto child = std::make_unique<MemoryManager>(file_, std::move(child_as), options());
  absl::MutexLock l(&mu_);
  absl::MutexLock cl(&child->mu_);  // order: parent, then its brand-new child
  child->brk_base_ = brk_base_;
  child->brk_ = brk_;
  child->image_ = image_;
  std::vector<uint64_t> offsets;
  offsets.reserve(pages_.size());
  for (const auto& [start, v] : vmas_) {
    if (v.dontfork) continue;
    child->vmas_.Insert(v);
    if (v.wipeonfork) continue;  // the child starts with zero-fill
    for (auto it = pages_.lower_bound(v.start); it != pages_.end() && it->first < v.end; ++it) {
      child->pages_.emplace_hint(child->pages_.end(), it->first, Page{it->second.offset, false});
      offsets.push_back(it->second.offset);
    }
  }
  size_t i = 0;
  while (i < offsets.size()) {
    size_t j = i + 1;
    while (j < offsets.size() && offsets[j] == offsets[j - 1] + kPageSize) ++j;
    file_.IncRef(offsets[i], (j - i) * kPageSize);
    i = j;
  }
  // Our writable private pages are now shared: write-protect them here (the
  // child maps nothing yet; its faults map them read-only).
  for (const auto& [start, v] : vmas_) {
    if (v.private_() && (v.prot & PROT_WRITE)) ReprotectMapped(v.start, v.end);
  }
  return child;
}

std::vector<Vma> MemoryManager::Vmas() const {
  absl::MutexLock l(&mu_);
  std::vector<Vma> out;
  for (const auto& [start, v] : vmas_) out.push_back(v);
  return out;
}

size_t MemoryManager::PopulatedPages() const {
  absl::MutexLock l(&mu_);
  return pages_.size();
}

size_t MemoryManager::PopulatedPages(uint64_t start, uint64_t end) const {
  absl::MutexLock l(&mu_);
  size_t n = 0;
  for (auto it = pages_.lower_bound(start); it != pages_.end() && it->first < end; ++it) ++n;
  return n;
}

int64_t MemoryManager::PageOffset(uint64_t addr) const {
  absl::MutexLock l(&mu_);
  auto it = pages_.find(PageDown(addr));
  return it == pages_.end() ? -1 : static_cast<int64_t>(it->second.offset);
}

uint64_t MemoryManager::brk() const {
  absl::MutexLock l(&mu_);
  return brk_;
}

void MemoryManager::SetImageInfo(ImageInfo info) {
  absl::MutexLock l(&mu_);
  image_ = std::move(info);
}

ImageInfo MemoryManager::image_info() const {
  absl::MutexLock l(&mu_);
  return image_;
}

}  // namespace sentry::mm
