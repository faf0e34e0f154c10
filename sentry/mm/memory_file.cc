// memory_file.cc: MemoryFile.
#include "sentry/mm/memory_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace sentry::mm {

absl::StatusOr<std::unique_ptr<MemoryFile>> MemoryFile::Create(uint64_t max_size) {
  if (max_size == 0 || PageUp(max_size) < max_size) {
    return absl::InvalidArgumentError("memory file size");
  }
  max_size = PageUp(max_size);
  base::UniqueFd fd(memfd_create("sandbox-memory", MFD_CLOEXEC));
  if (!fd.valid()) {
    return absl::InternalError(absl::StrCat("memfd_create: ", strerror(errno)));
  }
  if (ftruncate(fd.get(), static_cast<off_t>(max_size)) != 0) {
    return absl::InternalError(absl::StrCat("ftruncate memfd: ", strerror(errno)));
  }
  void* m = mmap(nullptr, max_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                 fd.get(), 0);
  if (m == MAP_FAILED) {
    return absl::InternalError(absl::StrCat("mmap memfd: ", strerror(errno)));
  }
  return std::unique_ptr<MemoryFile>(
      new MemoryFile(std::move(fd), static_cast<uint8_t*>(m), max_size));
}

MemoryFile::MemoryFile(base::UniqueFd fd, uint8_t* base, uint64_t size)
    : fd_(std::move(fd)), base_(base), size_(size) {
  free_[0] = size;
}

MemoryFile::~MemoryFile() { munmap(base_, size_); }

ErrnoOr<uint64_t> MemoryFile::Allocate(uint64_t pages) {
  if (pages == 0 || pages > size_ / kPageSize) return Errno(ENOMEM);
  const uint64_t len = pages * kPageSize;
  absl::MutexLock l(&mu_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < len) continue;
    const uint64_t offset = it->first;
    const uint64_t rest = it->second - len;
    free_.erase(it);
    if (rest > 0) free_[offset + len] = rest;
    for (uint64_t p = offset; p < offset + len; p += kPageSize) refs_[p] = 1;
    return offset;
  }
  return Errno(ENOMEM);
}

void MemoryFile::IncRef(uint64_t offset, uint64_t len) {
  absl::MutexLock l(&mu_);
  for (uint64_t p = offset; p < offset + len; p += kPageSize) {
    auto it = refs_.find(p);
    if (it == refs_.end()) {
      spdlog::critical("MemoryFile::IncRef of free page {:#x}", p);
      continue;
    }
    ++it->second;
  }
}

void MemoryFile::DecRef(uint64_t offset, uint64_t len) {
  absl::MutexLock l(&mu_);
  uint64_t run_start = 0, run_len = 0;  // a run of pages freed by this call
  for (uint64_t p = offset; p < offset + len; p += kPageSize) {
    auto it = refs_.find(p);
    if (it == refs_.end()) {
      spdlog::critical("MemoryFile::DecRef of free page {:#x}", p);
      continue;
    }
    if (--it->second > 0) continue;
    refs_.erase(it);
    if (run_len > 0 && run_start + run_len == p) {
      run_len += kPageSize;
      continue;
    }
    if (run_len > 0) Release(run_start, run_len);
    run_start = p;
    run_len = kPageSize;
  }
  if (run_len > 0) Release(run_start, run_len);
}

void MemoryFile::Release(uint64_t offset, uint64_t len) {
  if (fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                static_cast<off_t>(offset), static_cast<off_t>(len)) != 0 &&
      madvise(base_ + offset, len, MADV_REMOVE) != 0) {
    // The pages stay resident; keep the zero-on-allocate contract anyway.
    std::memset(base_ + offset, 0, len);
  }
  // Insert and coalesce with neighbours.
  auto next = free_.lower_bound(offset);
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      offset = prev->first;
      len += prev->second;
      free_.erase(prev);
    }
  }
  if (next != free_.end() && offset + len == next->first) {
    len += next->second;
    free_.erase(next);
  }
  free_[offset] = len;
}

uint32_t MemoryFile::RefCount(uint64_t offset) const {
  absl::MutexLock l(&mu_);
  auto it = refs_.find(offset);
  return it == refs_.end() ? 0 : it->second;
}

uint64_t MemoryFile::allocated_pages() const {
  absl::MutexLock l(&mu_);
  return refs_.size();
}

}  // namespace sentry::mm
