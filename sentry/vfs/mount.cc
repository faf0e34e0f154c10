#include "sentry/vfs/mount.h"

#include <algorithm>

#include "absl/synchronization/mutex.h"

namespace sentry::vfs {
namespace {

absl::Mutex& MountMu() {
  static absl::Mutex* mu = new absl::Mutex;
  return *mu;
}

}  // namespace

int Mount::NextId() {
  static std::atomic<int> next{1};
  return next.fetch_add(1);
}

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
  order_.push_back(m.get());
  d->mount_count.fetch_add(1, std::memory_order_release);
  return m;
}

std::vector<std::shared_ptr<Mount>> Mount::Children() const {
  absl::MutexLock l(&MountMu());
  std::vector<std::shared_ptr<Mount>> out;
  for (Mount* m : order_) {
    for (const auto& [d, child] : children_) {
      if (child.get() == m) out.push_back(child);
    }
  }
  return out;
}

bool Mount::RemoveChild(const std::shared_ptr<Mount>& m) {
  absl::MutexLock l(&MountMu());
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->second != m) continue;
    m->mountpoint()->mount_count.fetch_sub(1, std::memory_order_release);
    children_.erase(it);
    order_.erase(std::find(order_.begin(), order_.end(), m.get()));
    return true;
  }
  return false;
}

void Mount::SetDescription(std::string fstype, std::string source) {
  absl::MutexLock l(&MountMu());
  fstype_ = std::move(fstype);
  source_ = std::move(source);
}

std::string Mount::fstype() const {
  absl::MutexLock l(&MountMu());
  return fstype_;
}

std::string Mount::source() const {
  absl::MutexLock l(&MountMu());
  return source_;
}

MountNamespace::MountNamespace(std::shared_ptr<Inode> root, uint32_t flags)
    : root_(std::make_shared<Mount>(Dentry::NewRoot(std::move(root)), nullptr, nullptr, flags)) {}

}  // namespace sentry::vfs
