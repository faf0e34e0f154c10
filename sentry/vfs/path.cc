#include "sentry/vfs/path.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>

#include <algorithm>
#include <vector>

#include "sentry/vfs/file.h"

namespace sentry::vfs {

bool HasCapability(const kernel::Credentials& c, int cap) {
  return (c.cap_effective & (uint64_t{1} << cap)) != 0;
}

bool IsOwnerOrCapable(const kernel::Credentials& c, const InodeAttr& a) {
  return c.fsuid == a.uid || HasCapability(c, CAP_FOWNER);
}

ErrnoResult CheckPermission(const kernel::Credentials& c, const InodeAttr& a, int may) {
  uint32_t bits;
  if (c.fsuid == a.uid) {
    bits = (a.mode >> 6) & 7;
  } else if (c.fsgid == a.gid || std::find(c.groups.begin(), c.groups.end(), a.gid) != c.groups.end()) {
    bits = (a.mode >> 3) & 7;
  } else {
    bits = a.mode & 7;
  }
  if ((bits & static_cast<uint32_t>(may)) == static_cast<uint32_t>(may)) return {};
  const bool dir = S_ISDIR(a.mode);
  if (HasCapability(c, CAP_DAC_OVERRIDE)) {
    if ((may & kMayExec) == 0 || dir || (a.mode & 0111) != 0) return {};
  }
  if (HasCapability(c, CAP_DAC_READ_SEARCH)) {
    if (may == kMayRead || (dir && (may & kMayWrite) == 0)) return {};
  }
  return Errno(EACCES);
}

ErrnoResult CheckPathLength(const std::string& path) {
  if (path.size() >= PATH_MAX) return Errno(ENAMETOOLONG);
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j - i > NAME_MAX) return Errno(ENAMETOOLONG);
    i = j + 1;
  }
  return {};
}

namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

ErrnoOr<VirtualDentry> Resolver::Step(const VirtualDentry& dir, const std::string& name) const {
  InodeAttr a = dir.inode().Stat();
  if (!S_ISDIR(a.mode)) return Errno(ENOTDIR);
  if (ErrnoResult r = CheckPermission(*creds, a, kMayExec); !r.ok()) return r.error();
  if (name.size() > NAME_MAX) return Errno(ENAMETOOLONG);
  if (name == ".") return dir;
  VirtualDentry cur = dir;
  if (name == "..") {
    for (;;) {
      if (cur == root) return cur;
      if (cur.dentry == cur.mount->root()) {
        auto parent = cur.mount->parent();
        if (!parent) return cur;  // the namespace root
        cur = {parent, cur.mount->mountpoint()};
        continue;
      }
      break;
    }
    auto p = cur.dentry->parent();
    if (p) cur.dentry = p;
    return cur;
  }
  auto child = cur.dentry->Child(name);
  if (!child.ok()) return child.error();
  cur.dentry = *child;
  while (auto m = cur.mount->MountedAt(*cur.dentry)) cur = {m, m->root()};
  return cur;
}

ErrnoOr<VirtualDentry> Resolver::Walk(VirtualDentry cur, const std::string& path,
                                      bool follow_final, const ResolveOptions& o,
                                      int& links) const {
  if (path.empty()) return Errno(ENOENT);
  if (path[0] == '/') {
    if (o.beneath) return Errno(EXDEV);
    cur = root;
  }
  const std::vector<std::string> comps = Split(path);
  const bool trailing = path.back() == '/';
  for (size_t i = 0; i < comps.size(); ++i) {
    const bool last = i + 1 == comps.size();
    if (o.beneath && comps[i] == ".." && cur == start) return Errno(EXDEV);
    auto next = Step(cur, comps[i]);
    if (!next.ok()) return next.error();
    if (S_ISLNK(next->inode().Stat().mode) && (!last || follow_final || trailing)) {
      if (o.no_symlinks) return Errno(ELOOP);
      if (++links > kMaxSymlinks) return Errno(ELOOP);
      if (task != nullptr) {
        VirtualDentry magic;
        auto is_magic = next->inode().FollowMagic(*task, &magic);
        if (!is_magic.ok()) return is_magic.error();
        if (*is_magic) {
          if (o.beneath) return Errno(EXDEV);  // a jump out of the subtree, as Linux rules
          cur = std::move(magic);
          if (!last && !S_ISDIR(cur.inode().Stat().mode)) return Errno(ENOTDIR);
          continue;
        }
      }
      auto target = task != nullptr ? next->inode().ReadLinkAs(*task) : next->inode().ReadLink();
      if (!target.ok()) return target.error();
      if (target->empty()) return Errno(ENOENT);
      auto resolved = Walk(cur, *target, /*follow_final=*/true, o, links);
      if (!resolved.ok()) return resolved.error();
      next = std::move(resolved);
    }
    cur = std::move(*next);
  }
  if (trailing && !S_ISDIR(cur.inode().Stat().mode)) return Errno(ENOTDIR);
  return cur;
}

