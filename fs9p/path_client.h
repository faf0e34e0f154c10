// Path-level file operations over a 9P session, for tools and tests.
//
// Paths are relative to the attached root and split on '/'; each call
// walks from the root, does its work and clunks every fid it took, so no
// call leaks fids even when it fails. Failures carry the server's errno.
#ifndef FS9P_PATH_CLIENT_H_
#define FS9P_PATH_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fs9p/client.h"
#include "fs9p/dirent.h"

namespace fs9p {

class PathClient {
 public:
  // Attaches `aname` as user `uid`; the session's root fid is held until
  // destruction.
  static absl::StatusOr<PathClient> Attach(Client& client, absl::string_view aname, uint32_t uid = 0);
  PathClient(PathClient&& o) noexcept;
  PathClient& operator=(PathClient&&) = delete;
  ~PathClient();

  Client& client() { return *client_; }
  uint32_t root_fid() const { return root_; }

  // A new fid for `path` (which may be "" for the root). Caller clunks it.
  absl::StatusOr<uint32_t> Walk(absl::string_view path);
  absl::Status Clunk(uint32_t fid);

  absl::StatusOr<Rgetattr> Getattr(absl::string_view path, uint64_t mask = kGetattrAll);
  absl::Status Setattr(absl::string_view path, const Tsetattr& attrs);  // attrs.fid is ignored
  absl::StatusOr<Rstatfs> Statfs(absl::string_view path);

  // Whole-file read and write, in iounit-sized pieces.
  absl::StatusOr<std::string> ReadFile(absl::string_view path);
  // Creates `path` (O_CREAT|O_TRUNC semantics through Tlcreate, or Tlopen
  // with O_TRUNC when it exists) and writes `data`.
  absl::Status WriteFile(absl::string_view path, absl::string_view data, uint32_t mode = 0644);

  // Every entry of a directory, through as many Treaddir calls as it takes.
  absl::StatusOr<std::vector<Dirent>> ReadDir(absl::string_view path, uint32_t count = 0);

  absl::StatusOr<Qid> Mkdir(absl::string_view path, uint32_t mode = 0755);
  absl::StatusOr<Qid> Symlink(absl::string_view path, absl::string_view target);
  absl::StatusOr<std::string> Readlink(absl::string_view path);
  absl::Status Link(absl::string_view existing, absl::string_view path);
  absl::Status Unlink(absl::string_view path, uint32_t flags = 0);
  absl::Status Rename(absl::string_view from, absl::string_view to);
  absl::Status Fsync(absl::string_view path);

  absl::StatusOr<std::string> GetXattr(absl::string_view path, absl::string_view name);
  // Names NUL-separated, as listxattr(2) returns them.
  absl::StatusOr<std::string> ListXattr(absl::string_view path);
  absl::Status SetXattr(absl::string_view path, absl::string_view name, absl::string_view value,
                        uint32_t flags = 0);

 private:
  PathClient(Client& client, uint32_t root) : client_(&client), root_(root) {}
  // Walks to the parent of `path`; sets `name` to its last component.
  absl::StatusOr<uint32_t> WalkParent(absl::string_view path, std::string& name);
  absl::StatusOr<std::string> ReadAll(uint32_t fid);

  Client* client_;
  uint32_t root_;
};

}  // namespace fs9p

#endif  // FS9P_PATH_CLIENT_H_
