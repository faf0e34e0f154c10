#include "sentry/vfs/overlay.h"

#include <fcntl.h>
#include <linux/fs.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::vfs {
namespace {

constexpr uint64_t kUpperInoBit = uint64_t{1} << 63;
constexpr size_t kCopyChunk = 64 * 1024;

struct OverlayFs {
  absl::Mutex mu;
  uint64_t dev = 0;
};

class OverlayInode final : public Inode, public std::enable_shared_from_this<OverlayInode> {
 public:
  OverlayInode(std::shared_ptr<OverlayFs> fs, std::shared_ptr<Inode> upper,
               std::shared_ptr<Inode> lower, std::shared_ptr<OverlayInode> parent, std::string name)
      : fs_(std::move(fs)),
        lower_(std::move(lower)),
        ino_(lower_ ? lower_->Stat().ino : (upper->Stat().ino | kUpperInoBit)),
        upper_(std::move(upper)),
        parent_(std::move(parent)),
        name_(std::move(name)) {}

  InodeAttr Stat() override {
    std::shared_ptr<Inode> top;
    bool merged;
    {
      absl::MutexLock l(&fs_->mu);
      top = upper_ ? upper_ : lower_;
      merged = upper_ && lower_;
    }
    InodeAttr a = top->Stat();
    a.dev = fs_->dev;
    a.ino = ino_;
    // A merged directory's link count is unknown: 1, as Linux's overlayfs
    // says (find(1) then does not count subdirectories by it).
    if (merged && S_ISDIR(a.mode)) a.nlink = 1;
    return a;
  }

  ErrnoResult SetAttr(const SetAttrRequest& r) override {
    auto up = CopiedUp();
    if (!up.ok()) return up.error();
    return (*up)->SetAttr(r);
  }

