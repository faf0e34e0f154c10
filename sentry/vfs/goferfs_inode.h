// goferfs_inode.h: goferfs internals shared by goferfs.cc (namespace
// operations) and goferfs_file.cc (attributes and file I/O). See goferfs.h
// for the caching policy.
//
// Locking: an inode's mu_ is never held while taking another's, except by
// rename, which takes its two directories' in address order; handle_mu_
// before mu_; Session::recent_mu alone. No RPC is sent while a mu_ is held
// (handle_mu_ sections, which only serialize opening a handle, do).
#ifndef SENTRY_VFS_GOFERFS_INODE_H_
#define SENTRY_VFS_GOFERFS_INODE_H_

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"
#include "fs9p/client.h"
#include "sentry/vfs/goferfs.h"

namespace sentry::vfs::goferfs {

// The errno a failed 9P call carries (EIO when none).
Errno ToErrno(const absl::Status& s);

class GoferInode;

// One attached session.
struct Session {
  std::shared_ptr<fs9p::Client> client;
  GoferfsOptions opts;
  uint64_t dev = 0;

  // Directories remember their children weakly; the last cache_size inodes
  // looked up are also kept alive here, so that a path used again soon
  // costs no walk while a tree walk (find /) does not pin a fid per file.
  // The root inode empties it when it dies (the ring would otherwise keep
  // the session alive through its inodes).
  void KeepAlive(const std::shared_ptr<GoferInode>& i);
  void ForgetRecent();
  absl::Mutex recent_mu;
  std::deque<std::shared_ptr<GoferInode>> recent ABSL_GUARDED_BY(recent_mu);
  uint64_t recent_pushes ABSL_GUARDED_BY(recent_mu) = 0;

  template <class R>
  ErrnoOr<R> Rpc(fs9p::Message m) {
    absl::StatusOr<R> r = client->Rpc<R>(std::move(m));
    if (!r.ok()) return ToErrno(r.status());
    return std::move(*r);
  }
  // A new fid for `names` walked from `fid` (a clone when empty). A partial
  // walk is ENOENT.
  ErrnoOr<uint32_t> Walk(uint32_t fid, std::vector<std::string> names);
  void Clunk(uint32_t fid);
  // Tunlinkat, or for servers without it (diod) Twalk + Tremove.
  ErrnoResult UnlinkAt(uint32_t dir, const std::string& name, uint32_t flags);
  // Trenameat, or for servers without it Twalk + Trename.
  ErrnoResult RenameAt(uint32_t old_dir, const std::string& old_name, uint32_t new_dir,
                       const std::string& new_name);
};

// An opened fid (Tlopen/Tlcreate) and the host FD the gofer donated, if any.
struct Handle {
  Handle(std::shared_ptr<Session> s, uint32_t f, base::UniqueFd h)
      : session(std::move(s)), fid(f), host(std::move(h)) {}
  ~Handle() { session->Clunk(fid); }
  const std::shared_ptr<Session> session;
  const uint32_t fid;
  const base::UniqueFd host;
};

class GoferInode final : public Inode, public std::enable_shared_from_this<GoferInode> {
 public:
  // Takes ownership of the walked `fid` whose attributes are `attr`.
  GoferInode(std::shared_ptr<Session> s, uint32_t fid, const fs9p::Rgetattr& attr);
  ~GoferInode() override;

  InodeAttr Stat() override;
  ErrnoResult SetAttr(const SetAttrRequest& r) override;
  ErrnoResult PrepareOpen(uint32_t flags) override;

