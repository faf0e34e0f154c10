#include "sentry/vfs/dentry.h"

#include "absl/synchronization/mutex.h"

namespace sentry::vfs {
namespace {

absl::Mutex& TreeMu() {
  static absl::Mutex* mu = new absl::Mutex;
  return *mu;
}

}  // namespace

std::shared_ptr<Dentry> Dentry::NewRoot(std::shared_ptr<Inode> root) {
  return std::make_shared<Dentry>(std::move(root), nullptr, "/");
}

Dentry::Dentry(std::shared_ptr<Inode> inode, std::shared_ptr<Dentry> parent, std::string name)
    : inode_(std::move(inode)), parent_(std::move(parent)), name_(std::move(name)) {}

std::string Dentry::name() const {
  absl::MutexLock l(&TreeMu());
  return name_;
}

std::shared_ptr<Dentry> Dentry::parent() const {
  absl::MutexLock l(&TreeMu());
  return parent_;
}

bool Dentry::dead() const {
  absl::MutexLock l(&TreeMu());
  return dead_;
}

ErrnoOr<std::shared_ptr<Dentry>> Dentry::Child(const std::string& name) {
  auto inode = inode_->Lookup(name);
  if (!inode.ok()) {
    if (inode.error().value() == ENOENT) Removed(name);
    return inode.error();
  }
  return Added(name, std::move(*inode));
}

std::shared_ptr<Dentry> Dentry::Added(const std::string& name, std::shared_ptr<Inode> inode) {
  absl::MutexLock l(&TreeMu());
  auto it = children_.find(name);
  if (it != children_.end()) {
    if (auto d = it->second.lock(); d && d->inode_ == inode && !d->dead_) return d;
    if (auto d = it->second.lock()) d->dead_ = true;  // replaced behind our back
  }
  auto d = std::make_shared<Dentry>(std::move(inode), shared_from_this(), name);
  children_[name] = d;
  return d;
}

void Dentry::Removed(const std::string& name) {
  absl::MutexLock l(&TreeMu());
  auto it = children_.find(name);
  if (it == children_.end()) return;
  if (auto d = it->second.lock()) d->dead_ = true;
  children_.erase(it);
}

void Dentry::Renamed(const std::string& old_name, Dentry& new_parent, const std::string& new_name,
                     bool exchange) {
  absl::MutexLock l(&TreeMu());
  std::shared_ptr<Dentry> src, dst;
  if (auto it = children_.find(old_name); it != children_.end()) {
    src = it->second.lock();
    children_.erase(it);
  }
  if (auto it = new_parent.children_.find(new_name); it != new_parent.children_.end()) {
    dst = it->second.lock();
    new_parent.children_.erase(it);
  }
  if (src) {
    src->parent_ = new_parent.shared_from_this();
    src->name_ = new_name;
    new_parent.children_[new_name] = src;
  }
  if (dst) {
    if (exchange) {
      dst->parent_ = shared_from_this();
      dst->name_ = old_name;
      children_[old_name] = dst;
    } else {
      dst->dead_ = true;
    }
  }
}

}  // namespace sentry::vfs
