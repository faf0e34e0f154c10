// strace.h: the Sentry's syscall tracer (runsc --strace).
//
// One line per syscall, in strace(1)'s format, written when the call
// returns:
//   [   7] openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3 <0.000012>
// Arguments are decoded from the compat registry's formats (compat/
// arg_format.h): input structures and strings are read from app memory on
// entry, output structures on exit; buffers are quoted and cut at
// `log_size` bytes. Errors print as "= -1 ENOENT (No such file or
// directory)". A call that does not return (exit_group) prints "= ?".
// Thread-safe: each line is written with one write to the sink.
#ifndef SENTRY_STRACE_STRACE_H_
#define SENTRY_STRACE_STRACE_H_

#include <cstdint>
#include <cstdio>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sentry/kernel/task.h"

namespace sentry::strace {

struct Options {
  // Syscall names to trace; empty: all.
  std::set<std::string> only;
  // Bytes of a buffer shown before "...".
  size_t log_size = 32;
};

class Tracer {
 public:
  // Writes to `fd` (not owned).
  Tracer(Options options, int fd);

  // Parses "openat,read,write" into Options::only: InvalidArgument naming
  // an unknown syscall.
  static absl::StatusOr<std::set<std::string>> ParseSyscallList(const std::string& list);

  // Whether syscall `nr` is traced.
  bool Traced(uint64_t nr) const;

  // The part of the line known at entry ("openat(AT_FDCWD, \"/x\", " ...):
  // arguments decoded on entry; output arguments are left as markers that
  // Exit fills.
  struct Pending {
    uint64_t nr = 0;
    std::string args[6];
    bool done[6] = {};  // decoded at entry
  };
  Pending Enter(kernel::Task& t, const kernel::SyscallArguments& a) const;
  // Completes and writes the line.
  void Exit(kernel::Task& t, const kernel::SyscallArguments& a, Pending& p, int64_t ret,
            absl::Duration took) const;

  // The whole line for a call that already returned (tests; Enter + Exit).
  std::string Format(kernel::Task& t, const kernel::SyscallArguments& a, int64_t ret,
                     absl::Duration took) const;

 private:
  std::string Line(kernel::Task& t, const kernel::SyscallArguments& a, Pending& p, int64_t ret,
                   absl::Duration took) const;

  Options options_;
  int fd_;
};

}  // namespace sentry::strace

#endif  // SENTRY_STRACE_STRACE_H_
