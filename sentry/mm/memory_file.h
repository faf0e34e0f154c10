// memory_file.h: the sandbox memory file. One memfd holds all app memory.
//
// The file is sized once (sparse, up to `max_size`) and mapped whole into the
// Sentry, MAP_SHARED | MAP_NORESERVE, so the Sentry reaches any page by
// pointer arithmetic (Data(offset)). The platform maps ranges of the same
// file into the app's address spaces (PlatformOptions.memory_fd = fd()).
//
// Pages are handed out by a first-fit extent allocator. Each allocated page
// has a reference count (copy-on-write sharing after fork, shared mappings);
// when it drops to 0 the page goes back to the host (fallocate PUNCH_HOLE) and
// to the free list. Contract: a freshly allocated page reads as zeroes.
//
// Thread-safe. Lock order: MemoryManager::mu_ -> MemoryFile::mu_ (the memory
// file never calls out while holding mu_).
#ifndef SENTRY_MM_MEMORY_FILE_H_
#define SENTRY_MM_MEMORY_FILE_H_

#include <cstdint>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/unique_fd.h"
#include "sentry/errno.h"

namespace sentry::mm {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t PageDown(uint64_t a) { return a & ~(kPageSize - 1); }
// Callers must check for overflow (PageUp(x) < x) themselves.
inline constexpr uint64_t PageUp(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }
inline constexpr bool PageAligned(uint64_t a) { return (a & (kPageSize - 1)) == 0; }

class MemoryFile {
 public:
  static constexpr uint64_t kDefaultMaxSize = uint64_t{64} << 30;  // 64 GiB, sparse

  // Creates the memfd, sizes it to `max_size` (rounded up to pages) and maps it.
  static absl::StatusOr<std::unique_ptr<MemoryFile>> Create(
      uint64_t max_size = kDefaultMaxSize);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  // The memfd, for PlatformOptions.memory_fd. Owned by this object.
  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }

  // Allocates `pages` (> 0) contiguous zeroed pages, each with reference
  // count 1; returns the file offset of the first. ENOMEM when the file has
  // no free run that long.
  ErrnoOr<uint64_t> Allocate(uint64_t pages);
  // Adds / drops one reference to every page of [offset, offset+len) (page
  // aligned). Precondition: every page is allocated. A page whose count
  // reaches 0 is freed (its contents are gone; it reads as zeroes when
  // allocated again).
  void IncRef(uint64_t offset, uint64_t len);
  void DecRef(uint64_t offset, uint64_t len);
  // Current reference count of the page at `offset` (0 if free).
  uint32_t RefCount(uint64_t offset) const;
  // Number of allocated pages (for accounting and leak tests).
  uint64_t allocated_pages() const;

  // The Sentry's view of the file at `offset`. Valid for the file's lifetime.
  uint8_t* Data(uint64_t offset) const { return base_ + offset; }

 private:
  MemoryFile(base::UniqueFd fd, uint8_t* base, uint64_t size);
  // Returns [offset, offset+len) to the host and the free list.
  void Release(uint64_t offset, uint64_t len) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const base::UniqueFd fd_;
  uint8_t* const base_;
  const uint64_t size_;

  mutable absl::Mutex mu_;
  std::map<uint64_t, uint64_t> free_ ABSL_GUARDED_BY(mu_);  // offset -> length, coalesced
  absl::flat_hash_map<uint64_t, uint32_t> refs_ ABSL_GUARDED_BY(mu_);  // page offset -> count
};

}  // namespace sentry::mm

#endif  // SENTRY_MM_MEMORY_FILE_H_
