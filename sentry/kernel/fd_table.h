// fd_table.h: an app's file descriptor table: small ints -> shared Files,
// each with its close-on-exec flag. Shared between tasks by CLONE_FILES,
// copied by fork. Thread-safe.
#ifndef SENTRY_KERNEL_FD_TABLE_H_
#define SENTRY_KERNEL_FD_TABLE_H_

#include <map>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "sentry/errno.h"
#include "sentry/kernel/file.h"

namespace sentry::kernel {

class FdTable {
 public:
  FdTable() = default;
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;

  // A copy with the same Files (fork without CLONE_FILES).
  std::shared_ptr<FdTable> Clone() const;

  // Installs `file` at `fd`, replacing (and dropping) what was there.
  void Set(int fd, std::shared_ptr<File> file, bool cloexec = false);
  // Installs `file` at the lowest free fd >= min_fd below `limit`
  // (RLIMIT_NOFILE): the fd, or EMFILE.
  ErrnoOr<int> Install(std::shared_ptr<File> file, bool cloexec, int min_fd, int limit);
  // The File at fd, or null (EBADF for the caller).
  std::shared_ptr<File> Get(int fd) const;
  // close(2): EBADF if fd is not open. The File is dropped after the lock is
  // released (its destructor may wake others).
  ErrnoResult Close(int fd);
  // F_GETFD / F_SETFD.
  ErrnoOr<bool> GetCloexec(int fd) const;
  ErrnoResult SetCloexec(int fd, bool cloexec);
  // execve: closes every close-on-exec descriptor.
  void CloseOnExec();
  // Drops every descriptor (exit of the last user).
  void Clear();
  // Open descriptors in increasing order (/proc/pid/fd, tests).
  std::vector<int> Fds() const;

 private:
  struct Entry {
    std::shared_ptr<File> file;
    bool cloexec = false;
  };
  mutable absl::Mutex mu_;
  std::map<int, Entry> fds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_FD_TABLE_H_
