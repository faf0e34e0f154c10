#include "sentry/vfs/tmpfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "absl/synchronization/mutex.h"

namespace sentry::vfs {
namespace {

struct TmpfsState {
  absl::Mutex mu;
  uint64_t dev = 0;
  uint64_t next_ino = 1;
};

class TmpfsInode final : public Inode, public std::enable_shared_from_this<TmpfsInode> {
 public:
  TmpfsInode(std::shared_ptr<TmpfsState> fs, uint32_t mode, const Owner& owner)
      : fs_(std::move(fs)), mode_(mode), uid_(owner.uid), gid_(owner.gid) {
    ino_ = fs_->next_ino++;
    nlink_ = S_ISDIR(mode) ? 2 : 1;
    atime_ = mtime_ = ctime_ = NowTimespec();
  }

  InodeAttr Stat() override {
    absl::MutexLock l(&fs_->mu);
    InodeAttr a;
    a.dev = fs_->dev;
    a.ino = ino_;
    a.mode = mode_;
    a.nlink = nlink_;
    a.uid = uid_;
    a.gid = gid_;
    a.size = S_ISREG(mode_) ? static_cast<int64_t>(data_.size())
             : S_ISLNK(mode_) ? static_cast<int64_t>(target_.size())
             : S_ISDIR(mode_) ? 4096 : 0;
    a.blocks = S_ISREG(mode_) ? static_cast<int64_t>((data_.size() + 4095) / 4096 * 8) : 0;
    a.atime = atime_;
    a.mtime = mtime_;
    a.ctime = ctime_;
    return a;
  }

  ErrnoResult SetAttr(const SetAttrRequest& r) override {
    absl::MutexLock l(&fs_->mu);
    if ((r.mask & SetAttrRequest::kSize) != 0) {
      if (S_ISDIR(mode_)) return Errno(EISDIR);
      if (!S_ISREG(mode_)) return Errno(EINVAL);
      if (r.size < 0) return Errno(EINVAL);
      if (r.size > kTmpfsMaxFileSize) return Errno(EFBIG);
      const size_t size = static_cast<size_t>(r.size);
      if ((size > data_.size() && (seals_ & F_SEAL_GROW) != 0) ||
          (size < data_.size() && (seals_ & F_SEAL_SHRINK) != 0)) {
        return Errno(EPERM);
      }
      if (static_cast<size_t>(r.size) != data_.size()) {
        data_.resize(static_cast<size_t>(r.size));
        mtime_ = NowTimespec();
      }
    }
    if ((r.mask & SetAttrRequest::kMode) != 0) mode_ = (mode_ & S_IFMT) | (r.mode & 07777);
    if ((r.mask & SetAttrRequest::kUid) != 0) uid_ = r.uid;
    if ((r.mask & SetAttrRequest::kGid) != 0) gid_ = r.gid;
    if ((r.mask & SetAttrRequest::kAtime) != 0) atime_ = r.atime;
    if ((r.mask & SetAttrRequest::kMtime) != 0) mtime_ = r.mtime;
    ctime_ = NowTimespec();
    return {};
  }

  ErrnoOr<std::shared_ptr<Inode>> Lookup(const std::string& name) override {
    absl::MutexLock l(&fs_->mu);
    if (!S_ISDIR(mode_)) return Errno(ENOTDIR);
    auto it = children_.find(name);
    if (it == children_.end()) return Errno(ENOENT);
    return std::shared_ptr<Inode>(it->second);
  }

  ErrnoOr<std::vector<DirEntry>> ReadDir() override {
    absl::MutexLock l(&fs_->mu);
    if (!S_ISDIR(mode_)) return Errno(ENOTDIR);
    std::vector<DirEntry> out;
    out.reserve(children_.size());
    for (const auto& [name, child] : children_) {
      out.push_back({child->ino_, DtypeOf(child->mode_), name});
    }
    atime_ = NowTimespec();
    return out;
  }

  ErrnoOr<std::shared_ptr<Inode>> Create(const std::string& name, uint32_t mode,
                                         const Owner& o) override {
    return NewChild(name, S_IFREG | (mode & 07777), o, "");
  }
  ErrnoOr<std::shared_ptr<Inode>> Mkdir(const std::string& name, uint32_t mode,
                                        const Owner& o) override {
    return NewChild(name, S_IFDIR | (mode & 07777), o, "");
  }
  ErrnoOr<std::shared_ptr<Inode>> Symlink(const std::string& name, const std::string& target,
                                          const Owner& o) override {
    return NewChild(name, S_IFLNK | 0777, o, target);
  }

