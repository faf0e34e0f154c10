// goferfs: session setup and the directory (namespace) operations.
#include "sentry/vfs/goferfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>

#include <algorithm>
#include <utility>

#include "fs9p/dirent.h"
#include "fs9p/errors.h"
#include "sentry/vfs/goferfs_inode.h"

namespace sentry::vfs {
namespace goferfs {

Errno ToErrno(const absl::Status& s) {
  int e = fs9p::ErrnoOf(s);
  return Errno(e > 0 ? e : EIO);
}

ErrnoOr<uint32_t> Session::Walk(uint32_t fid, std::vector<std::string> names) {
  const size_t n = names.size();
  uint32_t nf = client->NewFid();
  auto r = Rpc<fs9p::Rwalk>(fs9p::Twalk{fid, nf, std::move(names)});
  if (!r.ok()) {
    client->ReleaseFid(nf);  // a failed walk makes no fid
    return r.error();
  }
  if (r->qids.size() != n) {
    // A partial walk makes no fid either.
    client->ReleaseFid(nf);
    return Errno(ENOENT);
  }
  return nf;
}

void Session::Clunk(uint32_t fid) {
  (void)client->Rpc<fs9p::Rclunk>(fs9p::Tclunk{fid});
  client->ReleaseFid(fid);
}

ErrnoResult Session::UnlinkAt(uint32_t dir, const std::string& name, uint32_t flags) {
  auto r = Rpc<fs9p::Runlinkat>(fs9p::Tunlinkat{dir, name, flags});
  if (r.ok() || r.error().value() != EOPNOTSUPP) return r.ok() ? ErrnoResult() : r.error();
  auto f = Walk(dir, {name});
  if (!f.ok()) return f.error();
  auto g = Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{*f, fs9p::kGetattrMode});
  if (!g.ok()) {
    Clunk(*f);
    return g.error();
  }
  const bool is_dir = S_ISDIR(g->mode);
  if (is_dir != ((flags & AT_REMOVEDIR) != 0)) {
    Clunk(*f);
    return Errno(is_dir ? EISDIR : ENOTDIR);
  }
  // Tremove clunks the fid whatever the outcome.
  auto rm = Rpc<fs9p::Rremove>(fs9p::Tremove{*f});
  client->ReleaseFid(*f);
  return rm.ok() ? ErrnoResult() : rm.error();
}

ErrnoResult Session::RenameAt(uint32_t old_dir, const std::string& old_name, uint32_t new_dir,
                              const std::string& new_name) {
  auto r = Rpc<fs9p::Rrenameat>(fs9p::Trenameat{old_dir, old_name, new_dir, new_name});
  if (r.ok() || r.error().value() != EOPNOTSUPP) return r.ok() ? ErrnoResult() : r.error();
  auto f = Walk(old_dir, {old_name});
  if (!f.ok()) return f.error();
  auto rn = Rpc<fs9p::Rrename>(fs9p::Trename{*f, new_dir, new_name});
  Clunk(*f);
  return rn.ok() ? ErrnoResult() : rn.error();
}

void Session::KeepAlive(const std::shared_ptr<GoferInode>& i) {
  const uint64_t cap = std::max<uint64_t>(opts.cache_size, 2);
  std::shared_ptr<GoferInode> dropped;
  {
    absl::MutexLock l(&recent_mu);
    const uint64_t stamp = i->recent_stamp.load();
    if (stamp != GoferInode::kNotRecent && recent_pushes - stamp < cap / 2) return;  // recent enough
    i->recent_stamp.store(recent_pushes++);
    recent.push_back(i);
    if (recent.size() > cap) {
      dropped = std::move(recent.front());
      recent.pop_front();
    }
  }
  // `dropped` may be the last reference: its clunk happens here, unlocked.
}

void Session::ForgetRecent() {
  std::deque<std::shared_ptr<GoferInode>> dropped;
  absl::MutexLock l(&recent_mu);
  dropped.swap(recent);
}

std::shared_ptr<GoferInode> GoferInode::SetEntry(const std::string& name,
                                                 std::shared_ptr<GoferInode> i) {
  Entry& e = children_[name];
  std::shared_ptr<GoferInode> before = e.inode.lock();
  e.present = i != nullptr;
  e.inode = i;
  e.at = absl::Now();
  return before;
}

GoferInode::GoferInode(std::shared_ptr<Session> s, uint32_t fid, const fs9p::Rgetattr& attr)
    : s_(std::move(s)),
      fid_(fid),
      qid_path_(attr.qid.path),
      has_btime_((attr.valid & fs9p::kGetattrBtime) != 0),
      btime_sec_(attr.btime_sec),
      btime_nsec_(attr.btime_nsec) {
  absl::MutexLock l(&mu_);
  SetAttrFrom(attr);
}

GoferInode::~GoferInode() {
  if (is_root) s_->ForgetRecent();
  // Handles first (their clunks), then our fid.
  {
    absl::MutexLock l(&mu_);
    read_.reset();
    write_.reset();
  }
  s_->Clunk(fid_);
}

void GoferInode::Touched() {
  absl::MutexLock l(&mu_);
  attr_.mtime = attr_.ctime = NowTimespec();
}

ErrnoOr<std::shared_ptr<GoferInode>> GoferInode::WalkChild(const std::string& name) {
  auto nf = s_->Walk(fid_, {name});
  if (!nf.ok()) {
    if (nf.error().value() == ENOENT) {
      std::shared_ptr<GoferInode> dropped;
      absl::MutexLock l(&mu_);
      dropped = SetEntry(name, nullptr);
    }
    return nf.error();
  }
  auto g = s_->Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{*nf, fs9p::kGetattrBasic});
  if (!g.ok()) {
    s_->Clunk(*nf);
    return g.error();
  }
  // No child lock is taken under ours (rename locks two directories by
  // address, which may be a child before its parent).
  std::shared_ptr<GoferInode> old, result, dropped;
  bool reuse = false;
  {
    absl::MutexLock l(&mu_);
    if (auto it = children_.find(name); it != children_.end()) old = it->second.inode.lock();
  }
  if (old && old->SameFile(*g)) {
    absl::MutexLock cl(&old->mu_);
    old->SetAttrFrom(*g);
    reuse = true;
  }
  result = reuse ? old : std::make_shared<GoferInode>(s_, *nf, *g);
  {
    absl::MutexLock cl(&result->mu_);
    result->parent_ = weak_from_this();
    result->name_ = name;
  }
  {
    absl::MutexLock l(&mu_);
    dropped = SetEntry(name, result);
  }
  if (reuse) s_->Clunk(*nf);
  s_->KeepAlive(result);
  return result;
}

