// A node: one file beneath the gofer's root, held as an O_PATH|O_NOFOLLOW fd.
//
// Contract: a node's fd was obtained by resolving one name at a time from
// the root without following symlinks (walk.h), so it always refers to a
// file inside the root. The node also remembers its parent node and its
// name there: `..` goes to the parent, and a non-directory is reopened for
// I/O as openat(parent, name, O_NOFOLLOW) checked against the cached
// dev/ino (ESTALE if the name now means another file). The root has no
// parent. Nodes are shared (shared_ptr) between fids; the location
// (parent, name) changes only through Trename and is guarded by `mu`.
#ifndef GOFER_NODE_H_
#define GOFER_NODE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/unique_fd.h"

namespace gofer {

class Node {
 public:
  // Wraps `fd` (an O_PATH fd); fstats it to cache the type, dev and ino.
  // `read_only`: writes beneath this node get EROFS (see mount_policy.h).
  static absl::StatusOr<std::shared_ptr<Node>> Make(base::UniqueFd fd, std::shared_ptr<Node> parent,
                                                    std::string name, bool read_only);

  int fd() const { return fd_.get(); }
  mode_t type() const { return type_; }  // S_IFMT bits
  dev_t dev() const { return dev_; }
  ino_t ino() const { return ino_; }
  bool read_only() const { return read_only_; }
  bool is_dir() const { return S_ISDIR(type_); }
  bool is_root() const;

  // The parent (null for the root) and the name in it.
  std::pair<std::shared_ptr<Node>, std::string> Location() const;
  // After a rename of this very file.
  void SetLocation(std::shared_ptr<Node> parent, std::string name);

  // Opens the file for I/O with `flags` (O_ACCMODE, O_TRUNC, O_APPEND, ...;
  // O_CLOEXEC and O_NOFOLLOW are added). Directories: openat(fd, ".");
  // others via the parent, verified by dev/ino. Refuses device nodes
  // (EPERM) and sockets (ENXIO); FIFOs are opened O_NONBLOCK so the gofer
  // never blocks on them.
  absl::StatusOr<base::UniqueFd> Open(int flags) const;

 private:
  Node(base::UniqueFd fd, std::shared_ptr<Node> parent, std::string name, bool read_only,
       const struct stat& st);

  const base::UniqueFd fd_;
  const mode_t type_;
  const dev_t dev_;
  const ino_t ino_;
  const bool read_only_;
  mutable absl::Mutex mu_;
  std::shared_ptr<Node> parent_ ABSL_GUARDED_BY(mu_);
  std::string name_ ABSL_GUARDED_BY(mu_);
  const bool root_;
};

}  // namespace gofer

#endif  // GOFER_NODE_H_
