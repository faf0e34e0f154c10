// The fids of one 9P session and the state each carries.
//
// Contract: FidTable maps fid numbers to shared Fid objects; it is safe to
// use from many threads. A handler takes a Fid's `mu` for as long as it
// reads or changes that fid's state, and holds at most one Fid's mu at a
// time (two-fid operations copy what they need out of each in turn), so
// there is no lock order between fids. The table's own lock is never held
// while a Fid's mu is.
#ifndef GOFER_FID_TABLE_H_
#define GOFER_FID_TABLE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "base/unique_fd.h"
#include "gofer/node.h"

namespace gofer {

struct Fid {
  enum class Kind {
    kPath,        // walked to; not open
    kOpen,        // after Tlopen/Tlcreate: `file` is the open host fd
    kXattrRead,   // after Txattrwalk: Tread reads `xattr_value`
    kXattrWrite,  // after Txattrcreate: Twrite fills `xattr_value`, Tclunk sets it
  };
  absl::Mutex mu;
  Kind kind ABSL_GUARDED_BY(mu) = Kind::kPath;
  std::shared_ptr<Node> node ABSL_GUARDED_BY(mu);
  uint32_t uid ABSL_GUARDED_BY(mu) = 0;  // the attach's n_uname (kNoUid: none)
  base::UniqueFd file ABSL_GUARDED_BY(mu);
  int open_flags ABSL_GUARDED_BY(mu) = 0;
  std::string xattr_name ABSL_GUARDED_BY(mu);
  std::string xattr_value ABSL_GUARDED_BY(mu);
  uint32_t xattr_flags ABSL_GUARDED_BY(mu) = 0;
};

class FidTable {
 public:
  // The fid, or null if `id` is not in use.
  std::shared_ptr<Fid> Get(uint32_t id) const;
  // Adds `fid` as `id`; false if `id` is in use.
  bool Insert(uint32_t id, std::shared_ptr<Fid> fid);
  // Puts `fid` as `id` only if `id` still maps to `expected`; false if not.
  bool Replace(uint32_t id, const std::shared_ptr<Fid>& expected, std::shared_ptr<Fid> fid);
  // Removes and returns `id`; null if it was not in use.
  std::shared_ptr<Fid> Remove(uint32_t id);
  void Clear();

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint32_t, std::shared_ptr<Fid>> fids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gofer

#endif  // GOFER_FID_TABLE_H_