ErrnoOr<std::shared_ptr<Inode>> GoferInode::Lookup(const std::string& name) {
  std::shared_ptr<GoferInode> cached;
  {
    absl::MutexLock l(&mu_);
    if (!S_ISDIR(attr_.mode)) return Errno(ENOTDIR);
    auto it = children_.find(name);
    if (it != children_.end() && absl::Now() - it->second.at < s_->opts.lookup_timeout) {
      if (!it->second.present) return Errno(ENOENT);
      cached = it->second.inode.lock();
    }
  }
  if (cached) {
    s_->KeepAlive(cached);
    return std::shared_ptr<Inode>(std::move(cached));
  }
  auto c = WalkChild(name);
  if (!c.ok()) return c.error();
  return std::shared_ptr<Inode>(std::move(*c));
}

ErrnoOr<std::vector<DirEntry>> GoferInode::ReadDir() {
  if (!S_ISDIR(mode())) return Errno(ENOTDIR);
  auto dfid = s_->Walk(fid_, {});
  if (!dfid.ok()) return dfid.error();
  std::vector<DirEntry> out;
  auto opened = s_->Rpc<fs9p::Rlopen>(fs9p::Tlopen{*dfid, O_RDONLY | O_DIRECTORY});
  ErrnoResult res;
  if (!opened.ok()) res = opened.error();
  uint64_t offset = 0;
  while (res.ok()) {
    auto r = s_->Rpc<fs9p::Rreaddir>(fs9p::Treaddir{*dfid, offset, s_->client->iounit()});
    if (!r.ok()) {
      res = r.error();
      break;
    }
    auto batch = fs9p::ParseDirents(r->data.bytes);
    if (!batch.ok()) {
      res = Errno(EIO);
      break;
    }
    if (batch->empty()) break;
    offset = batch->back().offset;
    for (fs9p::Dirent& d : *batch) {
      if (d.name == "." || d.name == "..") continue;
      out.push_back({d.qid.path, d.type, std::move(d.name)});
    }
  }
  s_->Clunk(*dfid);
  if (!res.ok()) return res.error();
  return out;
}

