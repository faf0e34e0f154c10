// FileServer: the gofer's 9P2000.L file operations over the host tree
// beneath one root directory (an fs9p::Handler; fs9p::Server does framing,
// version and flush around it).
//
// Contract:
// - Every file is reached from the root one component at a time (walk.h);
//   symlinks are never followed, `..` never leaves the root.
// - Write-like requests on a read-only node (Options::read_only, or a mount
//   flagged ST_RDONLY) get EROFS. Device nodes are never opened (EPERM) and
//   never created (Tmknod makes regular files, FIFOs and sockets only).
// - Files created for an attach whose n_uname differs from the gofer's euid
//   (or with a gid other than its egid) are chowned to that uid/gid.
// - Unknown fids, and fids used in a way their state does not allow, get
//   EBADF; a fid number already in use as a new fid gets EIO (as diod does).
// - Handle() is safe to call from many threads at once, also for one fid.
//
// Lock order: Fid::mu (at most one) -> NodeCache::mu_ -> Node::mu_.
// FidTable::mu_ and QidMap::mu_ are leaves (nothing is taken under them).
#ifndef GOFER_FILE_SERVER_H_
#define GOFER_FILE_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fs9p/server.h"
#include "gofer/fid_table.h"
#include "gofer/node.h"
#include "gofer/node_cache.h"
#include "gofer/qid_map.h"

namespace gofer {

class FileServer : public fs9p::Handler {
 public:
  struct Options {
    // Treat the whole tree as read-only (for a root not remounted read-only).
    bool read_only = false;
  };

  // Serves the directory at `root_path` (resolved once, now).
  static absl::StatusOr<std::unique_ptr<FileServer>> Create(const std::string& root_path,
                                                            Options options);

  Reply Handle(const fs9p::Message& req, const fs9p::Session& session) override;
  void Reset() override;

 private:
  using Result = absl::StatusOr<Reply>;
  FileServer(std::shared_ptr<Node> root, Options options);

  // One per request type (file_server.cc, ops_*.cc). Requests a server
  // never sees (R-messages, Tversion, Tflush) get EINVAL.
  template <class M>
  Result Do(const M&, const fs9p::Session&);
  Result Do(const fs9p::Tattach& m, const fs9p::Session& s);
  Result Do(const fs9p::Tauth& m, const fs9p::Session& s);
  Result Do(const fs9p::Twalk& m, const fs9p::Session& s);
  Result Do(const fs9p::Tclunk& m, const fs9p::Session& s);
  Result Do(const fs9p::Tremove& m, const fs9p::Session& s);
  // ops_io.cc
  Result Do(const fs9p::Tlopen& m, const fs9p::Session& s);
  Result Do(const fs9p::Tlcreate& m, const fs9p::Session& s);
  Result Do(const fs9p::Tread& m, const fs9p::Session& s);
  Result Do(const fs9p::Twrite& m, const fs9p::Session& s);
  Result Do(const fs9p::Treaddir& m, const fs9p::Session& s);
  Result Do(const fs9p::Tfsync& m, const fs9p::Session& s);
  Result Do(const fs9p::Tlock& m, const fs9p::Session& s);
  Result Do(const fs9p::Tgetlock& m, const fs9p::Session& s);
  // ops_attr.cc
  Result Do(const fs9p::Tgetattr& m, const fs9p::Session& s);
  Result Do(const fs9p::Tsetattr& m, const fs9p::Session& s);
  Result Do(const fs9p::Tstatfs& m, const fs9p::Session& s);
  Result Do(const fs9p::Txattrwalk& m, const fs9p::Session& s);
  Result Do(const fs9p::Txattrcreate& m, const fs9p::Session& s);
  // ops_namespace.cc
  Result Do(const fs9p::Tmkdir& m, const fs9p::Session& s);
  Result Do(const fs9p::Tsymlink& m, const fs9p::Session& s);
  Result Do(const fs9p::Tmknod& m, const fs9p::Session& s);
  Result Do(const fs9p::Tlink& m, const fs9p::Session& s);
  Result Do(const fs9p::Trename& m, const fs9p::Session& s);
  Result Do(const fs9p::Trenameat& m, const fs9p::Session& s);
  Result Do(const fs9p::Tunlinkat& m, const fs9p::Session& s);
  Result Do(const fs9p::Treadlink& m, const fs9p::Session& s);

  // The fid, or EBADF.
  absl::StatusOr<std::shared_ptr<Fid>> GetFid(uint32_t id) const;
  struct PathRef {
    std::shared_ptr<Node> node;
    uint32_t uid = 0;
  };
  // The node of a path or open fid (not an xattr fid), or EBADF.
  absl::StatusOr<PathRef> GetPath(uint32_t id) const;
  // As GetPath, also EROFS if read-only and ENOTDIR unless a directory.
  absl::StatusOr<PathRef> GetWritableDir(uint32_t id) const;
  fs9p::Qid QidOf(const Node& n) { return qids_.Qid(n.dev(), n.ino(), n.type()); }
  // Walks `name` in `dir` (through the node cache).
  absl::StatusOr<std::shared_ptr<Node>> Child(const std::shared_ptr<Node>& dir,
                                              absl::string_view name);
  // Chowns a created node to the attach's uid and `gid` where they differ
  // from the gofer's own.
  absl::Status ChownCreated(const Node& n, uint32_t uid, uint32_t gid) const;
  // Sets the value an xattr-write fid collected (on Tclunk).
  absl::Status CommitXattr(Fid& f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f.mu);

  const std::shared_ptr<Node> root_;
  const Options options_;
  FidTable fids_;
  NodeCache nodes_;
  QidMap qids_;
};

}  // namespace gofer

#endif  // GOFER_FILE_SERVER_H_
