// table.h: the Sentry's syscall table: number -> handler.
//
// A SyscallTable is sized compat::kSyscallTableSize. Numbers with no handler
// return the registry's errno (compat::SupportFor: ENOSYS for unimplemented
// calls, or the deliberate errno of a refused one) and are counted
// (UnimplementedCount). Each such number is logged once by name (every
// call with strace_unimplemented); a deliberately unsupported one
// (documented in the registry, e.g. rseq) says so.
// Thread-safe: handlers are registered at construction; counters are atomic.
#ifndef SENTRY_SYSCALLS_TABLE_H_
#define SENTRY_SYSCALLS_TABLE_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "compat/syscalls.h"
#include "sentry/kernel/task.h"
#include "sentry/profile/profiler.h"
#include "sentry/strace/strace.h"

namespace sentry::syscalls {

using kernel::SyscallArguments;
using kernel::SyscallReturn;
using kernel::Task;

using Handler = SyscallReturn (*)(Task&, const SyscallArguments&);

struct SyscallTableOptions {
  // Log every unimplemented call (not only the first per number).
  bool strace_unimplemented = false;
  // If set, every traced call is written as an strace line (not owned).
  const strace::Tracer* tracer = nullptr;
  // If set, every call is counted and timed (--profile-syscalls; not owned).
  profile::Profiler* profiler = nullptr;
};

class SyscallTable final : public kernel::SyscallDispatcher {
 public:
  // A table with every family's handlers registered.
  explicit SyscallTable(SyscallTableOptions options = {});

  SyscallReturn Dispatch(Task& t, const SyscallArguments& args) override;
  // Dispatch without tracing.
  SyscallReturn Call(Task& t, const SyscallArguments& args);

  void Register(int nr, Handler h) { handlers_[nr] = h; }
  bool Implemented(int nr) const {
    return nr >= 0 && nr < compat::kSyscallTableSize && handlers_[nr] != nullptr;
  }
  // How often the app called the unimplemented syscall `nr` (numbers out of
  // range count under kSyscallTableSize... not at all: they return ENOSYS).
  uint64_t UnimplementedCount(int nr) const {
    if (nr < 0 || nr >= compat::kSyscallTableSize) return 0;
    return unimplemented_[nr].load(std::memory_order_relaxed);
  }

 private:
  SyscallTableOptions options_;
  std::array<Handler, compat::kSyscallTableSize> handlers_{};
  std::array<std::atomic<uint64_t>, compat::kSyscallTableSize> unimplemented_{};
};

// Per-family registration (one file each).
void RegisterProcess(SyscallTable& t);
void RegisterMm(SyscallTable& t);
void RegisterFile(SyscallTable& t);
void RegisterTime(SyscallTable& t);
void RegisterRandom(SyscallTable& t);
void RegisterSignal(SyscallTable& t);
void RegisterClone(SyscallTable& t);
void RegisterFutex(SyscallTable& t);
void RegisterCreds(SyscallTable& t);
void RegisterFd(SyscallTable& t);
void RegisterTimer(SyscallTable& t);
void RegisterSched(SyscallTable& t);
void RegisterPath(SyscallTable& t);
void RegisterPoll(SyscallTable& t);
void RegisterEpoll(SyscallTable& t);
void RegisterEventfd(SyscallTable& t);
void RegisterTimerfd(SyscallTable& t);
void RegisterSignalfd(SyscallTable& t);
void RegisterMlock(SyscallTable& t);
void RegisterMount(SyscallTable& t);
void RegisterMemfd(SyscallTable& t);

}  // namespace sentry::syscalls

#endif  // SENTRY_SYSCALLS_TABLE_H_