  ErrnoResult Link(const std::string& name, const std::shared_ptr<Inode>& target) override {
    auto t = std::dynamic_pointer_cast<TmpfsInode>(target);
    if (!t || t->fs_ != fs_) return Errno(EXDEV);
    absl::MutexLock l(&fs_->mu);
    if (!S_ISDIR(mode_)) return Errno(ENOTDIR);
    if (S_ISDIR(t->mode_)) return Errno(EPERM);
    if (nlink_ == 0) return Errno(ENOENT);
    if (t->nlink_ == 0) return Errno(ENOENT);
    if (children_.count(name) != 0) return Errno(EEXIST);
    children_[name] = t;
    t->nlink_++;
    t->ctime_ = mtime_ = ctime_ = NowTimespec();
    return {};
  }

  ErrnoResult Unlink(const std::string& name) override { return Remove(name, false); }
  ErrnoResult Rmdir(const std::string& name) override { return Remove(name, true); }

  ErrnoResult Rename(const std::string& old_name, Inode& new_dir_base, const std::string& new_name,
                     uint32_t flags) override {
    auto* nd = dynamic_cast<TmpfsInode*>(&new_dir_base);
    if (nd == nullptr || nd->fs_ != fs_) return Errno(EXDEV);
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) return Errno(EINVAL);
    if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0) return Errno(EINVAL);
    absl::MutexLock l(&fs_->mu);
    if (!S_ISDIR(mode_) || !S_ISDIR(nd->mode_)) return Errno(ENOTDIR);
    auto sit = children_.find(old_name);
    if (sit == children_.end()) return Errno(ENOENT);
    std::shared_ptr<TmpfsInode> src = sit->second;
    auto dit = nd->children_.find(new_name);
    std::shared_ptr<TmpfsInode> dst = dit == nd->children_.end() ? nullptr : dit->second;
    const bool src_dir = S_ISDIR(src->mode_);
    const auto now = NowTimespec();
    if ((flags & RENAME_EXCHANGE) != 0) {
      if (!dst) return Errno(ENOENT);
      if (dst == src) return {};
      const bool dst_dir = S_ISDIR(dst->mode_);
      children_[old_name] = dst;
      nd->children_[new_name] = src;
      if (this != nd && src_dir != dst_dir) {
        if (src_dir) { nlink_--; nd->nlink_++; } else { nlink_++; nd->nlink_--; }
      }
      src->ctime_ = dst->ctime_ = mtime_ = ctime_ = nd->mtime_ = nd->ctime_ = now;
      return {};
    }
    if (dst) {
      if ((flags & RENAME_NOREPLACE) != 0) return Errno(EEXIST);
      if (dst == src) return {};  // same inode: nothing to do
      if (S_ISDIR(dst->mode_)) {
        if (!src_dir) return Errno(EISDIR);
        if (!dst->children_.empty()) return Errno(ENOTEMPTY);
      } else if (src_dir) {
        return Errno(ENOTDIR);
      }
    }
    if (dst) {
      if (S_ISDIR(dst->mode_)) {
        dst->nlink_ = 0;
        nd->nlink_--;
      } else {
        dst->nlink_--;
      }
      dst->ctime_ = now;
    }
    children_.erase(old_name);
    nd->children_[new_name] = src;
    if (src_dir && this != nd) {
      nlink_--;
      nd->nlink_++;
    }
    src->ctime_ = mtime_ = ctime_ = nd->mtime_ = nd->ctime_ = now;
    return {};
  }

  ErrnoOr<std::string> ReadLink() override {
    absl::MutexLock l(&fs_->mu);
    if (!S_ISLNK(mode_)) return Errno(EINVAL);
    atime_ = NowTimespec();
    return target_;
  }

  ErrnoOr<size_t> ReadAt(void* buf, size_t len, int64_t off) override {
    absl::MutexLock l(&fs_->mu);
    if (S_ISDIR(mode_)) return Errno(EISDIR);
    if (!S_ISREG(mode_)) return Errno(EINVAL);
    if (off < 0) return Errno(EINVAL);
    if (static_cast<uint64_t>(off) >= data_.size()) return size_t{0};
    size_t n = std::min(len, data_.size() - static_cast<size_t>(off));
    std::memcpy(buf, data_.data() + off, n);
    atime_ = NowTimespec();
    return n;
  }