ErrnoOr<std::shared_ptr<Inode>> GoferInode::Created(const std::string& name, const Owner& o,
                                                    std::shared_ptr<Handle> write_handle) {
  Touched();
  auto c = WalkChild(name);
  if (!c.ok()) return c.error();
  std::shared_ptr<GoferInode> child = *c;
  if (write_handle) {
    absl::MutexLock l(&child->mu_);
    if (!child->write_) child->write_ = std::move(write_handle);
  }
  const InodeAttr a = child->Stat();
  if (a.uid != o.uid || a.gid != o.gid) {
    // The gofer gives new files the attach user; the app's fsuid/fsgid may
    // differ. Best effort: an unprivileged gofer cannot chown.
    fs9p::Tsetattr t;
    t.fid = child->fid_;
    t.valid = fs9p::kSetattrUid | fs9p::kSetattrGid;
    t.uid = o.uid;
    t.gid = o.gid;
    if (s_->Rpc<fs9p::Rsetattr>(t).ok()) (void)child->Refresh();
  }
  return std::shared_ptr<Inode>(std::move(child));
}

ErrnoOr<std::shared_ptr<Inode>> GoferInode::Create(const std::string& name, uint32_t mode,
                                                   const Owner& o) {
  if (!S_ISDIR(this->mode())) return Errno(ENOTDIR);
  auto nf = s_->Walk(fid_, {});
  if (!nf.ok()) return nf.error();
  absl::StatusOr<fs9p::Client::Reply> r = s_->client->Call(
      fs9p::Tlcreate{*nf, name, O_WRONLY | O_CREAT | O_EXCL, mode & 07777, o.gid});
  if (!r.ok()) {
    s_->Clunk(*nf);
    Errno e = ToErrno(r.status());
    if (e.value() == EEXIST) {
      // Our cache said absent: forget that, the next lookup walks.
      absl::MutexLock l(&mu_);
      children_.erase(name);
    }
    return e;
  }
  // The created fid is open for writing: the new inode's write handle.
  auto h = std::make_shared<Handle>(s_, *nf, std::move(r->fd));
  return Created(name, o, std::move(h));
}

ErrnoOr<std::shared_ptr<Inode>> GoferInode::Mkdir(const std::string& name, uint32_t mode,
                                                  const Owner& o) {
  if (!S_ISDIR(this->mode())) return Errno(ENOTDIR);
  auto r = s_->Rpc<fs9p::Rmkdir>(fs9p::Tmkdir{fid_, name, mode & 07777, o.gid});
  if (!r.ok()) return r.error();
  {
    absl::MutexLock l(&mu_);
    attr_.nlink++;
  }
  return Created(name, o);
}

ErrnoOr<std::shared_ptr<Inode>> GoferInode::Mknod(const std::string& name, uint32_t mode,
                                                  uint64_t rdev, const Owner& o) {
  if (!S_ISDIR(this->mode())) return Errno(ENOTDIR);
  const uint32_t type = mode & S_IFMT;
  if (type != S_IFIFO && type != S_IFSOCK && type != S_IFREG) return Errno(EPERM);
  (void)rdev;  // only meaningful for devices, which the gofer never makes
  auto r = s_->Rpc<fs9p::Rmknod>(fs9p::Tmknod{fid_, name, mode, 0, 0, o.gid});
  if (!r.ok()) return r.error();
  return Created(name, o);
}

ErrnoOr<std::shared_ptr<Inode>> GoferInode::Symlink(const std::string& name,
                                                    const std::string& target, const Owner& o) {
  if (!S_ISDIR(mode())) return Errno(ENOTDIR);
  auto r = s_->Rpc<fs9p::Rsymlink>(fs9p::Tsymlink{fid_, name, target, o.gid});
  if (!r.ok()) return r.error();
  return Created(name, o);
}

ErrnoResult GoferInode::Link(const std::string& name, const std::shared_ptr<Inode>& target) {
  auto t = std::dynamic_pointer_cast<GoferInode>(target);
  if (!t || t->s_ != s_) return Errno(EXDEV);
  if (!S_ISDIR(mode())) return Errno(ENOTDIR);
  auto r = s_->Rpc<fs9p::Rlink>(fs9p::Tlink{fid_, t->fid_, name});
  if (!r.ok()) return r.error();
  (void)t->Refresh();  // nlink, ctime
  std::shared_ptr<GoferInode> dropped;
  {
    absl::MutexLock l(&mu_);
    dropped = SetEntry(name, t);
    attr_.mtime = attr_.ctime = NowTimespec();
  }
  return {};
}

ErrnoResult GoferInode::Unlink(const std::string& name) {
  if (!S_ISDIR(mode())) return Errno(ENOTDIR);
  if (ErrnoResult r = s_->UnlinkAt(fid_, name, 0); !r.ok()) return r;
  std::shared_ptr<GoferInode> dropped;
  {
    absl::MutexLock l(&mu_);
    dropped = SetEntry(name, nullptr);
    attr_.mtime = attr_.ctime = NowTimespec();
  }
  if (dropped) {
    absl::MutexLock l(&dropped->mu_);
    if (dropped->attr_.nlink > 0) dropped->attr_.nlink--;
    dropped->attr_.ctime = NowTimespec();
  }
  return {};
}

