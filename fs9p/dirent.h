// Directory entries inside an Rreaddir payload:
// qid[13] offset[8] type[1] name[s], repeated.
#ifndef FS9P_DIRENT_H_
#define FS9P_DIRENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "fs9p/messages.h"

namespace fs9p {

struct Dirent {
  Qid qid;
  uint64_t offset = 0;  // where to continue reading after this entry
  uint8_t type = 0;     // DT_* value
  std::string name;
  bool operator==(const Dirent&) const = default;
  template <class V> void Visit(V& v) { v(qid); v(offset); v(type); v(name); }
};

// Encoded size of `d`.
size_t DirentSize(const Dirent& d);

// Appends `d` to `out` if the result stays within `limit` bytes; returns
// whether it did.
bool AppendDirent(const Dirent& d, size_t limit, std::string& out);

// Parses a whole Rreaddir payload.
absl::StatusOr<std::vector<Dirent>> ParseDirents(std::string_view data);

}  // namespace fs9p

#endif  // FS9P_DIRENT_H_
