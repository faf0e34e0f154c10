// Confinement of the gofer process: its own mount namespace with the
// rootfs as `/`.
//
// Contract: Confine() unshares the mount namespace, makes every mount
// private (so nothing propagates back to the host), bind-mounts the rootfs
// onto itself (recursively), remounts it read-only if asked, binds each
// extra mount beneath it (creating the target, ro where asked), pivots
// into it and detaches the old root, then sets PR_SET_NO_NEW_PRIVS. After
// it returns, `/` is the rootfs and the host's tree is unreachable by path.
// Needs CAP_SYS_ADMIN. Must run before any other thread exists (unshare of
// CLONE_NEWNS needs a single-threaded caller's fs state).
#ifndef GOFER_CONFINE_H_
#define GOFER_CONFINE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gofer {

struct ExtraMount {
  std::string source;  // host path
  std::string target;  // path inside the rootfs (leading '/' optional)
  bool read_only = false;
};

// Parses `SRC:DST[:ro]`.
absl::StatusOr<ExtraMount> ParseMount(absl::string_view spec);

struct ConfineOptions {
  std::string root;  // host path of the rootfs
  bool read_only = false;
  std::vector<ExtraMount> mounts;
};

absl::Status Confine(const ConfineOptions& options);

}  // namespace gofer

#endif  // GOFER_CONFINE_H_
