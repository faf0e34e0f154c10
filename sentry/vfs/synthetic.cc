#include "sentry/vfs/synthetic.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "sentry/kernel/file.h"

namespace sentry::vfs {

SyntheticFs::SyntheticFs() : dev(AllocateDeviceNumber()), created(NowTimespec()) {}

SyntheticInode::SyntheticInode(std::shared_ptr<SyntheticFs> fs, uint32_t mode, uint64_t ino)
    : fs_(std::move(fs)), ino_(ino != 0 ? ino : fs_->NextIno()), mode_(mode) {}

InodeAttr SyntheticInode::Stat() {
  InodeAttr a;
  a.dev = fs_->dev;
  a.ino = ino_;
  a.mode = mode_;
  a.nlink = StatNlink();
  a.uid = uid_.load();
  a.gid = gid_.load();
  a.size = StatSize();
  a.blksize = 1024;
  a.atime = a.mtime = a.ctime = fs_->created;
  return a;
}

void SyntheticInode::SetOwner(uint32_t uid, uint32_t gid) {
  uid_.store(uid);
  gid_.store(gid);
}

// ---- files ----

SyntheticFile::SyntheticFile(std::shared_ptr<SyntheticFs> fs, uint32_t perm, ContentFn content,
                             WriteFn writer)
    : SyntheticInode(std::move(fs), S_IFREG | (perm & 07777)),
      content_(std::move(content)),
      writer_(std::move(writer)) {}

ErrnoOr<std::shared_ptr<kernel::File>> SyntheticFile::Open(kernel::Task& caller,
                                                          const VirtualDentry& vd,
                                                          uint32_t flags) {
  std::string content;
  if ((flags & O_ACCMODE) != O_WRONLY) {
    auto c = content_(caller);
    if (!c.ok()) return c.error();
    content = std::move(*c);
  }
  return std::shared_ptr<kernel::File>(
      std::make_shared<SnapshotFile>(vd, flags, std::move(content), writer_));
}

SnapshotFile::SnapshotFile(VirtualDentry vd, uint32_t flags, std::string content, WriteFn writer)
    : VfsFile(std::move(vd), flags), content_(std::move(content)), writer_(std::move(writer)) {}

ErrnoOr<size_t> SnapshotFile::PRead(void* buf, size_t len, int64_t off) {
  if (off < 0) return Errno(EINVAL);
  if (static_cast<uint64_t>(off) >= content_.size()) return size_t{0};
  const size_t n = std::min(len, content_.size() - static_cast<size_t>(off));
  std::memcpy(buf, content_.data() + off, n);
  return n;
}

ErrnoOr<size_t> SnapshotFile::Read(void* buf, size_t len) {
  absl::MutexLock l(&mu_);
  auto n = PRead(buf, len, pos_);
  if (n.ok()) pos_ += static_cast<int64_t>(*n);
  return n;
}

ErrnoOr<size_t> SnapshotFile::PWrite(const void* buf, size_t len, int64_t off) {
  if (!writer_) return Errno(EINVAL);
  if (off < 0) return Errno(EINVAL);
  return writer_(std::string(static_cast<const char*>(buf), len), off);
}

ErrnoOr<size_t> SnapshotFile::Write(const void* buf, size_t len) {
  absl::MutexLock l(&mu_);
  auto n = PWrite(buf, len, pos_);
  if (n.ok()) pos_ += static_cast<int64_t>(*n);
  return n;
}

ErrnoOr<int64_t> SnapshotFile::Seek(int64_t offset, int whence) {
  absl::MutexLock l(&mu_);
  int64_t base;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = pos_; break;
    case SEEK_END: base = static_cast<int64_t>(content_.size()); break;
    default: return Errno(EINVAL);
  }
  if (offset > 0 && base > std::numeric_limits<int64_t>::max() - offset) return Errno(EOVERFLOW);
  if (base + offset < 0) return Errno(EINVAL);
  pos_ = base + offset;
  return pos_;
}

// ---- links ----

SyntheticSymlink::SyntheticSymlink(std::shared_ptr<SyntheticFs> fs, LinkFn target)
    : SyntheticInode(std::move(fs), S_IFLNK | 0777), target_(std::move(target)), is_fixed_(false) {}

