// Qids for host files.
//
// Contract: the qid path is unique per (st_dev, st_ino) for the life of the
// QidMap: each device seen gets a small index in the top 16 bits, the inode
// number fills the low 48 bits (an inode number of 2^48 or more on the same
// device could collide; no common filesystem hands those out). The type
// comes from the file type; the version is 0.
#ifndef GOFER_QID_MAP_H_
#define GOFER_QID_MAP_H_

#include <sys/types.h>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "fs9p/messages.h"

namespace gofer {

class QidMap {
 public:
  // `mode`: st_mode (only S_IFMT matters).
  fs9p::Qid Qid(dev_t dev, ino_t ino, mode_t mode);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<dev_t, uint64_t> dev_index_ ABSL_GUARDED_BY(mu_);
};

// The qid type for a file mode.
uint8_t QidType(mode_t mode);

}  // namespace gofer

#endif  // GOFER_QID_MAP_H_
