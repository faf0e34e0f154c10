#include "gofer/confine.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/unique_fd.h"
#include "fs9p/errors.h"

namespace gofer {
namespace {

using fs9p::ErrnoError;

absl::Status Mount(const std::string& src, const std::string& dst, unsigned long flags) {
  if (mount(src.empty() ? nullptr : src.c_str(), dst.c_str(), nullptr, flags, nullptr) != 0) {
    return ErrnoError(errno, absl::StrCat("mount ", src, " on ", dst));
  }
  return absl::OkStatus();
}

// Makes the mount at `path` and every mount beneath it read-only
// (mount_setattr; a plain remount, which is not recursive, where missing).
absl::Status RemountReadOnly(const std::string& path) {
  struct mount_attr attr = {};
  attr.attr_set = MOUNT_ATTR_RDONLY;
  if (syscall(SYS_mount_setattr, AT_FDCWD, path.c_str(), AT_RECURSIVE, &attr, sizeof(attr)) == 0) {
    return absl::OkStatus();
  }
  if (errno != ENOSYS) return ErrnoError(errno, "mount_setattr " + path);
  return Mount("", path, MS_REMOUNT | MS_BIND | MS_RDONLY);
}

// An O_PATH fd of `rel` beneath `root`, resolved with no symlinks at all.
absl::StatusOr<base::UniqueFd> OpenBeneath(const std::string& root, const std::string& rel) {
  base::UniqueFd r(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!r) return ErrnoError(errno, "open " + root);
  struct open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, r.get(), rel.c_str(), &how, sizeof(how));
  if (fd < 0) return ErrnoError(errno, "open mount target " + rel);
  return base::UniqueFd(static_cast<int>(fd));
}

std::string ProcFd(const base::UniqueFd& fd) { return absl::StrCat("/proc/self/fd/", fd.get()); }

// Creates `path` under `root` (a directory, or an empty file if `source` is
// not a directory), component by component; returns it relative to `root`.
// Mounting then goes through an fd opened beneath the root without
// symlinks, so a rootfs symlink cannot redirect a mount outside the root.
absl::StatusOr<std::string> MakeTarget(const std::string& root, const std::string& target,
                                       bool dir) {
  std::vector<std::string> parts = absl::StrSplit(target, '/', absl::SkipEmpty());
  if (parts.empty()) return ErrnoError(EINVAL, "mount target is the root");
  std::string path = root;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p == "." || p == "..") return ErrnoError(EINVAL, "mount target with . or ..");
    path = absl::StrCat(path, "/", p);
    const bool last = i + 1 == parts.size();
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      if (S_ISLNK(st.st_mode)) return ErrnoError(ELOOP, "mount target through a symlink: " + path);
      if (!last && !S_ISDIR(st.st_mode)) return ErrnoError(ENOTDIR, path);
      continue;
    }
    if (errno != ENOENT) return ErrnoError(errno, path);
    if (!last || dir) {
      if (mkdir(path.c_str(), 0755) != 0) return ErrnoError(errno, "mkdir " + path);
    } else {
      int fd = open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0) return ErrnoError(errno, "create " + path);
      close(fd);
    }
  }
  return absl::StrJoin(parts, "/");
}

}  // namespace

absl::StatusOr<ExtraMount> ParseMount(absl::string_view spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
      (parts.size() == 3 && parts[2] != "ro" && parts[2] != "rw")) {
    return absl::InvalidArgumentError(absl::StrCat("bad --mount '", spec, "': want SRC:DST[:ro]"));
  }
  return ExtraMount{parts[0], parts[1], parts.size() == 3 && parts[2] == "ro"};
}

absl::Status Confine(const ConfineOptions& o) {
  if (unshare(CLONE_NEWNS) != 0) return ErrnoError(errno, "unshare(CLONE_NEWNS)");
  if (absl::Status s = Mount("", "/", MS_REC | MS_PRIVATE); !s.ok()) return s;
  char real[PATH_MAX];
  if (!realpath(o.root.c_str(), real)) return ErrnoError(errno, "realpath " + o.root);
  const std::string root = real;
  // Mount targets are made first, while the rootfs is still writable.
  std::vector<std::string> targets;
  for (const ExtraMount& m : o.mounts) {
    struct stat st;
    if (stat(m.source.c_str(), &st) != 0) return ErrnoError(errno, "mount source " + m.source);
    absl::StatusOr<std::string> target = MakeTarget(root, m.target, S_ISDIR(st.st_mode));
    if (!target.ok()) return target.status();
    targets.push_back(*target);
  }
  if (absl::Status s = Mount(root, root, MS_BIND | MS_REC); !s.ok()) return s;
  if (o.read_only) {
    if (absl::Status s = RemountReadOnly(root); !s.ok()) return s;
  }
  // A bind keeps its source's flags: rw even inside a ro root unless asked.
  for (size_t i = 0; i < o.mounts.size(); ++i) {
    absl::StatusOr<base::UniqueFd> at = OpenBeneath(root, targets[i]);
    if (!at.ok()) return at.status();
    if (absl::Status s = Mount(o.mounts[i].source, ProcFd(*at), MS_BIND | MS_REC); !s.ok()) {
      return s;
    }
    if (o.mounts[i].read_only) {
      // Reopened: now the top of the new mount.
      absl::StatusOr<base::UniqueFd> top = OpenBeneath(root, targets[i]);
      if (!top.ok()) return top.status();
      if (absl::Status s = RemountReadOnly(ProcFd(*top)); !s.ok()) return s;
    }
  }
  if (chdir(root.c_str()) != 0) return ErrnoError(errno, "chdir " + root);
  if (syscall(SYS_pivot_root, ".", ".") != 0) return ErrnoError(errno, "pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return ErrnoError(errno, "umount old root");
  if (chdir("/") != 0) return ErrnoError(errno, "chdir /");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return ErrnoError(errno, "no_new_privs");
  return absl::OkStatus();
}

}  // namespace gofer
