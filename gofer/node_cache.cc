#include "gofer/node_cache.h"

#include <algorithm>

#include "gofer/walk.h"

namespace gofer {

absl::StatusOr<std::shared_ptr<Node>> NodeCache::Walk(const std::shared_ptr<Node>& dir,
                                                      absl::string_view name, bool force_ro) {
  absl::StatusOr<std::shared_ptr<Node>> fresh = WalkOne(dir, name, force_ro);
  if (!fresh.ok() || name == "..") return fresh;
  Key key{dir.get(), std::string(name)};
  absl::MutexLock l(&mu_);
  auto it = nodes_.find(key);
  if (it != nodes_.end()) {
    std::shared_ptr<Node> cached = it->second.lock();
    if (cached && cached->dev() == (*fresh)->dev() && cached->ino() == (*fresh)->ino() &&
        cached->Location().first == dir) {
      return cached;
    }
    it->second = *fresh;
    return fresh;
  }
  nodes_.emplace(std::move(key), *fresh);
  MaybeSweep();
  return fresh;
}

void NodeCache::Renamed(const std::shared_ptr<Node>& olddir, const std::string& oldname,
                        const std::shared_ptr<Node>& newdir, const std::string& newname) {
  absl::MutexLock l(&mu_);
  Key old_key{olddir.get(), oldname}, new_key{newdir.get(), newname};
  std::shared_ptr<Node> moved;
  if (auto it = nodes_.find(old_key); it != nodes_.end()) {
    moved = it->second.lock();
    nodes_.erase(it);
  }
  nodes_.erase(new_key);  // whatever was there is gone (or was the same file)
  if (!moved) return;
  moved->SetLocation(newdir, newname);
  nodes_.emplace(std::move(new_key), moved);
}

void NodeCache::Removed(const std::shared_ptr<Node>& dir, const std::string& name) {
  absl::MutexLock l(&mu_);
  nodes_.erase(Key{dir.get(), name});
}

void NodeCache::Clear() {
  absl::MutexLock l(&mu_);
  nodes_.clear();
  sweep_at_ = 1024;
}

void NodeCache::MaybeSweep() {
  if (nodes_.size() < sweep_at_) return;
  absl::erase_if(nodes_, [](const auto& kv) { return kv.second.expired(); });
  sweep_at_ = std::max<size_t>(1024, nodes_.size() * 2);
}

}  // namespace gofer