  ErrnoResult PrepareOpen(uint32_t flags) override {
    const uint32_t acc = flags & O_ACCMODE;
    if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC) != 0) {
      if (auto up = CopiedUp(); !up.ok()) return up.error();
    }
    return Top()->PrepareOpen(flags);
  }

  ErrnoOr<std::shared_ptr<Inode>> Lookup(const std::string& name) override {
    absl::MutexLock l(&fs_->mu);
    auto c = LookupLocked(name);
    if (!c.ok()) return c.error();
    return std::shared_ptr<Inode>(*c);
  }

  ErrnoOr<std::vector<DirEntry>> ReadDir() override {
    absl::MutexLock l(&fs_->mu);
    return ReadDirLocked();
  }

  ErrnoOr<std::shared_ptr<Inode>> Create(const std::string& name, uint32_t mode,
                                         const Owner& o) override {
    return NewChild(name, [&](Inode& dir) { return dir.Create(name, mode, o); });
  }
  ErrnoOr<std::shared_ptr<Inode>> Mkdir(const std::string& name, uint32_t mode,
                                        const Owner& o) override {
    return NewChild(name, [&](Inode& dir) { return dir.Mkdir(name, mode, o); });
  }
  ErrnoOr<std::shared_ptr<Inode>> Mknod(const std::string& name, uint32_t mode, uint64_t rdev,
                                        const Owner& o) override {
    return NewChild(name, [&](Inode& dir) { return dir.Mknod(name, mode, rdev, o); });
  }
  ErrnoOr<std::shared_ptr<Inode>> Symlink(const std::string& name, const std::string& target,
                                          const Owner& o) override {
    return NewChild(name, [&](Inode& dir) { return dir.Symlink(name, target, o); });
  }

  ErrnoResult Link(const std::string& name, const std::shared_ptr<Inode>& target) override {
    auto t = std::dynamic_pointer_cast<OverlayInode>(target);
    if (!t || t->fs_ != fs_) return Errno(EXDEV);
    absl::MutexLock l(&fs_->mu);
    if (!IsDirLocked()) return Errno(ENOTDIR);
    if (ErrnoResult r = CheckAbsent(name); !r.ok()) return r;
    if (t->dead_) return Errno(ENOENT);
    if (ErrnoResult r = t->CopyUpLocked(); !r.ok()) return r;
    if (ErrnoResult r = CopyUpLocked(); !r.ok()) return r;
    if (ErrnoResult r = upper_->Link(name, t->upper_); !r.ok()) return r;
    Put(name, t);
    return {};
  }

  ErrnoResult Unlink(const std::string& name) override {
    absl::MutexLock l(&fs_->mu);
    auto c = LookupLocked(name);
    if (!c.ok()) return c.error();
    if ((*c)->IsDirLocked()) return Errno(EISDIR);
    return RemoveLocked(name, **c, false);
  }

  ErrnoResult Rmdir(const std::string& name) override {
    absl::MutexLock l(&fs_->mu);
    auto c = LookupLocked(name);
    if (!c.ok()) return c.error();
    if (!(*c)->IsDirLocked()) return Errno(ENOTDIR);
    auto entries = (*c)->ReadDirLocked();
    if (!entries.ok()) return entries.error();
    if (!entries->empty()) return Errno(ENOTEMPTY);
    return RemoveLocked(name, **c, true);
  }

  ErrnoResult Rename(const std::string& old_name, Inode& new_dir_base, const std::string& new_name,
                     uint32_t flags) override;

  ErrnoOr<std::string> ReadLink() override { return Top()->ReadLink(); }
  ErrnoOr<size_t> ReadAt(void* buf, size_t len, int64_t off) override {
    return Top()->ReadAt(buf, len, off);
  }
  ErrnoOr<size_t> WriteAt(const void* buf, size_t len, int64_t off) override {
    auto up = CopiedUp();
    if (!up.ok()) return up.error();
    return (*up)->WriteAt(buf, len, off);
  }

 private:
  std::shared_ptr<Inode> Top() {
    absl::MutexLock l(&fs_->mu);
    return upper_ ? upper_ : lower_;
  }
  std::shared_ptr<Inode> TopLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu) {
    return upper_ ? upper_ : lower_;
  }
  bool IsDirLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu) { return TopLocked()->IsDir(); }

  // The upper object, copying up first if needed.
  ErrnoOr<std::shared_ptr<Inode>> CopiedUp() {
    absl::MutexLock l(&fs_->mu);
    if (ErrnoResult r = CopyUpLocked(); !r.ok()) return r.error();
    return upper_;
  }

  ErrnoResult CopyUpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu);
  ErrnoOr<std::shared_ptr<OverlayInode>> LookupLocked(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu);
  ErrnoOr<std::vector<DirEntry>> ReadDirLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu);
  // EEXIST if `name` exists in the merged view.
  ErrnoResult CheckAbsent(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu) {
    auto c = LookupLocked(name);
    if (c.ok()) return Errno(EEXIST);
    if (c.error().value() != ENOENT) return c.error();
    return {};
  }
  // Removes the child `c` named `name` (checked by the caller).
  ErrnoResult RemoveLocked(const std::string& name, OverlayInode& c, bool dir)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu);
  template <class F>
  ErrnoOr<std::shared_ptr<Inode>> NewChild(const std::string& name, F make) {
    absl::MutexLock l(&fs_->mu);
    if (!IsDirLocked()) return Errno(ENOTDIR);
    if (dead_) return Errno(ENOENT);
    if (ErrnoResult r = CheckAbsent(name); !r.ok()) return r.error();
    if (ErrnoResult r = CopyUpLocked(); !r.ok()) return r.error();
    ErrnoOr<std::shared_ptr<Inode>> up = make(*upper_);
    if (!up.ok()) return up.error();
    auto child = std::make_shared<OverlayInode>(fs_, std::move(*up), nullptr, nullptr, name);
    Put(name, child);
    return std::shared_ptr<Inode>(child);
  }
  void Put(const std::string& name, const std::shared_ptr<OverlayInode>& c)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu) {
    children_[name] = {c->upper_ ? c : nullptr, c};
  }
  std::shared_ptr<OverlayInode> Cached(const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu) {
    auto it = children_.find(name);
    if (it == children_.end()) return nullptr;
    return it->second.strong ? it->second.strong : it->second.weak.lock();
  }
  // Whether the upper object still has a name.
  bool UpperLinked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(fs_->mu) {
    return upper_ && upper_->Stat().nlink > 0;
  }

  const std::shared_ptr<OverlayFs> fs_;
  const std::shared_ptr<Inode> lower_;  // null: upper only
  const uint64_t ino_;
  std::shared_ptr<Inode> upper_ ABSL_GUARDED_BY(fs_->mu);  // null: not copied up
  // Until copied up: the directory to copy up into, and our name there.
  std::shared_ptr<OverlayInode> parent_ ABSL_GUARDED_BY(fs_->mu);
  std::string name_ ABSL_GUARDED_BY(fs_->mu);
  bool dead_ ABSL_GUARDED_BY(fs_->mu) = false;
  // Directories: the children looked up so far, so that an object has one
  // OverlayInode while anyone uses it; those with an upper object are held
  // (their copy-up state, whiteouts and inode number live here), lower-only
  // ones weakly (they can be rebuilt from the lower layer). And the lower
  // names hidden from view (a directory with whiteouts is copied up, so
  // held).
  struct Child {
    std::shared_ptr<OverlayInode> strong;
    std::weak_ptr<OverlayInode> weak;
  };
  std::map<std::string, Child> children_ ABSL_GUARDED_BY(fs_->mu);
  std::set<std::string> whiteouts_ ABSL_GUARDED_BY(fs_->mu);
};

