// FileServer: opening, creating, reading, writing, listing, syncing, locking.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "fs9p/dirent.h"
#include "fs9p/errors.h"
#include "gofer/file_server.h"
#include "gofer/walk.h"

namespace gofer {

using fs9p::ErrnoError;

namespace {

// The open flags a client may ask for; the rest (O_CREAT, O_EXCL, O_NOCTTY,
// O_CLOEXEC, O_NOFOLLOW, O_PATH, O_TMPFILE, O_ASYNC, O_DIRECT, O_NOATIME) are
// dropped or set by the gofer itself.
constexpr int kClientOpenFlags =
    O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECTORY | O_LARGEFILE;

bool WantsWrite(uint32_t flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT | O_APPEND));
}

// The I/O fd of an open fid, or EBADF.
absl::StatusOr<int> OpenFile(Fid& f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f.mu) {
  if (f.kind != Fid::Kind::kOpen) return ErrnoError(EBADF, "fid not open");
  return f.file.get();
}

uint32_t IoUnit(const fs9p::Session& s) {
  return s.msize > fs9p::kIoHeaderSize ? s.msize - fs9p::kIoHeaderSize : 0;
}

// Makes `fid` an open fid over `file`. With FD donation negotiated and a
// regular file, `reply` also carries a duplicate of the FD.
absl::Status FinishOpen(Fid& fid, const Node& node, base::UniqueFd file, int flags,
                        const fs9p::Session& s, fs9p::Handler::Reply& reply)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(fid.mu) {
  if (s.fd_donation && S_ISREG(node.type())) {
    int dup = fcntl(file.get(), F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return ErrnoError(errno, "dup");
    reply.fd.reset(dup);
  }
  fid.file = std::move(file);
  fid.open_flags = flags;
  fid.kind = Fid::Kind::kOpen;
  return absl::OkStatus();
}

}  // namespace

FileServer::Result FileServer::Do(const fs9p::Tlopen& m, const fs9p::Session& s) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  Fid& fid = **f;
  if (fid.kind != Fid::Kind::kPath) return ErrnoError(EBADF, "fid already open");
  const Node& node = *fid.node;
  if (WantsWrite(m.flags) && node.read_only()) return ErrnoError(EROFS);
  if (m.flags & O_DIRECTORY && !node.is_dir()) return ErrnoError(ENOTDIR);
  const int flags = static_cast<int>(m.flags) & kClientOpenFlags;
  absl::StatusOr<base::UniqueFd> fd = node.Open(flags);
  if (!fd.ok()) return fd.status();
  Reply r{fs9p::Rlopen{QidOf(node), IoUnit(s)}, {}};
  if (absl::Status st = FinishOpen(fid, node, *std::move(fd), flags, s, r); !st.ok()) return st;
  return r;
}

FileServer::Result FileServer::Do(const fs9p::Tlcreate& m, const fs9p::Session& s) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  Fid& fid = **f;
  if (fid.kind != Fid::Kind::kPath) return ErrnoError(EBADF, "fid not a directory path");
  std::shared_ptr<Node> dir = fid.node;
  if (!dir->is_dir()) return ErrnoError(ENOTDIR);
  if (dir->read_only()) return ErrnoError(EROFS);
  if (absl::Status st = CheckNewName(m.name); !st.ok()) return st;
  const int flags = static_cast<int>(m.flags) & kClientOpenFlags & ~O_DIRECTORY;
  // Always O_EXCL, so an existing device or FIFO is never opened here; an
  // existing file the client did not ask to be exclusive is opened the
  // ordinary (checked) way instead.
  base::UniqueFd fd(openat(dir->fd(), m.name.c_str(),
                           flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                           m.mode & 07777));
  bool created = fd.valid();
  if (!fd && (errno != EEXIST || (m.flags & O_EXCL))) return ErrnoError(errno, "create");
  absl::StatusOr<std::shared_ptr<Node>> node = Child(dir, m.name);
  if (!node.ok()) return node.status();
  if (created) {
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return ErrnoError(errno, "fstat");
    if (st.st_dev != (*node)->dev() || st.st_ino != (*node)->ino()) return ErrnoError(ESTALE);
    if (absl::Status c = ChownCreated(**node, fid.uid, m.gid); !c.ok()) return c;
  } else {
    absl::StatusOr<base::UniqueFd> opened = (*node)->Open(flags);
    if (!opened.ok()) return opened.status();
    fd = *std::move(opened);
  }
  Reply r{fs9p::Rlcreate{QidOf(**node), IoUnit(s)}, {}};
  if (absl::Status st = FinishOpen(fid, **node, std::move(fd), flags, s, r); !st.ok()) return st;
  fid.node = *std::move(node);
  return r;
}

