#include "gofer/node.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "fs9p/errors.h"

namespace gofer {

absl::StatusOr<std::shared_ptr<Node>> Node::Make(base::UniqueFd fd, std::shared_ptr<Node> parent,
                                                 std::string name, bool read_only) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return fs9p::ErrnoError(errno, "fstat");
  return std::shared_ptr<Node>(
      new Node(std::move(fd), std::move(parent), std::move(name), read_only, st));
}

Node::Node(base::UniqueFd fd, std::shared_ptr<Node> parent, std::string name, bool read_only,
           const struct stat& st)
    : fd_(std::move(fd)),
      type_(st.st_mode & S_IFMT),
      dev_(st.st_dev),
      ino_(st.st_ino),
      read_only_(read_only),
      parent_(std::move(parent)),
      name_(std::move(name)),
      root_(parent_ == nullptr) {}

bool Node::is_root() const { return root_; }

std::pair<std::shared_ptr<Node>, std::string> Node::Location() const {
  absl::MutexLock l(&mu_);
  return {parent_, name_};
}

void Node::SetLocation(std::shared_ptr<Node> parent, std::string name) {
  absl::MutexLock l(&mu_);
  parent_ = std::move(parent);
  name_ = std::move(name);
}

absl::StatusOr<base::UniqueFd> Node::Open(int flags) const {
  flags |= O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
  if (S_ISCHR(type_) || S_ISBLK(type_)) return fs9p::ErrnoError(EPERM, "device node");
  if (S_ISSOCK(type_)) return fs9p::ErrnoError(ENXIO, "socket");
  if (S_ISLNK(type_)) return fs9p::ErrnoError(ELOOP, "symlink");
  if (S_ISFIFO(type_)) flags |= O_NONBLOCK;
  if (S_ISDIR(type_)) {
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) return fs9p::ErrnoError(EISDIR);
    int fd = openat(fd_.get(), ".", flags | O_DIRECTORY);
    if (fd < 0) return fs9p::ErrnoError(errno, "reopen dir");
    return base::UniqueFd(fd);
  }
  auto [parent, name] = Location();
  if (parent == nullptr) return fs9p::ErrnoError(ESTALE, "root is not a directory");
  // O_TRUNC must not hit a file that turns out to be another one: open
  // without it, verify, then truncate.
  const bool trunc = flags & O_TRUNC;
  base::UniqueFd fd(openat(parent->fd(), name.c_str(), (flags & ~O_TRUNC) | O_NONBLOCK));
  if (!fd) return fs9p::ErrnoError(errno, "reopen");
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return fs9p::ErrnoError(errno, "fstat");
  if (st.st_dev != dev_ || st.st_ino != ino_) return fs9p::ErrnoError(ESTALE, "file replaced");
  if (!(flags & O_NONBLOCK) && fcntl(fd.get(), F_SETFL, flags & (O_APPEND | O_DIRECT | O_NOATIME)) != 0) {
    return fs9p::ErrnoError(errno, "fcntl");
  }
  if (trunc && ftruncate(fd.get(), 0) != 0) return fs9p::ErrnoError(errno, "ftruncate");
  return fd;
}

}  // namespace gofer
