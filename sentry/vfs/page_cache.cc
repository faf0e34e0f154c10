#include "sentry/vfs/page_cache.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace sentry::vfs {
namespace {

using mm::kPageSize;

// Fills dst with the file's page at `offset` straight from the inode; zero
// past EOF; EFAULT if the page lies wholly past EOF.
ErrnoResult ReadPageFromInode(Inode& inode, uint64_t offset, uint8_t* dst) {
  size_t done = 0;
  while (done < kPageSize) {
    auto n = inode.ReadAt(dst + done, kPageSize - done, static_cast<int64_t>(offset + done));
    if (!n.ok()) return n.error();
    if (*n == 0) break;
    done += *n;
  }
  if (done == 0) return Errno(EFAULT);
  std::memset(dst + done, 0, kPageSize - done);
  return {};
}

}  // namespace

PageCache::~PageCache() {
  absl::MutexLock l(&mu_);
  for (const auto& [off, mf_off] : pages_) mf_.DecRef(mf_off, kPageSize);
  pages_.clear();
}

size_t PageCache::CachedPages() const {
  absl::MutexLock l(&mu_);
  return pages_.size();
}

ErrnoOr<size_t> PageCache::Read(void* buf, size_t len, int64_t off) {
  absl::MutexLock l(&mu_);
  auto n = inode_.ReadAt(buf, len, off);
  if (!n.ok() || *n == 0 || off < 0) return n;
  const uint64_t start = static_cast<uint64_t>(off), end = start + *n;
  for (auto it = pages_.lower_bound(mm::PageDown(start)); it != pages_.end() && it->first < end;
       ++it) {
    const uint64_t s = std::max(start, it->first), e = std::min(end, it->first + kPageSize);
    std::memcpy(static_cast<uint8_t*>(buf) + (s - start), mf_.Data(it->second) + (s - it->first),
                e - s);
  }
  return n;
}

ErrnoOr<size_t> PageCache::Write(const void* buf, size_t len, int64_t off) {
  absl::MutexLock l(&mu_);
  const int64_t old_size = inode_.Stat().size;
  auto n = inode_.WriteAt(buf, len, off);
  if (!n.ok() || *n == 0 || off < 0) return n;
  const uint64_t start = static_cast<uint64_t>(off), end = start + *n;
  // Bytes between the old EOF and the write read as zeroes now.
  const uint64_t gap = old_size >= 0 ? static_cast<uint64_t>(old_size) : 0;
  for (auto it = pages_.lower_bound(mm::PageDown(std::min(gap, start))); it != pages_.end() &&
                                                                          it->first < end;
       ++it) {
    uint8_t* page = mf_.Data(it->second);
    if (gap < start) {
      const uint64_t zs = std::max(gap, it->first), ze = std::min(start, it->first + kPageSize);
      if (zs < ze) std::memset(page + (zs - it->first), 0, ze - zs);
    }
    const uint64_t s = std::max(start, it->first), e = std::min(end, it->first + kPageSize);
    if (s < e) std::memcpy(page + (s - it->first), static_cast<const uint8_t*>(buf) + (s - start), e - s);
  }
  return n;
}

void PageCache::Resized(int64_t old_size, int64_t new_size) {
  absl::MutexLock l(&mu_);
  // Zero the cached bytes past the smaller size in its page (past the old
  // EOF they may hold stores beyond EOF; past the new one, cut data), and
  // drop pages wholly past the new size.
  const uint64_t keep = static_cast<uint64_t>(std::max<int64_t>(new_size, 0));
  const uint64_t low = std::min(keep, static_cast<uint64_t>(std::max<int64_t>(old_size, 0)));
  for (auto it = pages_.lower_bound(mm::PageDown(low)); it != pages_.end();) {
    if (it->first >= mm::PageUp(keep)) {
      mf_.DecRef(it->second, kPageSize);
      it = pages_.erase(it);
      continue;
    }
    const uint64_t zs = std::max(low, it->first);
    if (zs < it->first + kPageSize) {
      std::memset(mf_.Data(it->second) + (zs - it->first), 0, it->first + kPageSize - zs);
    }
    ++it;
  }
}

