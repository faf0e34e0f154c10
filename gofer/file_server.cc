// FileServer: construction, dispatch, fid bookkeeping, attach/walk/clunk/remove.
#include "gofer/file_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <variant>

#include "base/fmt_absl.h"
#include "fs9p/errors.h"
#include "gofer/walk.h"
#include "spdlog/spdlog.h"

namespace gofer {

using fs9p::ErrnoError;

absl::StatusOr<std::unique_ptr<FileServer>> FileServer::Create(const std::string& root_path,
                                                               Options options) {
  base::UniqueFd fd(open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ErrnoError(errno, "open root " + root_path);
  const bool ro = options.read_only || OnReadOnlyMount(fd.get());
  absl::StatusOr<std::shared_ptr<Node>> root = Node::Make(std::move(fd), nullptr, "", ro);
  if (!root.ok()) return root.status();
  return std::unique_ptr<FileServer>(new FileServer(*std::move(root), options));
}

FileServer::FileServer(std::shared_ptr<Node> root, Options options)
    : root_(std::move(root)), options_(options) {}

fs9p::Handler::Reply FileServer::Handle(const fs9p::Message& req, const fs9p::Session& session) {
  Result r = std::visit([&](const auto& m) { return Do(m, session); }, req);
  if (r.ok()) return *std::move(r);
  spdlog::debug("gofer: {}: {}", fs9p::TypeName(static_cast<uint8_t>(fs9p::TypeOf(req))),
                r.status());
  return Reply{fs9p::Rlerror{static_cast<uint32_t>(fs9p::ErrnoOf(r.status()))}, {}};
}

void FileServer::Reset() {
  fids_.Clear();
  nodes_.Clear();
}

template <class M>
FileServer::Result FileServer::Do(const M&, const fs9p::Session&) {
  return ErrnoError(EINVAL, "not a request the gofer serves");
}

absl::StatusOr<std::shared_ptr<Fid>> FileServer::GetFid(uint32_t id) const {
  std::shared_ptr<Fid> f = fids_.Get(id);
  if (!f) return ErrnoError(EBADF, "unknown fid");
  return f;
}

absl::StatusOr<FileServer::PathRef> FileServer::GetPath(uint32_t id) const {
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(id);
  if (!f.ok()) return f.status();
  absl::MutexLock l(&(*f)->mu);
  if ((*f)->kind != Fid::Kind::kPath && (*f)->kind != Fid::Kind::kOpen) {
    return ErrnoError(EBADF, "xattr fid");
  }
  return PathRef{(*f)->node, (*f)->uid};
}

absl::StatusOr<FileServer::PathRef> FileServer::GetWritableDir(uint32_t id) const {
  absl::StatusOr<PathRef> p = GetPath(id);
  if (!p.ok()) return p;
  if (!p->node->is_dir()) return ErrnoError(ENOTDIR);
  if (p->node->read_only()) return ErrnoError(EROFS);
  return p;
}

absl::StatusOr<std::shared_ptr<Node>> FileServer::Child(const std::shared_ptr<Node>& dir,
                                                        absl::string_view name) {
  return nodes_.Walk(dir, name, options_.read_only);
}

absl::Status FileServer::ChownCreated(const Node& n, uint32_t uid, uint32_t gid) const {
  uid_t u = (uid == fs9p::kNoUid || uid == geteuid()) ? static_cast<uid_t>(-1) : uid;
  gid_t g = (gid == fs9p::kNoUid || gid == getegid()) ? static_cast<gid_t>(-1) : gid;
  if (u == static_cast<uid_t>(-1) && g == static_cast<gid_t>(-1)) return absl::OkStatus();
  if (fchownat(n.fd(), "", u, g, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError(errno, "chown created file");
  }
  return absl::OkStatus();
}

FileServer::Result FileServer::Do(const fs9p::Tattach& m, const fs9p::Session&) {
  if (m.afid != fs9p::kNoFid) return ErrnoError(EBADF, "no auth fids");
  if (!m.aname.empty() && m.aname != "/") return ErrnoError(ENOENT, "unknown aname");
  auto f = std::make_shared<Fid>();
  {
    absl::MutexLock l(&f->mu);
    f->node = root_;
    f->uid = m.n_uname;
  }
  if (!fids_.Insert(m.fid, f)) return ErrnoError(EIO, "fid in use");
  return Reply{fs9p::Rattach{QidOf(*root_)}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tauth&, const fs9p::Session&) {
  return ErrnoError(EOPNOTSUPP, "no authentication");
}

FileServer::Result FileServer::Do(const fs9p::Twalk& m, const fs9p::Session&) {
  if (m.wnames.size() > fs9p::kMaxWalkElements) return ErrnoError(EINVAL, "walk too long");
  absl::StatusOr<std::shared_ptr<Fid>> f = GetFid(m.fid);
  if (!f.ok()) return f.status();
  std::shared_ptr<Node> node;
  uint32_t uid;
  {
    absl::MutexLock l(&(*f)->mu);
    if ((*f)->kind != Fid::Kind::kPath && (*f)->kind != Fid::Kind::kOpen) {
      return ErrnoError(EBADF, "walk from an xattr fid");
    }
    node = (*f)->node;
    uid = (*f)->uid;
  }
  fs9p::Rwalk r;
  for (const std::string& name : m.wnames) {
    absl::StatusOr<std::shared_ptr<Node>> next = Child(node, name);
    if (!next.ok()) {
      if (r.qids.empty()) return next.status();
      return Reply{std::move(r), {}};  // partial walk: newfid is not made
    }
    node = *std::move(next);
    r.qids.push_back(QidOf(*node));
  }
  auto nf = std::make_shared<Fid>();
  {
    absl::MutexLock l(&nf->mu);
    nf->node = std::move(node);
    nf->uid = uid;
  }
  if (m.newfid == m.fid) {
    // Replace only if the fid is still the one we walked from.
    if (!fids_.Replace(m.fid, *f, std::move(nf))) return ErrnoError(EBADF, "fid clunked during walk");
  } else if (!fids_.Insert(m.newfid, std::move(nf))) {
    return ErrnoError(EIO, "newfid in use");
  }
  return Reply{std::move(r), {}};
}

FileServer::Result FileServer::Do(const fs9p::Tclunk& m, const fs9p::Session&) {
  std::shared_ptr<Fid> f = fids_.Remove(m.fid);
  if (!f) return ErrnoError(EBADF, "unknown fid");
  absl::MutexLock l(&f->mu);
  if (f->kind == Fid::Kind::kXattrWrite) {
    if (absl::Status s = CommitXattr(*f); !s.ok()) return s;
  }
  return Reply{fs9p::Rclunk{}, {}};
}

FileServer::Result FileServer::Do(const fs9p::Tremove& m, const fs9p::Session&) {
  // Tremove clunks the fid whether or not the removal works.
  std::shared_ptr<Fid> f = fids_.Remove(m.fid);
  if (!f) return ErrnoError(EBADF, "unknown fid");
  std::shared_ptr<Node> node;
  {
    absl::MutexLock l(&f->mu);
    if (f->kind != Fid::Kind::kPath && f->kind != Fid::Kind::kOpen) return ErrnoError(EBADF);
    node = f->node;
  }
  auto [parent, name] = node->Location();
  if (!parent) return ErrnoError(EBUSY, "cannot remove the root");
  if (parent->read_only()) return ErrnoError(EROFS);
  struct stat st;
  if (fstatat(parent->fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoError(errno, "stat before remove");
  }
  if (st.st_dev != node->dev() || st.st_ino != node->ino()) return ErrnoError(ESTALE);
  if (unlinkat(parent->fd(), name.c_str(), node->is_dir() ? AT_REMOVEDIR : 0) != 0) {
    return ErrnoError(errno, "unlink");
  }
  nodes_.Removed(parent, name);
  return Reply{fs9p::Rremove{}, {}};
}

}  // namespace gofer