  ErrnoOr<size_t> WriteAt(const void* buf, size_t len, int64_t off) override {
    absl::MutexLock l(&fs_->mu);
    if (S_ISDIR(mode_)) return Errno(EISDIR);
    if (!S_ISREG(mode_)) return Errno(EINVAL);
    if (off < 0) return Errno(EINVAL);
    if (len == 0) return size_t{0};
    if (off >= kTmpfsMaxFileSize) return Errno(EFBIG);
    len = std::min<uint64_t>(len, static_cast<uint64_t>(kTmpfsMaxFileSize - off));
    const size_t end = static_cast<size_t>(off) + len;
    if ((seals_ & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0) return Errno(EPERM);
    if (end > data_.size() && (seals_ & F_SEAL_GROW) != 0) return Errno(EPERM);
    if (end > data_.size()) data_.resize(end);
    std::memcpy(data_.data() + off, buf, len);
    mtime_ = ctime_ = NowTimespec();
    // Writing clears set-user-ID (and set-group-ID with group execute).
    mode_ &= ~static_cast<uint32_t>(S_ISUID);
    if ((mode_ & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) mode_ &= ~static_cast<uint32_t>(S_ISGID);
    return len;
  }

  ErrnoOr<uint32_t> GetSeals() override {
    absl::MutexLock l(&fs_->mu);
    if (!S_ISREG(mode_)) return Errno(EINVAL);
    return seals_;
  }

  ErrnoResult AddSeals(uint32_t seals) override {
    constexpr uint32_t kKnown =
        F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
    absl::MutexLock l(&fs_->mu);
    if (!S_ISREG(mode_)) return Errno(EINVAL);
    if ((seals & ~kKnown) != 0) return Errno(EINVAL);
    if ((seals_ & F_SEAL_SEAL) != 0) return Errno(EPERM);
    seals_ |= seals;
    return {};
  }

  void AllowSealing() {
    absl::MutexLock l(&fs_->mu);
    seals_ &= ~static_cast<uint32_t>(F_SEAL_SEAL);
  }

 private:
  ErrnoOr<std::shared_ptr<Inode>> NewChild(const std::string& name, uint32_t mode, const Owner& o,
                                           const std::string& target) {
    absl::MutexLock l(&fs_->mu);
    if (!S_ISDIR(mode_)) return Errno(ENOTDIR);
    if (nlink_ == 0) return Errno(ENOENT);  // removed directory
    if (children_.count(name) != 0) return Errno(EEXIST);
    Owner owner = o;
    // A set-group-ID directory gives its group (and the bit, to directories).
    if ((mode_ & S_ISGID) != 0) {
      owner.gid = gid_;
      if (S_ISDIR(mode)) mode |= S_ISGID;
    }
    auto child = std::make_shared<TmpfsInode>(fs_, mode, owner);
    child->target_ = target;
    children_[name] = child;
    if (S_ISDIR(mode)) nlink_++;
    mtime_ = ctime_ = NowTimespec();
    return std::shared_ptr<Inode>(child);
  }

  ErrnoResult Remove(const std::string& name, bool dir) {
    absl::MutexLock l(&fs_->mu);
    if (!S_ISDIR(mode_)) return Errno(ENOTDIR);
    auto it = children_.find(name);
    if (it == children_.end()) return Errno(ENOENT);
    TmpfsInode& c = *it->second;
    if (dir) {
      if (!S_ISDIR(c.mode_)) return Errno(ENOTDIR);
      if (!c.children_.empty()) return Errno(ENOTEMPTY);
      c.nlink_ = 0;
      nlink_--;
    } else {
      if (S_ISDIR(c.mode_)) return Errno(EISDIR);
      c.nlink_--;
    }
    c.ctime_ = mtime_ = ctime_ = NowTimespec();
    children_.erase(it);
    return {};
  }

  const std::shared_ptr<TmpfsState> fs_;
  uint64_t ino_;
  uint32_t mode_ ABSL_GUARDED_BY(fs_->mu);
  uint32_t nlink_ ABSL_GUARDED_BY(fs_->mu);
  uint32_t uid_ ABSL_GUARDED_BY(fs_->mu), gid_ ABSL_GUARDED_BY(fs_->mu);
  struct timespec atime_ ABSL_GUARDED_BY(fs_->mu), mtime_ ABSL_GUARDED_BY(fs_->mu),
      ctime_ ABSL_GUARDED_BY(fs_->mu);
  std::string data_ ABSL_GUARDED_BY(fs_->mu);    // regular file
  std::string target_ ABSL_GUARDED_BY(fs_->mu);  // symlink
  uint32_t seals_ ABSL_GUARDED_BY(fs_->mu) = F_SEAL_SEAL;  // regular file
  std::map<std::string, std::shared_ptr<TmpfsInode>> children_ ABSL_GUARDED_BY(fs_->mu);
};

}  // namespace

ErrnoResult TmpfsAllowSealing(Inode& file) {
  auto* t = dynamic_cast<TmpfsInode*>(&file);
  if (t == nullptr || !S_ISREG(t->Stat().mode)) return Errno(EINVAL);
  t->AllowSealing();
  return {};
}

std::shared_ptr<Inode> NewTmpfs(uint32_t mode, const Owner& owner) {
  auto st = std::make_shared<TmpfsState>();
  st->dev = AllocateDeviceNumber();
  absl::MutexLock l(&st->mu);
  return std::make_shared<TmpfsInode>(st, S_IFDIR | (mode & 07777), owner);
}

}  // namespace sentry::vfs
