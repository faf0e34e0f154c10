// gofer_process.h: the gofer the Sentry starts for its root file system
// when the caller did not hand it a connection to one.
//
// The child runs `gofer --root DIR [--ro] --fd 3` over one end of a
// socketpair (stdin/stdout on /dev/null, stderr shared with the Sentry, no
// other FD of the Sentry's),
// dies with the Sentry (PR_SET_PDEATHSIG), and is killed and reaped when
// the GoferProcess goes away. Without root privileges the gofer cannot
// confine itself (mount namespace, pivot_root): it then runs with
// --no-confine and a warning is logged; it still resolves every path
// beneath the root.
#ifndef SENTRY_BOOT_GOFER_PROCESS_H_
#define SENTRY_BOOT_GOFER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/unique_fd.h"

namespace sentry::boot {

class GoferProcess {
 public:
  // Starts `binary` serving `root` (read-only if `read_only`).
  static absl::StatusOr<std::unique_ptr<GoferProcess>> Spawn(const std::string& binary,
                                                            const std::string& root,
                                                            bool read_only);
  ~GoferProcess() { Stop(); }
  GoferProcess(const GoferProcess&) = delete;
  GoferProcess& operator=(const GoferProcess&) = delete;

  // The Sentry's end of the connection (once).
  base::UniqueFd TakeSocket() { return std::move(sock_); }
  pid_t pid() const { return pid_; }
  // Kills and reaps the gofer (idempotent).
  void Stop();

 private:
  GoferProcess(pid_t pid, base::UniqueFd sock) : pid_(pid), sock_(std::move(sock)) {}
  pid_t pid_;
  base::UniqueFd sock_;
};

// The gofer binary for a Sentry at `sentry_exe` (its /proc/self/exe):
// <dir>/../../gofer/gofer when that exists (the build tree's layout), else
// the first `gofer` on PATH, else "gofer".
std::string DefaultGoferBinary(const std::string& sentry_exe);

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_GOFER_PROCESS_H_