ErrnoOr<VirtualDentry> Resolver::Resolve(const std::string& path, const ResolveOptions& o) const {
  if (ErrnoResult r = CheckPathLength(path); !r.ok()) return r.error();
  int links = 0;
  return Walk(start, path, o.follow_final, o, links);
}

ErrnoOr<Resolver::Parent> Resolver::ResolveParent(const std::string& path,
                                                  const ResolveOptions& o) const {
  if (ErrnoResult r = CheckPathLength(path); !r.ok()) return r.error();
  if (path.empty()) return Errno(ENOENT);
  Parent p;
  size_t end = path.size();
  while (end > 0 && path[end - 1] == '/') --end;
  p.trailing_slash = end < path.size();
  if (end == 0) {  // "/" (or "///")
    p.dir = root;
    p.name = "";
    return p;
  }
  size_t slash = path.rfind('/', end - 1);
  p.name = path.substr(slash == std::string::npos ? 0 : slash + 1,
                       end - (slash == std::string::npos ? 0 : slash + 1));
  if (p.name.size() > NAME_MAX) return Errno(ENAMETOOLONG);
  std::string dir_path = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int links = 0;
  auto d = Walk(start, dir_path, true, o, links);
  if (!d.ok()) return d.error();
  InodeAttr a = d->inode().Stat();
  if (!S_ISDIR(a.mode)) return Errno(ENOTDIR);
  p.dir = std::move(*d);
  return p;
}

VirtualDentry RootOf(kernel::Task& t) {
  auto& fs = *t.fs();
  absl::MutexLock l(&fs.mu);
  return {fs.root_mount, fs.root};
}

VirtualDentry CwdOf(kernel::Task& t) {
  auto& fs = *t.fs();
  absl::MutexLock l(&fs.mu);
  return {fs.cwd_mount, fs.cwd};
}

ErrnoOr<Resolver> ResolverFor(kernel::Task& t, int dirfd, const std::string& path) {
  Resolver r;
  r.creds = &t.creds();
  r.task = &t;
  r.root = RootOf(t);
  if (!r.root.dentry) return Errno(ENOENT);
  if (!path.empty() && path[0] == '/') {
    r.start = r.root;
    return r;
  }
  if (dirfd == AT_FDCWD) {
    r.start = CwdOf(t);
    return r;
  }
  auto f = t.fds().Get(dirfd);
  if (!f) return Errno(EBADF);
  auto* vf = dynamic_cast<VfsFile*>(f.get());
  if (vf == nullptr) return Errno(ENOTDIR);
  r.start = vf->vd();
  // An empty path (AT_EMPTY_PATH) names the file itself, whatever it is.
  if (!path.empty() && !S_ISDIR(r.start.inode().Stat().mode)) return Errno(ENOTDIR);
  return r;
}

ErrnoOr<std::string> PathOf(const VirtualDentry& root, const VirtualDentry& vd) {
  if (vd.dentry->dead()) return Errno(ENOENT);
  std::vector<std::string> parts;
  VirtualDentry cur = vd;
  for (;;) {
    if (cur == root) break;
    if (cur.dentry == cur.mount->root()) {
      auto parent = cur.mount->parent();
      if (!parent) break;
      cur = {parent, cur.mount->mountpoint()};
      continue;
    }
    auto p = cur.dentry->parent();
    if (!p) break;
    parts.push_back(cur.dentry->name());
    cur.dentry = p;
  }
  if (parts.empty()) return std::string("/");
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += "/" + *it;
  return out;
}

}  // namespace sentry::vfs