SyntheticSymlink::SyntheticSymlink(std::shared_ptr<SyntheticFs> fs, std::string target)
    : SyntheticInode(std::move(fs), S_IFLNK | 0777), fixed_(std::move(target)), is_fixed_(true) {}

ErrnoOr<std::string> SyntheticSymlink::ReadLink() {
  if (is_fixed_) return fixed_;
  return Errno(EINVAL);
}

ErrnoOr<std::string> SyntheticSymlink::ReadLinkAs(kernel::Task& caller) {
  if (is_fixed_) return fixed_;
  return target_(caller);
}

MagicLink::MagicLink(std::shared_ptr<SyntheticFs> fs, LinkFn name, MagicFn follow)
    : SyntheticSymlink(std::move(fs), std::move(name)), follow_(std::move(follow)) {}

ErrnoOr<bool> MagicLink::FollowMagic(kernel::Task& caller, VirtualDentry* out) {
  auto vd = follow_(caller);
  if (!vd.ok()) return vd.error();
  *out = std::move(*vd);
  return true;
}

// ---- directories ----

SyntheticDir::SyntheticDir(std::shared_ptr<SyntheticFs> fs, uint32_t perm)
    : SyntheticInode(std::move(fs), S_IFDIR | (perm & 07777)) {}

void SyntheticDir::Add(const std::string& name, std::shared_ptr<Inode> child) {
  absl::MutexLock l(&mu_);
  fixed_[name] = std::move(child);
}

std::shared_ptr<Inode> SyntheticDir::Fixed(const std::string& name) {
  absl::MutexLock l(&mu_);
  auto it = fixed_.find(name);
  return it == fixed_.end() ? nullptr : it->second;
}

void SyntheticDir::SetDynamic(ListFn list, LookupFn lookup) {
  absl::MutexLock l(&mu_);
  list_ = std::move(list);
  lookup_ = std::move(lookup);
}

ErrnoOr<std::shared_ptr<Inode>> SyntheticDir::Lookup(const std::string& name) {
  LookupFn lookup;
  {
    absl::MutexLock l(&mu_);
    auto it = fixed_.find(name);
    if (it != fixed_.end()) return it->second;
    lookup = lookup_;
  }
  if (!lookup) return Errno(ENOENT);
  return lookup(name);
}

ErrnoOr<std::vector<DirEntry>> SyntheticDir::ReadDir() {
  std::vector<DirEntry> out;
  ListFn list;
  {
    absl::MutexLock l(&mu_);
    for (const auto& [name, child] : fixed_) {
      const InodeAttr a = child->Stat();
      out.push_back({a.ino, DtypeOf(a.mode), name});
    }
    list = list_;
  }
  if (list) {
    for (auto& e : list()) out.push_back(std::move(e));
  }
  return out;
}

uint32_t SyntheticDir::StatNlink() {
  absl::MutexLock l(&mu_);
  uint32_t n = 2;
  for (const auto& [name, child] : fixed_) {
    if (child->IsDir()) ++n;
  }
  return n;
}

// ---- non-VFS files ----

namespace {

class AnonFileInode final : public SyntheticInode {
 public:
  AnonFileInode(std::shared_ptr<SyntheticFs> fs, AnonOpenFn open, uint32_t mode)
      : SyntheticInode(std::move(fs), mode), open_(std::move(open)) {}
  ErrnoOr<std::shared_ptr<kernel::File>> Open(kernel::Task&, const VirtualDentry&,
                                             uint32_t flags) override {
    return open_(flags);
  }

 private:
  const AnonOpenFn open_;
};

}  // namespace

VirtualDentry AnonVirtualDentry(AnonOpenFn open, uint32_t mode, uint32_t uid, uint32_t gid) {
  static const auto* fs = new std::shared_ptr<SyntheticFs>(std::make_shared<SyntheticFs>());
  auto inode = std::make_shared<AnonFileInode>(*fs, std::move(open), mode);
  inode->SetOwner(uid, gid);
  auto root = Dentry::NewRoot(std::move(inode));
  auto mount = std::make_shared<Mount>(root, nullptr, nullptr, 0);
  return {std::move(mount), std::move(root)};
}

}  // namespace sentry::vfs