FileServer::Result FileServer::Do(const fs9p::Tread& m, const fs9p::Session& s) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  Fid& fid = **f;
  const uint32_t count = std::min(m.count, IoUnit(s));
  if (fid.kind == Fid::Kind::kXattrRead) {
    const std::string& v = fid.xattr_value;
    if (m.offset >= v.size()) return Reply{fs9p::Rread{}, {}};
    return Reply{fs9p::Rread{fs9p::Payload{v.substr(m.offset, count)}}, {}};
  }
  absl::StatusOr<int> fd = OpenFile(fid);
  if (!fd.ok()) return fd.status();
  if ((fid.open_flags & O_ACCMODE) == O_WRONLY) return ErrnoError(EBADF, "not open for reading");
  std::string buf(count, '\0');
  ssize_t n = pread(*fd, buf.data(), count, static_cast<off_t>(m.offset));
  if (n < 0) return ErrnoError(errno, "pread");
  buf.resize(n);
  return Reply{fs9p::Rread{fs9p::Payload{std::move(buf)}}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Twrite& m, const fs9p::Session& s) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  Fid& fid = **f;
  const std::string& data = m.data.bytes;
  if (data.size() > IoUnit(s)) return ErrnoError(EINVAL, "write larger than iounit");
  if (fid.kind == Fid::Kind::kXattrWrite) {
    std::string& v = fid.xattr_value;
    if (m.offset > v.size() || data.size() > v.size() - m.offset) {
      return ErrnoError(EINVAL, "xattr write beyond the announced size");
    }
    v.replace(m.offset, data.size(), data);
    return Reply{fs9p::Rwrite{static_cast<uint32_t>(data.size())}, {}};
  }
  absl::StatusOr<int> fd = OpenFile(fid);
  if (!fd.ok()) return fd.status();
  if ((fid.open_flags & O_ACCMODE) == O_RDONLY) return ErrnoError(EBADF, "not open for writing");
  if (fid.node->read_only()) return ErrnoError(EROFS);
  // With O_APPEND, pwrite appends whatever the offset (Linux behaviour).
  ssize_t n = pwrite(*fd, data.data(), data.size(), static_cast<off_t>(m.offset));
  if (n < 0) return ErrnoError(errno, "pwrite");
  return Reply{fs9p::Rwrite{static_cast<uint32_t>(n)}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Treaddir& m, const fs9p::Session& s) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  Fid& fid = **f;
  absl::StatusOr<int> fd = OpenFile(fid);
  if (!fd.ok()) return fd.status();
  if (!fid.node->is_dir()) return ErrnoError(ENOTDIR);
  const size_t limit = std::min(m.count, IoUnit(s));
  if (lseek(*fd, static_cast<off_t>(m.offset), SEEK_SET) < 0) return ErrnoError(errno, "lseek");
  // Host entries are smaller than 9P ones, so `limit` bytes of them are
  // always enough to fill the reply.
  std::vector<char> buf(std::max<size_t>(limit, 512));
  long n = syscall(SYS_getdents64, *fd, buf.data(), buf.size());
  if (n < 0) return ErrnoError(errno, "getdents64");
  std::string out;
  for (long pos = 0; pos < n;) {
    const auto* d = reinterpret_cast<const struct dirent64*>(buf.data() + pos);
    pos += d->d_reclen;
    mode_t mode = static_cast<mode_t>(DTTOIF(d->d_type));
    fs9p::Dirent e{qids_.Qid(fid.node->dev(), d->d_ino, mode), static_cast<uint64_t>(d->d_off),
                   d->d_type, d->d_name};
    if (!fs9p::AppendDirent(e, limit, out)) break;
  }
  return Reply{fs9p::Rreaddir{fs9p::Payload{std::move(out)}}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tfsync& m, const fs9p::Session&) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  absl::StatusOr<int> fd = OpenFile(**f);
  if (!fd.ok()) return fd.status();
  if ((m.datasync ? fdatasync(*fd) : fsync(*fd)) != 0) return ErrnoError(errno, "fsync");
  return Reply{fs9p::Rfsync{}, {}};
}

