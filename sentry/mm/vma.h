// vma.h: virtual memory areas of one address space, and the minimal file
// interface a file mapping needs.
//
// A Vma is a page-aligned range [start, end) with uniform attributes. VmaSet
// keeps them sorted and non-overlapping; it splits at range boundaries and
// merges neighbours whose attributes are compatible. It knows nothing about
// pages (the MemoryManager keeps those). Not thread-safe: the owning
// MemoryManager's mu_ guards it.
#ifndef SENTRY_MM_VMA_H_
#define SENTRY_MM_VMA_H_

#include <sys/mman.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sentry/errno.h"

namespace sentry::mm {

// A file that can be mmap'd (the VFS implements it over an inode and its
// page cache: sentry/vfs/page_cache.h). ReadPage and SharedPage are called
// with the MemoryManager's mu_ held: an implementation must not call back
// into that MemoryManager. Sync is called without it.
class MappableFile {
 public:
  virtual ~MappableFile() = default;
  // Private mappings: fills `dst` (kPageSize bytes) with the file's page at
  // page-aligned `offset`; bytes past EOF inside the last page are zero.
  // An error (EIO, or EFAULT for a page wholly past EOF) becomes SIGBUS.
  virtual ErrnoResult ReadPage(uint64_t offset, uint8_t* dst) = 0;
  // Shared mappings: the MemoryFile offset of the page caching the file's
  // page at `offset`, with one reference (MemoryFile::IncRef) owned by the
  // caller from now on. Writes through it must reach the file.
  virtual ErrnoOr<uint64_t> SharedPage(uint64_t offset) = 0;
  // Shared mappings: writes the pages of [offset, offset+len) that stores
  // may have changed back to the file (msync, munmap, the address space's
  // end). EIO if the file could not be written.
  virtual ErrnoResult Sync(uint64_t /*offset*/, uint64_t /*len*/) { return {}; }
  // A name for /proc/pid/maps.
  virtual std::string Name() const = 0;
};

struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  int prot = PROT_NONE;                            // PROT_READ/WRITE/EXEC
  int max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;  // mprotect bound (EACCES)
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;  // MAP_PRIVATE or MAP_SHARED, |
                                            // MAP_ANONYMOUS, | MAP_GROWSDOWN
  std::shared_ptr<MappableFile> file;  // null: anonymous
  uint64_t file_offset = 0;            // file offset of `start`
  std::string name;                    // "[heap]", "[stack]", ... for /proc/maps
  bool dontfork = false;    // MADV_DONTFORK: absent from a Fork child
  bool wipeonfork = false;  // MADV_WIPEONFORK: zero-filled in a Fork child

  bool shared() const { return (flags & MAP_SHARED) != 0; }
  bool private_() const { return !shared(); }
  bool anonymous() const { return file == nullptr; }
  bool growsdown() const { return (flags & MAP_GROWSDOWN) != 0; }
  uint64_t length() const { return end - start; }
  // Whether `next`, starting at this->end, can be folded into this one.
  bool CanMergeWith(const Vma& next) const;
};

class VmaSet {
 public:
  using Map = std::map<uint64_t, Vma>;  // keyed by start
  using iterator = Map::iterator;

  // The Vma containing addr, or null.
  Vma* Find(uint64_t addr);
  const Vma* Find(uint64_t addr) const;
  // The first Vma ending after addr (containing it or above it), or end().
  iterator FirstEndingAfter(uint64_t addr);
  iterator begin() { return m_.begin(); }
  iterator end() { return m_.end(); }
  Map::const_iterator begin() const { return m_.begin(); }
  Map::const_iterator end() const { return m_.end(); }
  bool empty() const { return m_.empty(); }
  size_t size() const { return m_.size(); }

  // Whether any Vma intersects [start, end).
  bool Overlaps(uint64_t start, uint64_t end) const;
  // Whether [start, end) is wholly covered by Vmas (no hole).
  bool Covers(uint64_t start, uint64_t end) const;
  // Makes `addr` a Vma boundary if it lies strictly inside a Vma.
  void SplitAt(uint64_t addr);
  // Removes [start, end) (splitting Vmas at its edges); returns what was removed.
  std::vector<Vma> Remove(uint64_t start, uint64_t end);
  // Inserts v. Precondition: !Overlaps(v.start, v.end). Merges neighbours.
  void Insert(Vma v);
  // Merges compatible neighbours among the Vmas touching [start, end].
  void MergeAround(uint64_t start, uint64_t end);

  // Highest page-aligned start s with [s, s+len) free, s >= lo and
  // s + len <= hi.
  std::optional<uint64_t> FindGapTopDown(uint64_t len, uint64_t lo, uint64_t hi) const;
  // Lowest such start.
  std::optional<uint64_t> FindGapBottomUp(uint64_t len, uint64_t lo, uint64_t hi) const;

 private:
  Map m_;
};

}  // namespace sentry::mm

#endif  // SENTRY_MM_VMA_H_
