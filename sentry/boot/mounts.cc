#include "sentry/boot/mounts.h"

#include <sys/mount.h>

#include "absl/strings/str_cat.h"
#include "sentry/fs/filesystems.h"
#include "spdlog/spdlog.h"

namespace sentry::boot {
namespace {

// The directory `name` under `dir`, made if missing and `create`.
absl::StatusOr<std::shared_ptr<vfs::Dentry>> Dir(const std::shared_ptr<vfs::Dentry>& dir,
                                                 const std::string& name, bool create) {
  auto child = dir->Child(name);
  if (!child.ok() && !create) {
    return absl::FailedPreconditionError(absl::StrCat("the root has no /", name));
  }
  if (!child.ok()) {
    auto made = dir->inode().Mkdir(name, 0755, {0, 0});
    if (!made.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot make /", name, ": errno ", made.error().value()));
    }
    return dir->Added(name, std::move(*made));
  }
  if (!(*child)->inode().IsDir()) {
    return absl::FailedPreconditionError(absl::StrCat("/", name, " is not a directory"));
  }
  return *child;
}

// Mounts a new `type` filesystem on `at` (a dentry of `parent`).
absl::StatusOr<std::shared_ptr<vfs::Mount>> MountAt(kernel::Kernel& k,
                                                    const std::shared_ptr<vfs::Mount>& parent,
                                                    const std::shared_ptr<vfs::Dentry>& at,
                                                    const std::string& type,
                                                    const std::string& source, uint32_t flags,
                                                    const std::string& data = "") {
  auto root_inode = fs::NewFilesystem(k, type, data);
  if (!root_inode.ok()) {
    return absl::InternalError(absl::StrCat(type, ": errno ", root_inode.error().value()));
  }
  auto m = parent->AddChild(at, vfs::Dentry::NewRoot(std::move(*root_inode)), flags);
  m->SetDescription(type, source);
  return m;
}

}  // namespace

absl::Status MountStandardFilesystems(kernel::Kernel& k, vfs::MountNamespace& ns,
                                      bool create_mountpoints) {
  const auto& root = ns.root_mount();
  struct Standard {
    const char* dir;
    const char* type;
    const char* source;
    uint32_t flags;
  };
  static constexpr Standard kStandard[] = {
      {"dev", "devtmpfs", "none", MS_NOSUID},
      {"proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC},
      {"sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY},
  };
  for (const Standard& s : kStandard) {
    auto at = Dir(ns.root_dentry(), s.dir, create_mountpoints);
    if (!at.ok()) {
      // A read-only root without the directory: the app goes without.
      spdlog::warn("not mounting {} on /{}: {}", s.type, s.dir, std::string(at.status().message()));
      continue;
    }
    auto m = MountAt(k, root, *at, s.type, s.source, s.flags);
    if (!m.ok()) return m.status();
    if (std::string(s.type) == "devtmpfs") {
      auto shm = (*m)->root()->Child("shm");
      if (!shm.ok()) return absl::InternalError("devfs has no shm directory");
      auto sm = MountAt(k, *m, *shm, "tmpfs", "shm", MS_NOSUID | MS_NODEV, "mode=1777");
      if (!sm.ok()) return sm.status();
    }
  }
  return absl::OkStatus();
}

}  // namespace sentry::boot
