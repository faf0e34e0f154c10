// The x86-64 Linux syscall ABI: every syscall's number, name and argument
// formats (data in syscall_table.h), with lookups both ways.
//
//   const compat::SyscallInfo* s = compat::LookupSyscall(regs.orig_rax);
//   if (s) log("%s(...)", s->name);
//   std::optional<int> nr = compat::SyscallNumber("openat");  // 257
#ifndef COMPAT_SYSCALLS_H_
#define COMPAT_SYSCALLS_H_

#include <optional>
#include <span>
#include <string_view>

#include "compat/arg_format.h"

namespace compat {

inline constexpr int kMaxSyscallArgs = 6;

struct SyscallInfo {
  int nr;
  std::string_view name;
  ReturnFormat ret;
  Arg args[kMaxSyscallArgs];

  // Number of arguments the syscall takes (formats are never sparse).
  constexpr int arg_count() const {
    int n = 0;
    while (n < kMaxSyscallArgs && args[n].format != ArgFormat::kNone) ++n;
    return n;
  }
};

// One past the highest syscall number: the size of a table indexed by number.
inline constexpr int kSyscallTableSize = 471;

// All syscalls, sorted by number. Numbers have gaps (335..423 are unused on
// x86-64).
std::span<const SyscallInfo> AllSyscalls();

// The syscall numbered `nr`, or nullptr if there is none (gaps, negative
// numbers, x32 numbers, anything past the table).
const SyscallInfo* LookupSyscall(long nr);

// The syscall named `name` ("openat"), or nullptr. O(log n).
const SyscallInfo* LookupSyscall(std::string_view name);

// The number of the syscall named `name`.
std::optional<int> SyscallNumber(std::string_view name);

}  // namespace compat

#endif  // COMPAT_SYSCALLS_H_
