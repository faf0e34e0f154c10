#include "sentry/boot/mounts.h"

#include <sys/mount.h>

#include "absl/strings/str_cat.h"
#include "sentry/fsimpl/filesystems.h"

namespace sentry::boot {
namespace {

// The directory `name` under `dir`, made if missing.
absl::StatusOr<std::shared_ptr<vfs::Dentry>> Dir(const std::shared_ptr<vfs::Dentry>& dir,
                                                 const std::string& name) {
  auto child = dir->Child(name);
  if (!child.ok()) {
    auto made = dir->inode().Mkdir(name, 0755, {0, 0});
    if (!made.ok()) {
      return absl::InternalError(absl::StrCat("mkdir /", name, ": errno ", made.error().value()));
    }
    return dir->Added(name, std::move(*made));
  }
  if (!(*child)->inode().IsDir()) return absl::InternalError(absl::StrCat(name, ": not a directory"));
  return *child;
}

absl::Status MountAt(kernel::Kernel& k, const std::shared_ptr<vfs::Mount>& parent,
                     const std::shared_ptr<vfs::Dentry>& at, const std::string& type,
                     const std::string& source, uint32_t flags, const std::string& data = "") {
  auto fs = fsimpl::NewFilesystem(k, type, data);
  if (!fs.ok()) return absl::InternalError(absl::StrCat(type, ": errno ", fs.error().value()));
  auto m = parent->AddChild(at, vfs::Dentry::NewRoot(std::move(*fs)), flags);
  m->SetDescription(type, source);
  return absl::OkStatus();
}

}  // namespace

absl::Status MountStandardFilesystems(kernel::Kernel& k, vfs::MountNamespace& ns) {
  const auto& root = ns.root_mount();
  auto dev = Dir(ns.root_dentry(), "dev");
  if (!dev.ok()) return dev.status();
  auto proc = Dir(ns.root_dentry(), "proc");
  if (!proc.ok()) return proc.status();
  auto sys = Dir(ns.root_dentry(), "sys");
  if (!sys.ok()) return sys.status();

  auto dev_fs = fsimpl::NewFilesystem(k, "devtmpfs", "");
  if (!dev_fs.ok()) return absl::InternalError("devtmpfs");
  auto dev_mount = root->AddChild(*dev, vfs::Dentry::NewRoot(std::move(*dev_fs)), MS_NOSUID);
  dev_mount->SetDescription("devtmpfs", "none");
  auto shm = dev_mount->root()->Child("shm");
  if (!shm.ok()) return absl::InternalError("devfs without shm");
  if (auto s = MountAt(k, dev_mount, *shm, "tmpfs", "shm", MS_NOSUID | MS_NODEV, "mode=1777");
      !s.ok()) {
    return s;
  }
  if (auto s = MountAt(k, root, *proc, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC); !s.ok()) {
    return s;
  }
  return MountAt(k, root, *sys, "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
}

}  // namespace sentry::boot
