// Resolving names beneath a directory node, one component at a time.
//
// Contract: a name is one path component. "" , ".", and names holding '/'
// or NUL are EINVAL. ".." is the parent node, and the root's ".." is the
// root itself. Every other name is opened with openat2(dir, name, O_PATH |
// O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS)
// (openat with O_PATH|O_NOFOLLOW where openat2 is missing). Symlinks are
// never followed: walking *through* one gives ENOTDIR, and the symlink
// itself is a node whose text the client reads with Treadlink. So no name,
// symlink or concurrent rename can produce a node outside the root.
#ifndef GOFER_WALK_H_
#define GOFER_WALK_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gofer/node.h"

namespace gofer {

// OK if `name` is a valid single component to create or look up (not "..").
absl::Status CheckNewName(absl::string_view name);

// The node `name` names inside `dir`. ENOTDIR if `dir` is not a directory.
// `force_ro` marks the result read-only regardless of its mount.
absl::StatusOr<std::shared_ptr<Node>> WalkOne(const std::shared_ptr<Node>& dir,
                                              absl::string_view name, bool force_ro);

// Opens `name` in `dir` as an O_PATH fd the way WalkOne does, without
// making a node.
absl::StatusOr<base::UniqueFd> OpenPathBeneath(int dir_fd, absl::string_view name);

// True if `fd` sits on a mount flagged read-only (fstatvfs ST_RDONLY).
bool OnReadOnlyMount(int fd);

}  // namespace gofer

#endif  // GOFER_WALK_H_
