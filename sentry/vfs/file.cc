#include "sentry/vfs/file.h"

#include <dirent.h>

#include <limits>

#include "sentry/vfs/page_cache.h"

namespace sentry::vfs {

VfsFile::VfsFile(VirtualDentry vd, uint32_t flags) : File(flags), vd_(std::move(vd)) {}

ErrnoOr<size_t> VfsFile::Read(void* buf, size_t len) {
  if (path_only()) return Errno(EBADF);
  absl::MutexLock l(&mu_);
  auto n = ReadFileData(inode(), buf, len, offset_);
  if (n.ok()) offset_ += static_cast<int64_t>(*n);
  return n;
}

ErrnoOr<size_t> VfsFile::Write(const void* buf, size_t len) {
  if (path_only()) return Errno(EBADF);
  absl::MutexLock l(&mu_);
  if ((flags() & O_APPEND) != 0) offset_ = inode().Stat().size;
  auto n = WriteFileData(inode(), buf, len, offset_);
  if (n.ok()) offset_ += static_cast<int64_t>(*n);
  return n;
}

ErrnoOr<size_t> VfsFile::PRead(void* buf, size_t len, int64_t off) {
  if (path_only()) return Errno(EBADF);
  return ReadFileData(inode(), buf, len, off);
}

ErrnoOr<size_t> VfsFile::PWrite(const void* buf, size_t len, int64_t off) {
  if (path_only()) return Errno(EBADF);
  // Linux: pwrite on an O_APPEND file appends.
  if ((flags() & O_APPEND) != 0) off = inode().Stat().size;
  return WriteFileData(inode(), buf, len, off);
}

ErrnoResult VfsFile::Stat(struct stat* st) {
  FillStat(inode().Stat(), st);
  return {};
}

ErrnoOr<int64_t> VfsFile::Seek(int64_t offset, int whence) {
  if (path_only()) return Errno(EBADF);
  absl::MutexLock l(&mu_);
  const InodeAttr a = inode().Stat();
  int64_t base;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = offset_; break;
    case SEEK_END: base = S_ISDIR(a.mode) ? 0 : a.size; break;
    case SEEK_DATA:
    case SEEK_HOLE:
      if (!S_ISREG(a.mode)) return Errno(EINVAL);
      if (offset < 0 || offset >= a.size) return Errno(ENXIO);
      offset_ = whence == SEEK_DATA ? offset : a.size;
      return offset_;
    default: return Errno(EINVAL);
  }
  if ((offset > 0 && base > std::numeric_limits<int64_t>::max() - offset)) return Errno(EOVERFLOW);
  int64_t pos = base + offset;
  if (pos < 0) return Errno(EINVAL);
  if (S_ISDIR(a.mode) && pos == 0) dir_snapshot_.clear();
  offset_ = pos;
  return pos;
}

ErrnoResult VfsFile::ReadDir(const std::function<bool(const DirEntry&, int64_t)>& emit) {
  if (path_only()) return Errno(EBADF);
  absl::MutexLock l(&mu_);
  if (!inode().IsDir()) return Errno(ENOTDIR);
  if (offset_ == 0 || dir_snapshot_.empty()) {
    auto entries = inode().ReadDir();
    if (!entries.ok()) return entries.error();
    dir_snapshot_.clear();
    const InodeAttr self = inode().Stat();
    dir_snapshot_.push_back({self.ino, DT_DIR, "."});
    uint64_t parent_ino = self.ino;
    if (auto p = vd_.dentry->parent()) parent_ino = p->inode().Stat().ino;
    dir_snapshot_.push_back({parent_ino, DT_DIR, ".."});
    for (auto& e : *entries) dir_snapshot_.push_back(std::move(e));
  }
  while (offset_ >= 0 && static_cast<size_t>(offset_) < dir_snapshot_.size()) {
    if (!emit(dir_snapshot_[static_cast<size_t>(offset_)], offset_ + 1)) break;
    ++offset_;
  }
  return {};
}

}  // namespace sentry::vfs