namespace {

absl::StatusOr<short> LockType(uint8_t t) {
  switch (t) {
    case fs9p::kLockTypeRead: return F_RDLCK;
    case fs9p::kLockTypeWrite: return F_WRLCK;
    case fs9p::kLockTypeUnlock: return F_UNLCK;
    default: return ErrnoError(EINVAL, "lock type");
  }
}

struct flock MakeFlock(short type, uint64_t start, uint64_t length) {
  struct flock fl = {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(start);
  fl.l_len = static_cast<off_t>(length);
  return fl;
}

}  // namespace

FileServer::Result FileServer::Do(const fs9p::Tlock& m, const fs9p::Session&) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  absl::StatusOr<int> fd = OpenFile(**f);
  if (!fd.ok()) return fd.status();
  absl::StatusOr<short> type = LockType(m.type);
  if (!type.ok()) return type.status();
  if (static_cast<int64_t>(m.start) < 0 || static_cast<int64_t>(m.length) < 0) {
    return ErrnoError(EINVAL, "lock range");
  }
  // Open file description locks on the fid's own fd; never blocks: a lock
  // held elsewhere answers kLockBlocked and the client retries.
  struct flock fl = MakeFlock(*type, m.start, m.length);
  if (fcntl(*fd, F_OFD_SETLK, &fl) == 0) return Reply{fs9p::Rlock{fs9p::kLockSuccess}, {}};
  if (errno == EAGAIN || errno == EACCES) return Reply{fs9p::Rlock{fs9p::kLockBlocked}, {}};
  return ErrnoError(errno, "lock");
}

FileServer::Result FileServer::Do(const fs9p::Tgetlock& m, const fs9p::Session&) {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  absl::StatusOr<int> fd = OpenFile(**f);
  if (!fd.ok()) return fd.status();
  absl::StatusOr<short> type = LockType(m.type);
  if (!type.ok()) return type.status();
  if (*type == F_UNLCK || static_cast<int64_t>(m.start) < 0 ||
      static_cast<int64_t>(m.length) < 0) {
    return ErrnoError(EINVAL, "getlock");
  }
  struct flock fl = MakeFlock(*type, m.start, m.length);
  if (fcntl(*fd, F_OFD_GETLK, &fl) != 0) return ErrnoError(errno, "getlock");
  fs9p::Rgetlock r;
  if (fl.l_type == F_UNLCK) {
    r = fs9p::Rgetlock{fs9p::kLockTypeUnlock, m.start, m.length, m.proc_id, m.client_id};
  } else {
    r.type = fl.l_type == F_RDLCK ? fs9p::kLockTypeRead : fs9p::kLockTypeWrite;
    r.start = static_cast<uint64_t>(fl.l_start);
    r.length = static_cast<uint64_t>(fl.l_len);
    r.proc_id = fl.l_pid > 0 ? static_cast<uint32_t>(fl.l_pid) : 0;
  }
  return Reply{std::move(r), {}};
}

}  // namespace gofer
