// fd_table.h: an app's file descriptor table: small ints -> shared Files.
// Not thread-safe yet (one thread per process for now).
#ifndef SENTRY_KERNEL_FD_TABLE_H_
#define SENTRY_KERNEL_FD_TABLE_H_

#include <map>
#include <memory>

#include "sentry/errno.h"
#include "sentry/kernel/file.h"

namespace sentry::kernel {

class FdTable {
 public:
  // Installs `file` at `fd`, replacing what was there.
  void Set(int fd, std::shared_ptr<File> file) { fds_[fd] = std::move(file); }
  // The File at fd, or null (EBADF for the caller).
  std::shared_ptr<File> Get(int fd) const {
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : it->second;
  }
  // close(2): EBADF if fd is not open.
  ErrnoResult Close(int fd) {
    if (fds_.erase(fd) == 0) return Errno(EBADF);
    return {};
  }

 private:
  std::map<int, std::shared_ptr<File>> fds_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_FD_TABLE_H_