ErrnoOr<std::shared_ptr<OverlayInode>> OverlayInode::LookupLocked(const std::string& name) {
  if (!IsDirLocked()) return Errno(ENOTDIR);
  if (std::shared_ptr<OverlayInode> c = Cached(name)) {
    if (c->upper_ || !lower_) return c;
    // A lower-only object follows the lower layer (which revalidates).
    auto l = lower_->Lookup(name);
    if (l.ok() && *l == c->lower_) return c;
    children_.erase(name);
    if (!l.ok()) return l.error();
  }
  std::shared_ptr<Inode> up, low;
  if (upper_) {
    auto r = upper_->Lookup(name);
    if (r.ok()) up = std::move(*r);
    else if (r.error().value() != ENOENT) return r.error();
  }
  if (lower_ && whiteouts_.count(name) == 0 && (!up || up->IsDir())) {
    auto r = lower_->Lookup(name);
    if (r.ok()) {
      low = std::move(*r);
      if (up && !low->IsDir()) low = nullptr;  // an upper directory hides it
    } else if (r.error().value() != ENOENT) {
      return r.error();
    }
  }
  if (!up && !low) return Errno(ENOENT);
  // Only a lower-only object needs its parent (to copy up into); an upper
  // one holding its parent would make a cycle.
  std::shared_ptr<OverlayInode> parent = up ? nullptr : shared_from_this();
  auto c = std::make_shared<OverlayInode>(fs_, std::move(up), std::move(low), std::move(parent), name);
  Put(name, c);
  return c;
}

ErrnoOr<std::vector<DirEntry>> OverlayInode::ReadDirLocked() {
  std::map<std::string, DirEntry> merged;
  if (upper_) {
    auto es = upper_->ReadDir();
    if (!es.ok()) return es.error();
    for (DirEntry& e : *es) {
      auto c = Cached(e.name);
      e.ino = c ? c->ino_ : (e.ino | kUpperInoBit);
      std::string n = e.name;
      merged.emplace(std::move(n), std::move(e));
    }
  }
  if (lower_) {
    auto es = lower_->ReadDir();
    if (!es.ok()) return es.error();
    for (DirEntry& e : *es) {
      if (whiteouts_.count(e.name) != 0 || merged.count(e.name) != 0) continue;
      std::string n = e.name;
      merged.emplace(std::move(n), std::move(e));
    }
  }
  std::vector<DirEntry> out;
  out.reserve(merged.size());
  for (auto& [n, e] : merged) out.push_back(std::move(e));
  return out;
}

ErrnoResult OverlayInode::CopyUpLocked() {
  if (upper_) return {};
  if (dead_) return Errno(ENOENT);
  std::shared_ptr<OverlayInode> p = parent_;
  if (!p) return Errno(ENOENT);
  if (ErrnoResult r = p->CopyUpLocked(); !r.ok()) return r;
  const InodeAttr a = lower_->Stat();
  const Owner owner{a.uid, a.gid};
  ErrnoOr<std::shared_ptr<Inode>> up = Errno(EPERM);
  switch (a.mode & S_IFMT) {
    case S_IFDIR: up = p->upper_->Mkdir(name_, a.mode & 07777, owner); break;
    case S_IFREG: up = p->upper_->Create(name_, a.mode & 07777, owner); break;
    case S_IFLNK: {
      auto target = lower_->ReadLink();
      if (!target.ok()) return target.error();
      up = p->upper_->Symlink(name_, *target, owner);
      break;
    }
    default: up = p->upper_->Mknod(name_, a.mode, a.rdev, owner); break;
  }
  if (!up.ok()) return up.error();
  auto undo = [&](Errno e) -> ErrnoResult {
    if (S_ISDIR(a.mode)) (void)p->upper_->Rmdir(name_);
    else (void)p->upper_->Unlink(name_);
    return e;
  };
  if (S_ISREG(a.mode)) {
    std::string buf(kCopyChunk, '\0');
    int64_t off = 0;
    for (;;) {
      auto n = lower_->ReadAt(buf.data(), buf.size(), off);
      if (!n.ok()) return undo(n.error());
      if (*n == 0) break;
      auto w = (*up)->WriteAt(buf.data(), *n, off);
      if (!w.ok()) return undo(w.error());
      off += static_cast<int64_t>(*n);
    }
  }
  if (!S_ISLNK(a.mode)) {
    SetAttrRequest req;
    req.mask = SetAttrRequest::kMode | SetAttrRequest::kUid | SetAttrRequest::kGid |
               SetAttrRequest::kAtime | SetAttrRequest::kMtime;
    req.mode = a.mode & 07777;  // set-ID bits too
    req.uid = a.uid;
    req.gid = a.gid;
    req.atime = a.atime;
    req.mtime = a.mtime;
    if (ErrnoResult r = (*up)->SetAttr(req); !r.ok()) return undo(r.error());
  }
  upper_ = std::move(*up);
  p->Put(name_, shared_from_this());  // now held by its parent
  parent_.reset();
  return {};
}

