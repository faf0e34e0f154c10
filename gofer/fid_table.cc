#include "gofer/fid_table.h"

#include <utility>

namespace gofer {

std::shared_ptr<Fid> FidTable::Get(uint32_t id) const {
  absl::MutexLock l(&mu_);
  auto it = fids_.find(id);
  return it == fids_.end() ? nullptr : it->second;
}

bool FidTable::Insert(uint32_t id, std::shared_ptr<Fid> fid) {
  absl::MutexLock l(&mu_);
  return fids_.emplace(id, std::move(fid)).second;
}

bool FidTable::Replace(uint32_t id, const std::shared_ptr<Fid>& expected, std::shared_ptr<Fid> fid) {
  absl::MutexLock l(&mu_);
  auto it = fids_.find(id);
  if (it == fids_.end() || it->second != expected) return false;
  it->second = std::move(fid);
  return true;
}

std::shared_ptr<Fid> FidTable::Remove(uint32_t id) {
  absl::MutexLock l(&mu_);
  auto it = fids_.find(id);
  if (it == fids_.end()) return nullptr;
  std::shared_ptr<Fid> f = std::move(it->second);
  fids_.erase(it);
  return f;
}

void FidTable::Clear() {
  absl::flat_hash_map<uint32_t, std::shared_ptr<Fid>> old;
  {
    absl::MutexLock l(&mu_);
    old.swap(fids_);
  }
  // Fids (and their host fds) go away here, outside the lock.
}

}  // namespace gofer