ErrnoOr<uint64_t> PageCache::SharedPage(uint64_t offset) {
  absl::MutexLock l(&mu_);
  if (auto it = pages_.find(offset); it != pages_.end()) {
    if (offset >= static_cast<uint64_t>(std::max<int64_t>(inode_.Stat().size, 0))) {
      return Errno(EFAULT);  // truncated below it since
    }
    mf_.IncRef(it->second, kPageSize);
    return it->second;
  }
  ErrnoOr<uint64_t> page = mf_.Allocate(1);
  if (!page.ok()) return page.error();
  if (ErrnoResult r = ReadPageFromInode(inode_, offset, mf_.Data(*page)); !r.ok()) {
    mf_.DecRef(*page, kPageSize);
    return r.error();
  }
  pages_[offset] = *page;
  mf_.IncRef(*page, kPageSize);  // the cache's and the caller's
  return *page;
}

ErrnoResult PageCache::ReadPage(uint64_t offset, uint8_t* dst) {
  absl::MutexLock l(&mu_);
  if (auto it = pages_.find(offset); it != pages_.end()) {
    const int64_t size = inode_.Stat().size;
    if (size <= 0 || offset >= static_cast<uint64_t>(size)) return Errno(EFAULT);
    const uint64_t n = std::min<uint64_t>(kPageSize, static_cast<uint64_t>(size) - offset);
    std::memcpy(dst, mf_.Data(it->second), n);
    std::memset(dst + n, 0, kPageSize - n);
    return {};
  }
  return ReadPageFromInode(inode_, offset, dst);
}

ErrnoResult PageCache::Sync(uint64_t offset, uint64_t len) {
  absl::MutexLock l(&mu_);
  const uint64_t end = len > ~uint64_t{0} - offset ? ~uint64_t{0} : offset + len;
  const int64_t ssize = inode_.Stat().size;
  const uint64_t size = static_cast<uint64_t>(std::max<int64_t>(ssize, 0));
  ErrnoResult result;
  for (auto it = pages_.lower_bound(mm::PageDown(offset)); it != pages_.end() && it->first < end;) {
    if (it->first < size) {
      const uint64_t n = std::min<uint64_t>(kPageSize, size - it->first);
      auto w = inode_.WriteAt(mf_.Data(it->second), n, static_cast<int64_t>(it->first));
      if (!w.ok() || *w != n) {
        if (result.ok()) result = Errno(EIO);
        ++it;
        continue;  // keep the page: it is the only copy of the data
      }
    }
    if (mf_.RefCount(it->second) == 1) {  // no mapping holds it any more
      mf_.DecRef(it->second, kPageSize);
      it = pages_.erase(it);
    } else {
      ++it;
    }
  }
  return result;
}

ErrnoOr<size_t> ReadFileData(Inode& inode, void* buf, size_t len, int64_t off) {
  if (PageCache* c = inode.page_cache()) return c->Read(buf, len, off);
  return inode.ReadAt(buf, len, off);
}

ErrnoOr<size_t> WriteFileData(Inode& inode, const void* buf, size_t len, int64_t off) {
  if (PageCache* c = inode.page_cache()) return c->Write(buf, len, off);
  return inode.WriteAt(buf, len, off);
}

ErrnoResult SetFileSize(Inode& inode, int64_t size) {
  const int64_t old_size = inode.Stat().size;
  SetAttrRequest req;
  req.mask = SetAttrRequest::kSize;
  req.size = size;
  if (ErrnoResult r = inode.SetAttr(req); !r.ok()) return r;
  if (PageCache* c = inode.page_cache()) c->Resized(old_size, size);
  return {};
}

ErrnoResult SyncFileData(Inode& inode) {
  if (PageCache* c = inode.page_cache()) return c->Sync(0, ~uint64_t{0});
  return {};
}

ErrnoResult InodeMappable::ReadPage(uint64_t offset, uint8_t* dst) {
  if (PageCache* c = inode_->page_cache()) return c->ReadPage(offset, dst);
  return ReadPageFromInode(*inode_, offset, dst);
}

ErrnoOr<uint64_t> InodeMappable::SharedPage(uint64_t offset) {
  return inode_->GetOrCreatePageCache(mf_).SharedPage(offset);
}

ErrnoResult InodeMappable::Sync(uint64_t offset, uint64_t len) {
  if (PageCache* c = inode_->page_cache()) return c->Sync(offset, len);
  return {};
}

}  // namespace sentry::vfs
