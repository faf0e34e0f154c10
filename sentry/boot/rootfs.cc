#include "sentry/boot/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "fs9p/client.h"
#include "sentry/vfs/goferfs.h"
#include "sentry/vfs/overlay.h"
#include "sentry/vfs/tmpfs.h"

namespace sentry::boot {

absl::StatusOr<RootFs> MakeRootFs(const BootSpec& spec, const std::string& gofer_binary) {
  RootFs fs;
  if (!spec.GoferRoot()) {
    fs.root = vfs::NewTmpfs(0755, {0, 0});
    return fs;
  }
  const bool overlay = spec.overlay != "none";
  base::UniqueFd sock;
  if (spec.gofer_fd >= 0) {
    if (fcntl(spec.gofer_fd, F_GETFD) < 0) {
      return absl::InvalidArgumentError(absl::StrCat("gofer_fd ", spec.gofer_fd, " is not open"));
    }
    sock.reset(spec.gofer_fd);
    (void)fcntl(sock.get(), F_SETFD, FD_CLOEXEC);
  } else {
    auto g = GoferProcess::Spawn(gofer_binary, spec.root_path, overlay || spec.root_readonly);
    if (!g.ok()) return g.status();
    fs.gofer = std::move(*g);
    sock = fs.gofer->TakeSocket();
  }
  auto client = fs9p::Client::Connect(std::move(sock), {.fd_donation = true});
  if (!client.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot talk to the gofer (", gofer_binary,
                                               "): ", client.status().message()));
  }
  auto root = vfs::NewGoferfs(std::shared_ptr<fs9p::Client>(std::move(*client)));
  if (!root.ok()) {
    return absl::UnavailableError(
        absl::StrCat("gofer attach: ", std::strerror(root.error().value())));
  }
  fs.root = overlay ? vfs::NewMemoryOverlay(*root) : *root;
  if (spec.root_readonly) fs.mount_flags |= MS_RDONLY;
  return fs;
}

}  // namespace sentry::boot
