// page_cache.h: file pages in the MemoryFile for file mmap, for every
// filesystem, coherent with read(2)/write(2).
//
// Model. An Inode's data lives wherever its filesystem keeps it (tmpfs: the
// heap; goferfs: the host file). A MAP_SHARED mapping needs the data in
// MemoryFile pages that every mapping of the file shares, so the first
// shared fault creates the inode's PageCache (Inode::GetOrCreatePageCache)
// and fills one page from Inode::ReadAt. From then on:
//  - A cached page is the truth for its bytes below the file size: stores
//    through shared mappings land there directly.
//  - read(2) (ReadFileData) reads the inode, then overlays cached pages.
//  - write(2) (WriteFileData) writes the inode, then the cached pages (so
//    shared mappings see it at once); bytes of a cached page between the old
//    EOF and a write past it are zeroed, as they read as zeroes.
//  - Sync (msync, fsync, munmap, the end of an address space) writes cached
//    pages back through Inode::WriteAt (never past the file size) and
//    releases those no mapping holds any more.
//  - truncate (SetFileSize) zeroes the cached tail past the new size and
//    drops cached pages wholly past it (a mapping that still holds such a
//    page keeps a detached copy; Linux would SIGBUS on it instead).
// Private mappings (ReadPage) copy the cached page if there is one, else
// read the inode: they see the file as of their first touch of each page.
//
// Without a cache (no shared mapping yet) the helpers call the inode
// directly: files never mapped pay nothing.
//
// Locking: PageCache::mu_ is held while calling the inode, so the order is
// MemoryManager::mu_ -> PageCache::mu_ -> filesystem locks -> MemoryFile.
// The inode must not call back into its cache.
#ifndef SENTRY_VFS_PAGE_CACHE_H_
#define SENTRY_VFS_PAGE_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sentry/errno.h"
#include "sentry/mm/memory_file.h"
#include "sentry/mm/vma.h"
#include "sentry/vfs/inode.h"

namespace sentry::vfs {

class PageCache {
 public:
  // `inode` owns the cache (Inode::GetOrCreatePageCache); `mf` holds pages.
  PageCache(Inode& inode, mm::MemoryFile& mf) : inode_(inode), mf_(mf) {}
  // Drops the cache's page references (no write-back: the inode is going
  // away; a filesystem with a backing store calls Sync(0, ~0) before).
  ~PageCache();
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  // read(2)/write(2) at `off` (see the model above).
  ErrnoOr<size_t> Read(void* buf, size_t len, int64_t off);
  ErrnoOr<size_t> Write(const void* buf, size_t len, int64_t off);
  // After the file size changed from `old_size` to `new_size` (truncate).
  void Resized(int64_t old_size, int64_t new_size);

  // MappableFile::SharedPage: the MemoryFile offset of the page at
  // page-aligned `offset`, with one reference for the caller. EFAULT for a
  // page wholly past EOF (the fault becomes SIGBUS), read errors as is.
  ErrnoOr<uint64_t> SharedPage(uint64_t offset);
  // MappableFile::ReadPage: a private copy of the page at `offset` into dst
  // (kPageSize bytes, zero past EOF). EFAULT past EOF.
  ErrnoResult ReadPage(uint64_t offset, uint8_t* dst);
  // Writes cached pages of [offset, offset+len) back to the inode and
  // drops those only the cache still holds. EIO if a write fails.
  ErrnoResult Sync(uint64_t offset, uint64_t len);

  // Tests: number of cached pages.
  size_t CachedPages() const;

 private:
  Inode& inode_;
  mm::MemoryFile& mf_;
  mutable absl::Mutex mu_;
  std::map<uint64_t, uint64_t> pages_ ABSL_GUARDED_BY(mu_);  // file offset -> MemoryFile offset
};

// The data path every VfsFile uses: through the inode's PageCache if it has
// one, else straight to the inode.
ErrnoOr<size_t> ReadFileData(Inode& inode, void* buf, size_t len, int64_t off);
ErrnoOr<size_t> WriteFileData(Inode& inode, const void* buf, size_t len, int64_t off);
// truncate(2)/O_TRUNC: SetAttr(kSize) and the page cache's Resized.
ErrnoResult SetFileSize(Inode& inode, int64_t size);
// fsync(2): writes cached pages back (nothing to do without a cache).
ErrnoResult SyncFileData(Inode& inode);

// The MappableFile of a VFS regular file: what mmap(2) of an fd and the ELF
// loader map. Keeps the inode alive for as long as a Vma refers to it.
class InodeMappable final : public mm::MappableFile {
 public:
  // `name`: the path shown in /proc/pid/maps.
  InodeMappable(std::shared_ptr<Inode> inode, mm::MemoryFile& mf, std::string name)
      : inode_(std::move(inode)), mf_(mf), name_(std::move(name)) {}
  ErrnoResult ReadPage(uint64_t offset, uint8_t* dst) override;
  ErrnoOr<uint64_t> SharedPage(uint64_t offset) override;
  ErrnoResult Sync(uint64_t offset, uint64_t len) override;
  std::string Name() const override { return name_; }

 private:
  const std::shared_ptr<Inode> inode_;
  mm::MemoryFile& mf_;
  const std::string name_;
};

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_PAGE_CACHE_H_
