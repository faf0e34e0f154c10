#include "sentry/vfs/inode.h"

#include <atomic>
#include <cstring>

namespace sentry::vfs {

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

uint64_t NewDeviceNumber() {
  static std::atomic<uint64_t> next{0x100};
  return next.fetch_add(1);
}

}  // namespace sentry::vfs
