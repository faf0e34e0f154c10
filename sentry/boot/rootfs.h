// rootfs.h: the sandbox's root file system, as the boot spec says (see
// spec.h): an empty tmpfs, or the tree a gofer serves (goferfs), under the
// in-memory overlay by default.
#ifndef SENTRY_BOOT_ROOTFS_H_
#define SENTRY_BOOT_ROOTFS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sentry/boot/gofer_process.h"
#include "sentry/boot/spec.h"
#include "sentry/vfs/inode.h"

namespace sentry::boot {

struct RootFs {
  std::shared_ptr<vfs::Inode> root;
  uint32_t mount_flags = 0;  // MS_RDONLY
  // The gofer this Sentry started (killed and reaped with it), if any.
  std::unique_ptr<GoferProcess> gofer;
};

// Builds the root. With spec.root_path and no spec.gofer_fd, starts
// `gofer_binary` (read-only when the overlay is on or the root is
// read-only). Takes ownership of spec.gofer_fd.
absl::StatusOr<RootFs> MakeRootFs(const BootSpec& spec, const std::string& gofer_binary);

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_ROOTFS_H_
