#include "sentry/syscalls/table.h"

#include <cerrno>

#include "base/fmt_absl.h"
#include "compat/support.h"
#include "spdlog/spdlog.h"

namespace sentry::syscalls {

SyscallTable::SyscallTable(SyscallTableOptions options) : options_(options) {
  RegisterProcess(*this);
  RegisterMm(*this);
  RegisterFile(*this);
  RegisterTime(*this);
  RegisterRandom(*this);
  RegisterSignal(*this);
  RegisterClone(*this);
  RegisterFutex(*this);
  RegisterCreds(*this);
  RegisterFd(*this);
  RegisterTimer(*this);
  RegisterSched(*this);
  RegisterPath(*this);
  RegisterPoll(*this);
  RegisterEpoll(*this);
  RegisterEventfd(*this);
  RegisterTimerfd(*this);
  RegisterSignalfd(*this);
  RegisterMlock(*this);
  RegisterMount(*this);
  RegisterMemfd(*this);
}

SyscallReturn SyscallTable::Dispatch(Task& t, const SyscallArguments& args) {
  const strace::Tracer* tracer = options_.tracer;
  const bool trace = tracer != nullptr && tracer->Traced(args.nr);
  if (!trace && options_.profiler == nullptr) return Call(t, args);
  strace::Tracer::Pending p;
  if (trace) p = tracer->Enter(t, args);
  const absl::Time start = absl::Now();
  SyscallReturn r = Call(t, args);
  const absl::Duration took = absl::Now() - start;
  if (options_.profiler != nullptr) {
    options_.profiler->Record(args.nr, static_cast<uint64_t>(absl::ToInt64Nanoseconds(took)),
                              r.value < 0 && r.value >= -4095);
  }
  if (trace) tracer->Exit(t, args, p, r.value, took);
  return r;
}

SyscallReturn SyscallTable::Call(Task& t, const SyscallArguments& args) {
  if (args.nr < static_cast<uint64_t>(compat::kSyscallTableSize)) {
    int nr = static_cast<int>(args.nr);
    if (handlers_[nr] != nullptr) return handlers_[nr](t, args);
    uint64_t n = unimplemented_[nr].fetch_add(1, std::memory_order_relaxed);
    const compat::SyscallInfo* info = compat::LookupSyscall(nr);
    int err = ENOSYS;
    std::string_view name = "(unknown)";
    bool deliberate = false;  // refused on purpose, documented in the registry
    if (info != nullptr) {
      name = info->name;
      const compat::SupportEntry& e = compat::SupportFor(*info);
      if ((e.level == compat::SupportLevel::kUnsupported ||
           e.level == compat::SupportLevel::kUnimplemented) &&
          e.error != 0) {
        err = e.error;
      }
      deliberate = e.level == compat::SupportLevel::kUnsupported;
    }
    if (n == 0 || options_.strace_unimplemented) {
      if (deliberate) {
        spdlog::info("syscall {} ({}) is not supported (see docs/compatibility.md) -> errno {}", nr,
                     std::string(name), err);
      } else {
        spdlog::warn("unimplemented syscall {} ({}) -> errno {}", nr, std::string(name), err);
      }
    }
    return SyscallReturn::Err(err);
  }
  spdlog::warn("syscall number {} out of range -> ENOSYS", args.nr);
  return SyscallReturn::Err(ENOSYS);
}

}  // namespace sentry::syscalls
