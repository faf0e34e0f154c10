// goferfs: attributes (Stat, SetAttr, revalidation at open), symlink
// targets, and file data through opened fids or donated host FDs.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sentry/vfs/goferfs_inode.h"

namespace sentry::vfs::goferfs {

void GoferInode::SetAttrFrom(const fs9p::Rgetattr& g) {
  attr_.dev = s_->dev;
  attr_.ino = g.qid.path;
  attr_.mode = g.mode;
  attr_.nlink = static_cast<uint32_t>(g.nlink);
  attr_.uid = g.uid;
  attr_.gid = g.gid;
  attr_.rdev = g.rdev;
  attr_.size = static_cast<int64_t>(g.size);
  attr_.blocks = static_cast<int64_t>(g.blocks);
  attr_.blksize = g.blksize != 0 ? static_cast<uint32_t>(g.blksize) : 4096;
  attr_.atime = {static_cast<time_t>(g.atime_sec), static_cast<long>(g.atime_nsec)};
  attr_.mtime = {static_cast<time_t>(g.mtime_sec), static_cast<long>(g.mtime_nsec)};
  attr_.ctime = {static_cast<time_t>(g.ctime_sec), static_cast<long>(g.ctime_nsec)};
}

bool GoferInode::SameFile(const fs9p::Rgetattr& g) {
  if (g.qid.path != qid_path_) return false;
  if (has_btime_ && (g.valid & fs9p::kGetattrBtime) != 0 &&
      (g.btime_sec != btime_sec_ || g.btime_nsec != btime_nsec_)) {
    return false;
  }
  absl::MutexLock l(&mu_);
  return (attr_.mode & S_IFMT) == (g.mode & S_IFMT);
}

InodeAttr GoferInode::Stat() {
  absl::MutexLock l(&mu_);
  return attr_;
}

ErrnoResult GoferInode::Refresh() {
  auto g = s_->Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{fid_, fs9p::kGetattrBasic});
  if (!g.ok()) return g.error();
  absl::MutexLock l(&mu_);
  SetAttrFrom(*g);
  return {};
}

ErrnoResult GoferInode::SetAttr(const SetAttrRequest& r) {
  const uint32_t m = mode();
  if ((r.mask & SetAttrRequest::kSize) != 0) {
    if (S_ISDIR(m)) return Errno(EISDIR);
    if (!S_ISREG(m)) return Errno(EINVAL);
    if (r.size < 0) return Errno(EINVAL);
  }
  fs9p::Tsetattr t;
  t.fid = fid_;
  t.valid = fs9p::kSetattrCtime;
  if ((r.mask & SetAttrRequest::kMode) != 0) {
    t.valid |= fs9p::kSetattrMode;
    t.mode = r.mode & 07777;
  }
  if ((r.mask & SetAttrRequest::kUid) != 0) {
    t.valid |= fs9p::kSetattrUid;
    t.uid = r.uid;
  }
  if ((r.mask & SetAttrRequest::kGid) != 0) {
    t.valid |= fs9p::kSetattrGid;
    t.gid = r.gid;
  }
  if ((r.mask & SetAttrRequest::kSize) != 0) {
    t.valid |= fs9p::kSetattrSize;
    t.size = static_cast<uint64_t>(r.size);
  }
  if ((r.mask & SetAttrRequest::kAtime) != 0) {
    t.valid |= fs9p::kSetattrAtime | fs9p::kSetattrAtimeSet;
    t.atime_sec = static_cast<uint64_t>(r.atime.tv_sec);
    t.atime_nsec = static_cast<uint64_t>(r.atime.tv_nsec);
  }
  if ((r.mask & SetAttrRequest::kMtime) != 0) {
    t.valid |= fs9p::kSetattrMtime | fs9p::kSetattrMtimeSet;
    t.mtime_sec = static_cast<uint64_t>(r.mtime.tv_sec);
    t.mtime_nsec = static_cast<uint64_t>(r.mtime.tv_nsec);
  }
  auto res = s_->Rpc<fs9p::Rsetattr>(t);
  if (!res.ok()) return res.error();
  return Refresh();
}

ErrnoResult GoferInode::Revalidate() {
  std::shared_ptr<GoferInode> parent;
  std::string name;
  {
    absl::MutexLock l(&mu_);
    parent = parent_.lock();
    name = name_;
  }
  if (!parent) return Refresh();  // the root, or a directory gone from the cache
  auto nf = s_->Walk(parent->fid_, {name});
  ErrnoOr<fs9p::Rgetattr> g = nf.ok() ? s_->Rpc<fs9p::Rgetattr>(fs9p::Tgetattr{*nf, fs9p::kGetattrBasic})
                                      : ErrnoOr<fs9p::Rgetattr>(nf.error());
  if (nf.ok()) s_->Clunk(*nf);
  const bool gone = !g.ok() && (g.error().value() == ENOENT || g.error().value() == ENOTDIR);
  if (!g.ok() && !gone) return g.error();
  if (gone || !SameFile(*g)) {
    absl::MutexLock l(&parent->mu_);
    parent->children_.erase(name);
    return Errno(ESTALE);
  }
  absl::MutexLock l(&mu_);
  SetAttrFrom(*g);
  return {};
}

