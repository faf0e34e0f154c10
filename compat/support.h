// What the Sentry does with each syscall: the compatibility registry behind
// docs/compatibility.md. The entries live in support_table.cc, which handler
// authors edit when they land or change a syscall; any syscall without an
// entry is kUnimplemented (ENOSYS).
#ifndef COMPAT_SUPPORT_H_
#define COMPAT_SUPPORT_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "compat/syscalls.h"

namespace compat {

enum class SupportLevel : uint8_t {
  kFull,           // Linux semantics
  kPartial,        // implemented with gaps; the note says which
  kUnsupported,    // deliberately refused with `error`; the note says why
  kUnimplemented,  // not written yet: ENOSYS
};

struct SupportEntry {
  std::string_view name;  // syscall name, as in syscall_table.h
  SupportLevel level = SupportLevel::kUnimplemented;
  int error = 0;  // kUnsupported and kUnimplemented: the errno the app gets
  std::string_view note;
};

// The registry as written in support_table.cc, in file order.
std::span<const SupportEntry> SupportTable();

// The entry for `s`, or a kUnimplemented/ENOSYS entry with no note.
const SupportEntry& SupportFor(const SyscallInfo& s);

// "Full", "Partial", "Unsupported", "Unimplemented".
std::string_view SupportLevelName(SupportLevel level);

}  // namespace compat

#endif  // COMPAT_SUPPORT_H_