ErrnoResult GoferInode::Rmdir(const std::string& name) {
  if (!S_ISDIR(mode())) return Errno(ENOTDIR);
  if (ErrnoResult r = s_->UnlinkAt(fid_, name, AT_REMOVEDIR); !r.ok()) return r;
  std::shared_ptr<GoferInode> dropped;
  {
    absl::MutexLock l(&mu_);
    dropped = SetEntry(name, nullptr);
    if (attr_.nlink > 2) attr_.nlink--;
    attr_.mtime = attr_.ctime = NowTimespec();
  }
  if (dropped) {
    absl::MutexLock l(&dropped->mu_);
    dropped->attr_.nlink = 0;
  }
  return {};
}

ErrnoResult GoferInode::Rename(const std::string& old_name, Inode& new_dir_base,
                               const std::string& new_name, uint32_t flags) {
  auto* nd = dynamic_cast<GoferInode*>(&new_dir_base);
  if (nd == nullptr || nd->s_ != s_) return Errno(EXDEV);
  if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) return Errno(EINVAL);
  if ((flags & RENAME_NOREPLACE) != 0 && (flags & RENAME_EXCHANGE) != 0) return Errno(EINVAL);
  // 9P2000.L cannot swap two names atomically.
  if ((flags & RENAME_EXCHANGE) != 0) return Errno(EINVAL);
  if (!S_ISDIR(mode()) || !S_ISDIR(nd->mode())) return Errno(ENOTDIR);
  if ((flags & RENAME_NOREPLACE) != 0) {
    auto probe = s_->Walk(nd->fid_, {new_name});
    if (probe.ok()) {
      s_->Clunk(*probe);
      return Errno(EEXIST);
    }
    if (probe.error().value() != ENOENT) return probe.error();
  }
  if (ErrnoResult r = s_->RenameAt(fid_, old_name, nd->fid_, new_name); !r.ok()) return r;
  // The gofer moved its node: our fids follow the file. Move the cache.
  std::shared_ptr<GoferInode> moved, dropped;
  const auto ts = NowTimespec();
  {
    GoferInode* first = this < nd ? this : nd;
    GoferInode* second = this < nd ? nd : this;
    absl::MutexLock l1(&first->mu_);
    std::optional<absl::MutexLock> l2;
    if (second != first) l2.emplace(&second->mu_);
    if (auto it = children_.find(old_name); it != children_.end()) {
      moved = it->second.inode.lock();
    }
    SetEntry(old_name, nullptr);
    dropped = nd->SetEntry(new_name, moved);
    if (moved && dropped == moved) {
      // Two links to one file: rename(2) does nothing.
      SetEntry(old_name, moved);
    } else if (!moved) {
      nd->children_.erase(new_name);  // walk it afresh next time
    }
    attr_.mtime = attr_.ctime = nd->attr_.mtime = nd->attr_.ctime = ts;
  }
  if (dropped && dropped != moved) {
    absl::MutexLock l(&dropped->mu_);
    if (S_ISDIR(dropped->attr_.mode)) dropped->attr_.nlink = 0;
    else if (dropped->attr_.nlink > 0) dropped->attr_.nlink--;
  }
  if (moved) {
    absl::MutexLock l(&moved->mu_);
    moved->attr_.ctime = ts;
    moved->parent_ = nd->weak_from_this();
    moved->name_ = new_name;
  }
  return {};
}

}  // namespace goferfs

ErrnoOr<std::shared_ptr<Inode>> NewGoferfs(std::shared_ptr<fs9p::Client> client,
                                           const GoferfsOptions& opts) {
  auto s = std::make_shared<goferfs::Session>();
  s->client = std::move(client);
  s->opts = opts;
  s->dev = AllocateDeviceNumber();
  uint32_t fid = s->client->NewFid();
  auto a = s->Rpc<fs9p::Rattach>(fs9p::Tattach{fid, fs9p::kNoFid, "root", opts.aname, opts.attach_uid});
  if (!a.ok()) {
    s->client->ReleaseFid(fid);
    return a.error();
  }
  auto g = s->Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{fid, fs9p::kGetattrBasic});
  if (!g.ok()) {
    s->Clunk(fid);
    return g.error();
  }
  auto root = std::make_shared<goferfs::GoferInode>(s, fid, *g);
  root->is_root = true;
  return std::shared_ptr<Inode>(std::move(root));
}

}  // namespace sentry::vfs