ErrnoResult GoferInode::PrepareOpen(uint32_t flags) {
  if (ErrnoResult r = Revalidate(); !r.ok()) return r;
  if (!S_ISREG(mode())) return {};
  const uint32_t acc = flags & O_ACCMODE;
  if (acc == O_RDONLY || acc == O_RDWR) {
    if (auto h = GetHandle(false); !h.ok()) return h.error();
  }
  if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC) != 0) {
    if (auto h = GetHandle(true); !h.ok()) return h.error();
  }
  return {};
}

ErrnoOr<std::shared_ptr<Handle>> GoferInode::GetHandle(bool write) {
  {
    absl::MutexLock l(&mu_);
    if (auto& h = write ? write_ : read_) return h;
  }
  absl::MutexLock hl(&handle_mu_);
  {
    absl::MutexLock l(&mu_);
    if (auto& h = write ? write_ : read_) return h;
  }
  auto nf = s_->Walk(fid_, {});
  if (!nf.ok()) return nf.error();
  absl::StatusOr<fs9p::Client::Reply> r =
      s_->client->Call(fs9p::Tlopen{*nf, static_cast<uint32_t>(write ? O_WRONLY : O_RDONLY)});
  if (r.ok() && !std::holds_alternative<fs9p::Rlopen>(r->msg)) r = absl::InternalError("not Rlopen");
  if (!r.ok()) {
    s_->Clunk(*nf);
    return ToErrno(r.status());
  }
  auto h = std::make_shared<Handle>(s_, *nf, std::move(r->fd));
  absl::MutexLock l(&mu_);
  (write ? write_ : read_) = h;
  return h;
}

ErrnoOr<std::string> GoferInode::ReadLink() {
  {
    absl::MutexLock l(&mu_);
    if (!S_ISLNK(attr_.mode)) return Errno(EINVAL);
    if (link_target_) return *link_target_;
  }
  auto r = s_->Rpc<fs9p::Rreadlink>(fs9p::Treadlink{fid_});
  if (!r.ok()) return r.error();
  absl::MutexLock l(&mu_);
  link_target_ = r->target;  // a symlink's target never changes
  return r->target;
}

ErrnoOr<size_t> GoferInode::ReadAt(void* buf, size_t len, int64_t off) {
  const uint32_t m = mode();
  if (S_ISDIR(m)) return Errno(EISDIR);
  if (!S_ISREG(m)) return Errno(EINVAL);
  if (off < 0) return Errno(EINVAL);
  auto h = GetHandle(false);
  if (!h.ok()) return h.error();
  char* p = static_cast<char*>(buf);
  size_t done = 0;
  while (done < len) {
    size_t want = len - done;
    size_t got;
    if ((*h)->host.valid()) {
      ssize_t n = pread((*h)->host.get(), p + done, want, off + static_cast<int64_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (done > 0) break;
        return Errno(errno);
      }
      got = static_cast<size_t>(n);
    } else {
      want = std::min<size_t>(want, s_->client->iounit());
      auto r = s_->Rpc<fs9p::Rread>(fs9p::Tread{(*h)->fid, static_cast<uint64_t>(off) + done,
                                                 static_cast<uint32_t>(want)});
      if (!r.ok()) {
        if (done > 0) break;
        return r.error();
      }
      got = std::min(r->data.bytes.size(), want);
      std::memcpy(p + done, r->data.bytes.data(), got);
    }
    done += got;
    if (got == 0 || got < want) break;  // end of file
  }
  return done;
}

ErrnoOr<size_t> GoferInode::WriteAt(const void* buf, size_t len, int64_t off) {
  const uint32_t m = mode();
  if (S_ISDIR(m)) return Errno(EISDIR);
  if (!S_ISREG(m)) return Errno(EINVAL);
  if (off < 0) return Errno(EINVAL);
  if (len == 0) return size_t{0};
  auto h = GetHandle(true);
  if (!h.ok()) return h.error();
  const char* p = static_cast<const char*>(buf);
  size_t done = 0;
  while (done < len) {
    size_t want = len - done;
    size_t put;
    if ((*h)->host.valid()) {
      ssize_t n = pwrite((*h)->host.get(), p + done, want, off + static_cast<int64_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (done > 0) break;
        return Errno(errno);
      }
      put = static_cast<size_t>(n);
    } else {
      want = std::min<size_t>(want, s_->client->iounit());
      auto r = s_->Rpc<fs9p::Rwrite>(fs9p::Twrite{(*h)->fid, static_cast<uint64_t>(off) + done,
                                                   fs9p::Payload{std::string(p + done, want)}});
      if (!r.ok()) {
        if (done > 0) break;
        return r.error();
      }
      put = std::min<size_t>(r->count, want);
    }
    if (put == 0) break;
    done += put;
  }
  if (done == 0) return Errno(EIO);
  absl::MutexLock l(&mu_);
  attr_.size = std::max<int64_t>(attr_.size, off + static_cast<int64_t>(done));
  attr_.blocks = (attr_.size + 511) / 512;
  attr_.mtime = attr_.ctime = NowTimespec();
  return done;
}

}  // namespace sentry::vfs::goferfs
