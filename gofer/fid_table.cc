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

void FidTable::Put(uint32_t id, std::shared_ptr<Fid> fid) {
  absl::MutexLock l(&mu_);
  fids_[id] = std::move(fid);
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
