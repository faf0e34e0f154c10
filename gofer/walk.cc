#include "gofer/walk.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "fs9p/errors.h"

namespace gofer {
namespace {

std::atomic<bool> have_openat2{true};

absl::Status CheckComponent(absl::string_view name) {
  if (name.empty() || name == "." || name.find('/') != absl::string_view::npos ||
      name.find('\0') != absl::string_view::npos) {
    return fs9p::ErrnoError(EINVAL, "bad name");
  }
  if (name.size() > NAME_MAX) return fs9p::ErrnoError(ENAMETOOLONG);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckNewName(absl::string_view name) {
  if (name == "..") return fs9p::ErrnoError(EINVAL, "bad name");
  return CheckComponent(name);
}

bool OnReadOnlyMount(int fd) {
  struct statvfs sv;
  return fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

absl::StatusOr<base::UniqueFd> OpenPathBeneath(int dir_fd, absl::string_view name) {
  if (absl::Status s = CheckNewName(name); !s.ok()) return s;
  std::string n(name);
  if (have_openat2.load(std::memory_order_relaxed)) {
    struct open_how how = {};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS;
    long fd = syscall(SYS_openat2, dir_fd, n.c_str(), &how, sizeof(how));
    if (fd >= 0) return base::UniqueFd(static_cast<int>(fd));
    if (errno != ENOSYS) return fs9p::ErrnoError(errno, "openat2");
    have_openat2.store(false, std::memory_order_relaxed);
  }
  int fd = openat(dir_fd, n.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fs9p::ErrnoError(errno, "openat");
  return base::UniqueFd(fd);
}

absl::StatusOr<std::shared_ptr<Node>> WalkOne(const std::shared_ptr<Node>& dir,
                                              absl::string_view name, bool force_ro) {
  if (absl::Status s = CheckComponent(name); !s.ok()) return s;
  if (!dir->is_dir()) return fs9p::ErrnoError(ENOTDIR, "walk from a non-directory");
  if (name == "..") {
    std::shared_ptr<Node> parent = dir->Location().first;
    return parent ? parent : dir;
  }
  absl::StatusOr<base::UniqueFd> fd = OpenPathBeneath(dir->fd(), name);
  if (!fd.ok()) return fd.status();
  const bool ro = force_ro || OnReadOnlyMount(fd->get());
  return Node::Make(*std::move(fd), dir, std::string(name), ro);
}

}  // namespace gofer