ErrnoResult OverlayInode::RemoveLocked(const std::string& name, OverlayInode& c, bool dir) {
  // A whiteout lives in a copied-up directory (so that it is held).
  if (c.lower_) {
    if (ErrnoResult r = CopyUpLocked(); !r.ok()) return r;
  }
  if (c.upper_) {
    // The child has an upper object, so this directory was copied up.
    ErrnoResult r = dir ? upper_->Rmdir(name) : upper_->Unlink(name);
    if (!r.ok()) return r;
  }
  if (c.lower_) whiteouts_.insert(name);
  children_.erase(name);
  c.dead_ = !c.UpperLinked();
  return {};
}

ErrnoResult OverlayInode::Rename(const std::string& old_name, Inode& new_dir_base,
                                 const std::string& new_name, uint32_t flags) {
  auto* nd = dynamic_cast<OverlayInode*>(&new_dir_base);
  if (nd == nullptr || nd->fs_ != fs_) return Errno(EXDEV);
  if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) return Errno(EINVAL);
  if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0) return Errno(EINVAL);
  const bool exchange = (flags & RENAME_EXCHANGE) != 0;
  absl::MutexLock l(&fs_->mu);
  if (!IsDirLocked() || !nd->IsDirLocked()) return Errno(ENOTDIR);
  auto src_or = LookupLocked(old_name);
  if (!src_or.ok()) return src_or.error();
  std::shared_ptr<OverlayInode> src = *src_or, dst;
  if (auto d = nd->LookupLocked(new_name); d.ok()) {
    dst = *d;
  } else if (d.error().value() != ENOENT) {
    return d.error();
  }
  if (exchange && !dst) return Errno(ENOENT);
  if (src == dst) return {};
  const bool src_dir = src->IsDirLocked();
  if (src_dir && src->lower_) return Errno(EXDEV);
  if (dst) {
    const bool dst_dir = dst->IsDirLocked();
    if ((flags & RENAME_NOREPLACE) != 0) return Errno(EEXIST);
    if (exchange) {
      if (dst_dir && dst->lower_) return Errno(EXDEV);
    } else if (dst_dir) {
      if (!src_dir) return Errno(EISDIR);
      auto entries = dst->ReadDirLocked();
      if (!entries.ok()) return entries.error();
      if (!entries->empty()) return Errno(ENOTEMPTY);
    } else if (src_dir) {
      return Errno(ENOTDIR);
    }
  }
  if (ErrnoResult r = src->CopyUpLocked(); !r.ok()) return r;
  if (exchange) {
    if (ErrnoResult r = dst->CopyUpLocked(); !r.ok()) return r;
  }
  if (ErrnoResult r = CopyUpLocked(); !r.ok()) return r;
  if (ErrnoResult r = nd->CopyUpLocked(); !r.ok()) return r;
  // A lower-only dst has no upper object: the upper rename just creates the
  // name, and the whiteout below hides the lower one.
  if (ErrnoResult r = upper_->Rename(old_name, *nd->upper_, new_name, flags); !r.ok()) return r;
  if (src->lower_) whiteouts_.insert(old_name);
  if (dst && dst->lower_) nd->whiteouts_.insert(new_name);
  children_.erase(old_name);
  nd->Put(new_name, src);  // src and dst are copied up: no parent_ to fix
  if (exchange) {
    Put(old_name, dst);
  } else if (dst) {
    dst->dead_ = !dst->UpperLinked();
  }
  return {};
}

}  // namespace

std::shared_ptr<Inode> NewMemoryOverlay(std::shared_ptr<Inode> lower) {
  const InodeAttr a = lower->Stat();
  auto upper = NewTmpfs(a.mode & 07777, {a.uid, a.gid});
  auto fs = std::make_shared<OverlayFs>();
  fs->dev = AllocateDeviceNumber();
  return std::make_shared<OverlayInode>(fs, std::move(upper), std::move(lower), nullptr, "/");
}

}  // namespace sentry::vfs
