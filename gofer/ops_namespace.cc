// FileServer: creating, linking, renaming and removing names; readlink.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs9p/errors.h"
#include "gofer/file_server.h"
#include "gofer/walk.h"

namespace gofer {

using fs9p::ErrnoError;

namespace {

// AT_REMOVEDIR on the 9P wire (Tunlinkat flags).
constexpr uint32_t kUnlinkRemoveDir = 0x200;

// OK if `n` still is what `dir`/`name` names (for name-based calls on a node).
absl::Status CheckStillNamed(const Node& dir, const std::string& name, const Node& n) {
  struct stat st;
  if (fstatat(dir.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return ErrnoError(errno, "stat");
  if (st.st_dev != n.dev() || st.st_ino != n.ino()) return ErrnoError(ESTALE, "file moved");
  return absl::OkStatus();
}

}  // namespace

FileServer::Result FileServer::Do(const fs9p::Tmkdir& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> d = GetWritableDir(m.dfid);
  if (!d.ok()) return d.status();
  if (absl::Status s = CheckNewName(m.name); !s.ok()) return s;
  if (mkdirat(d->node->fd(), m.name.c_str(), m.mode & 07777) != 0) return ErrnoError(errno, "mkdir");
  absl::StatusOr<std::shared_ptr<Node>> n = Child(d->node, m.name);
  if (!n.ok()) return n.status();
  if (absl::Status s = ChownCreated(**n, d->uid, m.gid); !s.ok()) return s;
  return Reply{fs9p::Rmkdir{QidOf(**n)}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tsymlink& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> d = GetWritableDir(m.fid);
  if (!d.ok()) return d.status();
  if (absl::Status s = CheckNewName(m.name); !s.ok()) return s;
  if (m.target.empty()) return ErrnoError(ENOENT, "empty symlink target");
  if (symlinkat(m.target.c_str(), d->node->fd(), m.name.c_str()) != 0) {
    return ErrnoError(errno, "symlink");
  }
  absl::StatusOr<std::shared_ptr<Node>> n = Child(d->node, m.name);
  if (!n.ok()) return n.status();
  if (absl::Status s = ChownCreated(**n, d->uid, m.gid); !s.ok()) return s;
  return Reply{fs9p::Rsymlink{QidOf(**n)}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tmknod& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> d = GetWritableDir(m.dfid);
  if (!d.ok()) return d.status();
  if (absl::Status s = CheckNewName(m.name); !s.ok()) return s;
  mode_t type = m.mode & S_IFMT;
  if (type == 0) type = S_IFREG;
  // Never device nodes: the container must not reach host devices.
  if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK) return ErrnoError(EPERM, "mknod type");
  if (mknodat(d->node->fd(), m.name.c_str(), type | (m.mode & 07777), 0) != 0) {
    return ErrnoError(errno, "mknod");
  }
  absl::StatusOr<std::shared_ptr<Node>> n = Child(d->node, m.name);
  if (!n.ok()) return n.status();
  if (absl::Status s = ChownCreated(**n, d->uid, m.gid); !s.ok()) return s;
  return Reply{fs9p::Rmknod{QidOf(**n)}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tlink& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> d = GetWritableDir(m.dfid);
  if (!d.ok()) return d.status();
  absl::StatusOr<PathRef> target = GetPath(m.fid);
  if (!target.ok()) return target.status();
  if (absl::Status s = CheckNewName(m.name); !s.ok()) return s;
  const Node& t = *target->node;
  if (t.is_dir()) return ErrnoError(EPERM, "hard link to a directory");
  if (linkat(t.fd(), "", d->node->fd(), m.name.c_str(), AT_EMPTY_PATH) == 0) {
    return Reply{fs9p::Rlink{}, {}};
  }
  if (errno != ENOENT && errno != EPERM) return ErrnoError(errno, "link");
  // Without CAP_DAC_READ_SEARCH, AT_EMPTY_PATH is refused: link by name,
  // then undo it if the name had come to mean another file.
  auto [parent, name] = t.Location();
  if (!parent) return ErrnoError(EPERM);
  if (linkat(parent->fd(), name.c_str(), d->node->fd(), m.name.c_str(), 0) != 0) {
    return ErrnoError(errno, "link");
  }
  if (absl::Status s = CheckStillNamed(*d->node, m.name, t); !s.ok()) {
    unlinkat(d->node->fd(), m.name.c_str(), 0);
    return s;
  }
  return Reply{fs9p::Rlink{}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Trename& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> d = GetWritableDir(m.dfid);
  if (!d.ok()) return d.status();
  absl::StatusOr<PathRef> p = GetPath(m.fid);
  if (!p.ok()) return p.status();
  if (absl::Status s = CheckNewName(m.name); !s.ok()) return s;
  Node& n = *p->node;
  auto [parent, name] = n.Location();
  if (!parent) return ErrnoError(EBUSY, "cannot rename the root");
  if (parent->read_only()) return ErrnoError(EROFS);
  if (absl::Status s = CheckStillNamed(*parent, name, n); !s.ok()) return s;
  if (renameat(parent->fd(), name.c_str(), d->node->fd(), m.name.c_str()) != 0) {
    return ErrnoError(errno, "rename");
  }
  nodes_.Renamed(parent, name, d->node, m.name);
  n.SetLocation(d->node, m.name);
  return Reply{fs9p::Rrename{}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Trenameat& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> od = GetWritableDir(m.olddirfid);
  if (!od.ok()) return od.status();
  absl::StatusOr<PathRef> nd = GetWritableDir(m.newdirfid);
  if (!nd.ok()) return nd.status();
  if (absl::Status s = CheckNewName(m.oldname); !s.ok()) return s;
  if (absl::Status s = CheckNewName(m.newname); !s.ok()) return s;
  if (renameat(od->node->fd(), m.oldname.c_str(), nd->node->fd(), m.newname.c_str()) != 0) {
    return ErrnoError(errno, "renameat");
  }
  nodes_.Renamed(od->node, m.oldname, nd->node, m.newname);
  return Reply{fs9p::Rrenameat{}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tunlinkat& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> d = GetWritableDir(m.dirfid);
  if (!d.ok()) return d.status();
  if (absl::Status s = CheckNewName(m.name); !s.ok()) return s;
  if (m.flags & ~kUnlinkRemoveDir) return ErrnoError(EINVAL, "unlinkat flags");
  const int flags = (m.flags & kUnlinkRemoveDir) ? AT_REMOVEDIR : 0;
  if (unlinkat(d->node->fd(), m.name.c_str(), flags) != 0) return ErrnoError(errno, "unlinkat");
  nodes_.Removed(d->node, m.name);
  return Reply{fs9p::Runlinkat{}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Treadlink& m, const fs9p::Session&) {
  absl::StatusOr<PathRef> p = GetPath(m.fid);
  if (!p.ok()) return p.status();
  if (!S_ISLNK(p->node->type())) return ErrnoError(EINVAL, "not a symlink");
  std::string buf(PATH_MAX, '\0');
  ssize_t n = readlinkat(p->node->fd(), "", buf.data(), buf.size());
  if (n < 0) return ErrnoError(errno, "readlink");
  buf.resize(n);
  return Reply{fs9p::Rreadlink{std::move(buf)}, {}};
}

}  // namespace gofer
