// The gofer's seccomp allowlist.
//
// Contract: InstallSeccompPolicy() applies, to every thread of the calling
// process (TSYNC) and to threads created later, a filter whose default
// action kills the whole process (SCMP_ACT_KILL_PROCESS, seen as SIGSYS).
// Allowed: I/O on fds, the *at() file calls the FileServer makes, f*xattr,
// sendmsg/recvmsg/accept4/shutdown on the 9P socket, memory management,
// futex, thread creation (clone only with CLONE_THREAD; clone3 fails with
// ENOSYS so glibc falls back to clone), time, signals needed by glibc, and
// exit. Not allowed, among others: socket, connect, execve, ptrace,
// mount, open/stat by absolute path beyond openat, kill of other processes.
// It sets no_new_privs.
#ifndef GOFER_SECCOMP_POLICY_H_
#define GOFER_SECCOMP_POLICY_H_

#include "absl/status/status.h"

namespace gofer {

absl::Status InstallSeccompPolicy();

}  // namespace gofer

#endif  // GOFER_SECCOMP_POLICY_H_
