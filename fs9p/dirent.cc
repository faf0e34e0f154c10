#include "fs9p/dirent.h"

#include "fs9p/wire.h"

namespace fs9p {

// qid[13] offset[8] type[1] and the name's length[2].
size_t DirentSize(const Dirent& d) { return 13 + 8 + 1 + 2 + d.name.size(); }

bool AppendDirent(const Dirent& d, size_t limit, std::string& out) {
  if (out.size() + DirentSize(d) > limit) return false;
  AppendFields(d, out);
  return true;
}

absl::StatusOr<std::vector<Dirent>> ParseDirents(std::string_view data) {
  std::vector<Dirent> out;
  size_t pos = 0;
  while (pos < data.size()) {
    Decoder dec(data.substr(pos));
    Dirent d;
    d.Visit(dec);
    if (!dec.ok()) return absl::InvalidArgumentError("malformed directory entry");
    pos += dec.position();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace fs9p