  ErrnoOr<std::shared_ptr<Inode>> Lookup(const std::string& name) override;
  ErrnoOr<std::vector<DirEntry>> ReadDir() override;
  ErrnoOr<std::shared_ptr<Inode>> Create(const std::string& name, uint32_t mode,
                                         const Owner& o) override;
  ErrnoOr<std::shared_ptr<Inode>> Mkdir(const std::string& name, uint32_t mode,
                                        const Owner& o) override;
  ErrnoOr<std::shared_ptr<Inode>> Mknod(const std::string& name, uint32_t mode, uint64_t rdev,
                                        const Owner& o) override;
  ErrnoOr<std::shared_ptr<Inode>> Symlink(const std::string& name, const std::string& target,
                                          const Owner& o) override;
  ErrnoResult Link(const std::string& name, const std::shared_ptr<Inode>& target) override;
  ErrnoResult Unlink(const std::string& name) override;
  ErrnoResult Rmdir(const std::string& name) override;
  ErrnoResult Rename(const std::string& old_name, Inode& new_dir, const std::string& new_name,
                     uint32_t flags) override;
  ErrnoOr<std::string> ReadLink() override;
  ErrnoOr<size_t> ReadAt(void* buf, size_t len, int64_t off) override;
  ErrnoOr<size_t> WriteAt(const void* buf, size_t len, int64_t off) override;

  // Re-reads the attributes from the gofer.
  ErrnoResult Refresh();
  // Whether `g` describes this inode's file: same qid path and type, and
  // the same birth time when the gofer reports one (a host inode number
  // can be reused by a new file once the old one is gone).
  bool SameFile(const fs9p::Rgetattr& g);
  // Re-walks this file's name from its directory: ESTALE (and the name
  // forgotten, so that the next lookup walks it) if the name now means
  // another file or nothing; else refreshes the attributes.
  ErrnoResult Revalidate();

  // Session::KeepAlive's bookkeeping: when this inode last entered the ring.
  static constexpr uint64_t kNotRecent = ~uint64_t{0};
  std::atomic<uint64_t> recent_stamp{kNotRecent};
  // The filesystem root (empties the session's ring when it dies).
  bool is_root = false;

 private:
  uint32_t mode() {
    absl::MutexLock l(&mu_);
    return attr_.mode;
  }
  void SetAttrFrom(const fs9p::Rgetattr& g) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The handle for reading or writing, opened on first use.
  ErrnoOr<std::shared_ptr<Handle>> GetHandle(bool write);
  // Walks `name` afresh (Twalk + Tgetattr) and caches the result.
  ErrnoOr<std::shared_ptr<GoferInode>> WalkChild(const std::string& name);
  // After creating `name`: its inode, chowned to `o` when the gofer gave
  // another owner (best effort), cached.
  ErrnoOr<std::shared_ptr<Inode>> Created(const std::string& name, const Owner& o,
                                          std::shared_ptr<Handle> write_handle = nullptr);
  // This directory changed (entries added or removed).
  void Touched();

  struct Entry {
    std::weak_ptr<GoferInode> inode;
    bool present = false;  // false: the name is absent
    absl::Time at;
  };
  // Records `name` -> `i` (null: absent), now. Returns the inode the entry
  // named before, if it is alive (to be released after mu_).
  std::shared_ptr<GoferInode> SetEntry(const std::string& name, std::shared_ptr<GoferInode> i)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<Session> s_;
  const uint32_t fid_;
  const uint64_t qid_path_;
  const bool has_btime_;
  const uint64_t btime_sec_, btime_nsec_;
  absl::Mutex mu_;
  InodeAttr attr_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry> children_ ABSL_GUARDED_BY(mu_);
  std::optional<std::string> link_target_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Handle> read_ ABSL_GUARDED_BY(mu_), write_ ABSL_GUARDED_BY(mu_);
  // Where this file was last looked up (for Revalidate).
  std::weak_ptr<GoferInode> parent_ ABSL_GUARDED_BY(mu_);
  std::string name_ ABSL_GUARDED_BY(mu_);
  absl::Mutex handle_mu_;  // serializes opening handles; before mu_
};

}  // namespace sentry::vfs::goferfs

#endif  // SENTRY_VFS_GOFERFS_INODE_H_
