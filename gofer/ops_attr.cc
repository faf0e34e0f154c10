// FileServer: attributes (getattr, setattr, statfs) and extended attributes.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>

#include "fs9p/errors.h"
#include "gofer/file_server.h"

namespace gofer {

using fs9p::ErrnoError;

namespace {

constexpr long kSysFchmodat2 = 452;
constexpr size_t kMaxXattrSize = 65536;  // XATTR_SIZE_MAX

absl::Status Chmod(const Node& n, mode_t mode) {
  if (syscall(kSysFchmodat2, n.fd(), "", mode, AT_EMPTY_PATH) == 0) return absl::OkStatus();
  if (errno != ENOSYS && errno != EINVAL) return ErrnoError(errno, "fchmodat2");
  if (S_ISLNK(n.type())) return ErrnoError(EOPNOTSUPP, "chmod of a symlink");
  absl::StatusOr<base::UniqueFd> fd = n.Open(O_RDONLY | O_NONBLOCK);
  if (!fd.ok()) return fd.status();
  if (fchmod(fd->get(), mode) != 0) return ErrnoError(errno, "fchmod");
  return absl::OkStatus();
}

struct timespec Time(bool given, bool set, uint64_t sec, uint64_t nsec) {
  if (!given) return {0, UTIME_OMIT};
  if (!set) return {0, UTIME_NOW};
  return {static_cast<time_t>(sec), static_cast<long>(nsec)};
}

// An fd on which the f*xattr calls work: regular files and directories.
absl::StatusOr<base::UniqueFd> XattrFd(const Node& n) {
  if (!S_ISREG(n.type()) && !S_ISDIR(n.type())) return ErrnoError(EOPNOTSUPP, "xattr on special file");
  return n.Open(O_RDONLY | O_NONBLOCK);
}

}  // namespace

FileServer::Result FileServer::Do(const fs9p::Tgetattr& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> p = GetPath(m.fid);
  if (!p.ok()) return p.status();
  struct statx sx;
  if (statx(p->node->fd(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME,
            &sx) != 0) {
    return ErrnoError(errno, "statx");
  }
  fs9p::Rgetattr r;
  r.valid = fs9p::kGetattrBasic;
  r.qid = QidOf(*p->node);
  r.mode = sx.stx_mode;
  r.uid = sx.stx_uid;
  r.gid = sx.stx_gid;
  r.nlink = sx.stx_nlink;
  r.rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
  r.size = sx.stx_size;
  r.blksize = sx.stx_blksize;
  r.blocks = sx.stx_blocks;
  r.atime_sec = sx.stx_atime.tv_sec;
  r.atime_nsec = sx.stx_atime.tv_nsec;
  r.mtime_sec = sx.stx_mtime.tv_sec;
  r.mtime_nsec = sx.stx_mtime.tv_nsec;
  r.ctime_sec = sx.stx_ctime.tv_sec;
  r.ctime_nsec = sx.stx_ctime.tv_nsec;
  if (sx.stx_mask & STATX_BTIME) {
    r.valid |= fs9p::kGetattrBtime;
    r.btime_sec = sx.stx_btime.tv_sec;
    r.btime_nsec = sx.stx_btime.tv_nsec;
  }
  return Reply{r, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tsetattr& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> p = GetPath(m.fid);
  if (!p.ok()) return p.status();
  const Node& n = *p->node;
  constexpr uint32_t kChanges = fs9p::kSetattrMode | fs9p::kSetattrUid | fs9p::kSetattrGid |
                                fs9p::kSetattrSize | fs9p::kSetattrAtime | fs9p::kSetattrMtime |
                                fs9p::kSetattrCtime;
  if ((m.valid & kChanges) && n.read_only()) return ErrnoError(EROFS);
  if (m.valid & fs9p::kSetattrMode) {
    if (absl::Status s = Chmod(n, m.mode & 07777); !s.ok()) return s;
  }
  if (m.valid & (fs9p::kSetattrUid | fs9p::kSetattrGid)) {
    uid_t uid = (m.valid & fs9p::kSetattrUid) ? m.uid : static_cast<uid_t>(-1);
    gid_t gid = (m.valid & fs9p::kSetattrGid) ? m.gid : static_cast<gid_t>(-1);
    if (fchownat(n.fd(), "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoError(errno, "fchownat");
    }
  }
  if (m.valid & fs9p::kSetattrSize) {
    if (n.is_dir()) return ErrnoError(EISDIR);
    if (!S_ISREG(n.type())) return ErrnoError(EINVAL, "truncate of a special file");
    absl::StatusOr<base::UniqueFd> fd = n.Open(O_WRONLY);
    if (!fd.ok()) return fd.status();
    if (ftruncate(fd->get(), static_cast<off_t>(m.size)) != 0) return ErrnoError(errno, "ftruncate");
  }
  if (m.valid & (fs9p::kSetattrAtime | fs9p::kSetattrMtime)) {
    struct timespec ts[2] = {
        Time(m.valid & fs9p::kSetattrAtime, m.valid & fs9p::kSetattrAtimeSet, m.atime_sec, m.atime_nsec),
        Time(m.valid & fs9p::kSetattrMtime, m.valid & fs9p::kSetattrMtimeSet, m.mtime_sec, m.mtime_nsec)};
    if (utimensat(n.fd(), "", ts, AT_EMPTY_PATH) != 0) return ErrnoError(errno, "utimensat");
  }
  return Reply{fs9p::Rsetattr{}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tstatfs& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> p = GetPath(m.fid);
  if (!p.ok()) return p.status();
  struct statfs sf;
  if (fstatfs(p->node->fd(), &sf) != 0) return ErrnoError(errno, "fstatfs");
  fs9p::Rstatfs r;
  r.type = static_cast<uint32_t>(sf.f_type);
  r.bsize = static_cast<uint32_t>(sf.f_bsize);
  r.blocks = sf.f_blocks;
  r.bfree = sf.f_bfree;
  r.bavail = sf.f_bavail;
  r.files = sf.f_files;
  r.ffree = sf.f_ffree;
  uint64_t fsid;
  static_assert(sizeof(fsid) == sizeof(sf.f_fsid));
  memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
  r.fsid = fsid;
  r.namelen = static_cast<uint32_t>(sf.f_namelen);
  return Reply{r, {}};
}

FileServer::Result FileServer::Do(const fs9p::Txattrwalk& m, const fs9p::Session&) {
  const std::shared_ptr<Fid> f_holder = fids_.Get(m.fid);  // for newfid == fid
  absl::StatusOr<PathRef> p = GetPath(m.fid);
  if (!p.ok()) return p.status();
  absl::StatusOr<base::UniqueFd> fd = XattrFd(*p->node);
  if (!fd.ok()) return fd.status();
  std::string value;
  // Size, then fetch; retry if it grew in between.
  for (int attempt = 0;; ++attempt) {
    ssize_t size = m.name.empty() ? flistxattr(fd->get(), nullptr, 0)
                                  : fgetxattr(fd->get(), m.name.c_str(), nullptr, 0);
    if (size < 0) return ErrnoError(errno, "xattr size");
    value.resize(size);
    ssize_t n = m.name.empty() ? flistxattr(fd->get(), value.data(), value.size())
                               : fgetxattr(fd->get(), m.name.c_str(), value.data(), value.size());
    if (n >= 0) {
      value.resize(n);
      break;
    }
    if (errno != ERANGE || attempt == 3) return ErrnoError(errno, "xattr");
  }
  const uint64_t size = value.size();
  auto nf = std::make_shared<Fid>();
  {
    absl::MutexLock l(&nf->mu);
    nf->kind = Fid::Kind::kXattrRead;
    nf->node = p->node;
    nf->uid = p->uid;
    nf->xattr_value = std::move(value);
  }
  if (m.newfid == m.fid) {
    if (!fids_.Replace(m.fid, f_holder, std::move(nf))) return ErrnoError(EBADF, "fid clunked");
  } else if (!fids_.Insert(m.newfid, std::move(nf))) {
    return ErrnoError(EIO, "newfid in use");
  }
  return Reply{fs9p::Rxattrwalk{size}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Txattrcreate& m, const fs9p::Session&) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  Fid& fid = **f;
  if (fid.kind != Fid::Kind::kPath) return ErrnoError(EBADF, "xattrcreate on a non-path fid");
  if (fid.node->read_only()) return ErrnoError(EROFS);
  if (m.name.empty()) return ErrnoError(EINVAL, "empty xattr name");
  if (m.attr_size > kMaxXattrSize) return ErrnoError(E2BIG);
  if (m.flags & ~static_cast<uint32_t>(XATTR_CREATE | XATTR_REPLACE)) return ErrnoError(EINVAL);
  if (!S_ISREG(fid.node->type()) && !S_ISDIR(fid.node->type())) return ErrnoError(EOPNOTSUPP);
  fid.kind = Fid::Kind::kXattrWrite;
  fid.xattr_name = m.name;
  fid.xattr_value.assign(m.attr_size, '\0');
  fid.xattr_flags = m.flags;
  return Reply{fs9p::Rxattrcreate{}, {}};
}

absl::Status FileServer::CommitXattr(Fid& f) {
  absl::StatusOr<base::UniqueFd> fd = XattrFd(*f.node);
  if (!fd.ok()) return fd.status();
  // Linux's client removes an attribute as a size-0 create with XATTR_REPLACE.
  if (f.xattr_value.empty() && (f.xattr_flags & XATTR_REPLACE)) {
    if (fremovexattr(fd->get(), f.xattr_name.c_str()) != 0) return ErrnoError(errno, "removexattr");
    return absl::OkStatus();
  }
  if (fsetxattr(fd->get(), f.xattr_name.c_str(), f.xattr_value.data(), f.xattr_value.size(),
                static_cast<int>(f.xattr_flags)) != 0) {
    return ErrnoError(errno, "setxattr");
  }
  return absl::OkStatus();
}

}  // namespace gofer
