#include "sentry/vfs/mount.h"

#include "absl/synchronization/mutex.h"

namespace sentry::vfs {
namespace {

absl::Mutex& MountMu() {
  static absl::Mutex* mu = new absl::Mutex;
  return *mu;
}

}  // namespace

std::shared_ptr<Mount> Mount::MountedAt(const Dentry& d) const {
  if (d.mount_count.load(std::memory_order_acquire) == 0) return nullptr;
  absl::MutexLock l(&MountMu());
  auto [b, e] = children_.equal_range(&d);
  if (b == e) return nullptr;
  return std::prev(e)->second;
}

std::shared_ptr<Mount> Mount::AddChild(const std::shared_ptr<Dentry>& d,
                                       std::shared_ptr<Dentry> fs_root, uint32_t flags) {
  auto m = std::make_shared<Mount>(std::move(fs_root), shared_from_this(), d, flags);
  absl::MutexLock l(&MountMu());
  children_.emplace(d.get(), m);
  d->mount_count.fetch_add(1, std::memory_order_release);
  return m;
}

MountNamespace::MountNamespace(std::shared_ptr<Inode> root, uint32_t flags)
    : root_(std::make_shared<Mount>(Dentry::NewRoot(std::move(root)), nullptr, nullptr, flags)) {}

}  // namespace sentry::vfs
