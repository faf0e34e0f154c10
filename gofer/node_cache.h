// NodeCache: one Node per (directory node, name), so that a rename moves
// the very node every fid on that file holds.
//
// Contract: Walk() always resolves the name afresh (walk.h) and reuses the
// cached node only if it is still the same file (dev/ino); otherwise the
// new node replaces it. Renamed()/Removed() are called after a successful
// renameat/unlinkat and update the cached node's location, so a fid whose
// file was renamed by name (Trenameat) still reopens it. Entries hold weak
// pointers; a live child keeps its parent alive, so a key's directory
// pointer is never reused while its entry can still be locked. Thread-safe.
#ifndef GOFER_NODE_CACHE_H_
#define GOFER_NODE_CACHE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gofer/node.h"

namespace gofer {

class NodeCache {
 public:
  // As WalkOne (walk.h), with node reuse. ".." is the parent, never cached.
  absl::StatusOr<std::shared_ptr<Node>> Walk(const std::shared_ptr<Node>& dir,
                                             absl::string_view name, bool force_ro);
  // `olddir`/`oldname` was renamed to `newdir`/`newname`.
  void Renamed(const std::shared_ptr<Node>& olddir, const std::string& oldname,
               const std::shared_ptr<Node>& newdir, const std::string& newname);
  // `dir`/`name` was unlinked.
  void Removed(const std::shared_ptr<Node>& dir, const std::string& name);
  void Clear();

 private:
  using Key = std::pair<const Node*, std::string>;
  // Drops expired entries once the map has doubled since the last sweep.
  void MaybeSweep() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<Key, std::weak_ptr<Node>> nodes_ ABSL_GUARDED_BY(mu_);
  size_t sweep_at_ ABSL_GUARDED_BY(mu_) = 1024;
};

}  // namespace gofer

#endif  // GOFER_NODE_CACHE_H_
