#include "sentry/fs/devfs.h"

#include <sys/random.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>

#include "sentry/vfs/synthetic.h"

namespace sentry::fs {
namespace {

using vfs::InodeAttr;
using vfs::SyntheticFs;

enum class Dev { kNull, kZero, kFull, kRandom, kUrandom, kTty, kConsole };

class DeviceInode final : public vfs::SyntheticInode {
 public:
  DeviceInode(std::shared_ptr<SyntheticFs> fs, Dev dev, uint32_t perm, uint32_t major,
              uint32_t minor)
      : SyntheticInode(std::move(fs), S_IFCHR | perm), dev_(dev), rdev_(makedev(major, minor)) {}

  InodeAttr Stat() override {
    InodeAttr a = SyntheticInode::Stat();
    a.rdev = rdev_;
    return a;
  }

  ErrnoOr<std::shared_ptr<kernel::File>> Open(kernel::Task&, const vfs::VirtualDentry& vd,
                                             uint32_t flags) override {
    if (dev_ == Dev::kTty || dev_ == Dev::kConsole) return Errno(ENXIO);
    // A plain VfsFile: its reads and writes come to ReadAt/WriteAt below.
    return std::shared_ptr<kernel::File>(std::make_shared<vfs::VfsFile>(vd, flags));
  }

  ErrnoOr<size_t> ReadAt(void* buf, size_t len, int64_t) override {
    switch (dev_) {
      case Dev::kNull: return size_t{0};
      case Dev::kZero:
      case Dev::kFull: std::memset(buf, 0, len); return len;
      case Dev::kRandom:
      case Dev::kUrandom: {
        size_t done = 0;
        while (done < len) {
          ssize_t n = ::getrandom(static_cast<char*>(buf) + done, len - done, 0);
          if (n < 0) {
            if (errno == EINTR) continue;
            if (done > 0) break;
            return Errno(errno);
          }
          done += static_cast<size_t>(n);
        }
        return done;
      }
      default: return Errno(ENXIO);
    }
  }

  ErrnoOr<size_t> WriteAt(const void*, size_t len, int64_t) override {
    if (dev_ == Dev::kFull) return Errno(ENOSPC);
    if (dev_ == Dev::kTty || dev_ == Dev::kConsole) return Errno(ENXIO);
    return len;  // null, zero, random and urandom take everything
  }

 private:
  const Dev dev_;
  const uint64_t rdev_;
};

}  // namespace

std::shared_ptr<vfs::Inode> NewDevfs() {
  auto fs = std::make_shared<SyntheticFs>();
  auto root = std::make_shared<vfs::SyntheticDir>(fs, 0755);
  auto dev = [&](const char* name, Dev d, uint32_t perm, uint32_t major, uint32_t minor) {
    root->Add(name, std::make_shared<DeviceInode>(fs, d, perm, major, minor));
  };
  dev("null", Dev::kNull, 0666, 1, 3);
  dev("zero", Dev::kZero, 0666, 1, 5);
  dev("full", Dev::kFull, 0666, 1, 7);
  dev("random", Dev::kRandom, 0666, 1, 8);
  dev("urandom", Dev::kUrandom, 0666, 1, 9);
  dev("tty", Dev::kTty, 0666, 5, 0);
  dev("console", Dev::kConsole, 0600, 5, 1);
  auto link = [&](const char* name, const char* target) {
    root->Add(name, std::make_shared<vfs::SyntheticSymlink>(fs, std::string(target)));
  };
  link("fd", "/proc/self/fd");
  link("stdin", "/proc/self/fd/0");
  link("stdout", "/proc/self/fd/1");
  link("stderr", "/proc/self/fd/2");
  root->Add("shm", std::make_shared<vfs::SyntheticDir>(fs, 01777));
  root->Add("pts", std::make_shared<vfs::SyntheticDir>(fs, 0755));
  return root;
}

}  // namespace sentry::fs
