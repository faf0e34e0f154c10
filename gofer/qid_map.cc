#include "gofer/qid_map.h"

#include <sys/stat.h>

namespace gofer {

uint8_t QidType(mode_t mode) {
  if (S_ISDIR(mode)) return fs9p::kQidDir;
  if (S_ISLNK(mode)) return fs9p::kQidSymlink;
  return fs9p::kQidFile;
}

fs9p::Qid QidMap::Qid(dev_t dev, ino_t ino, mode_t mode) {
  uint64_t index;
  {
    absl::MutexLock l(&mu_);
    auto [it, inserted] = dev_index_.emplace(dev, dev_index_.size());
    index = it->second;
  }
  constexpr uint64_t kInoMask = (uint64_t{1} << 48) - 1;
  return fs9p::Qid{QidType(mode), 0, (index << 48) | (static_cast<uint64_t>(ino) & kInoMask)};
}

}  // namespace gofer
