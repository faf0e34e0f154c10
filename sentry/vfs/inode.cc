#include "sentry/vfs/inode.h"

#include <dirent.h>

#include <atomic>
#include <cstring>

#include "sentry/vfs/page_cache.h"

namespace sentry::vfs {

Inode::Inode() = default;
Inode::~Inode() = default;

PageCache& Inode::GetOrCreatePageCache(mm::MemoryFile& mf) {
  absl::MutexLock l(&page_cache_mu_);
  if (page_cache_owner_ == nullptr) {
    page_cache_owner_ = std::make_unique<PageCache>(*this, mf);
    page_cache_.store(page_cache_owner_.get(), std::memory_order_release);
  }
  return *page_cache_owner_;
}

void FillStat(const InodeAttr& a, struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_dev = a.dev;
  st->st_ino = a.ino;
  st->st_mode = a.mode;
  st->st_nlink = a.nlink;
  st->st_uid = a.uid;
  st->st_gid = a.gid;
  st->st_rdev = a.rdev;
  st->st_size = a.size;
  st->st_blksize = a.blksize;
  st->st_blocks = a.blocks;
  st->st_atim = a.atime;
  st->st_mtim = a.mtime;
  st->st_ctim = a.ctime;
}

struct timespec NowTimespec() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

uint8_t DtypeOf(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return DT_DIR;
    case S_IFREG: return DT_REG;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
  }
  return DT_UNKNOWN;
}

uint64_t AllocateDeviceNumber() {
  static std::atomic<uint64_t> next_dev{0x100};
  return next_dev.fetch_add(1);
}

}  // namespace sentry::vfs
