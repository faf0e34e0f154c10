#include "compat/support.h"

#include <array>
#include <cerrno>
#include <cstdint>

namespace compat {
namespace {

constexpr SupportEntry kUnimplementedEntry{{}, SupportLevel::kUnimplemented, ENOSYS, {}};

// Slot per syscall number: index into SupportTable(), or -1.
struct Index {
  std::array<int16_t, kSyscallTableSize> slot;
  Index() {
    slot.fill(-1);
    std::span<const SupportEntry> t = SupportTable();
    for (size_t i = 0; i < t.size(); ++i) {
      const SyscallInfo* s = LookupSyscall(t[i].name);
      if (s != nullptr) slot[s->nr] = static_cast<int16_t>(i);  // names checked at compile time
    }
  }
};

}  // namespace

const SupportEntry& SupportFor(const SyscallInfo& s) {
  static const Index index;
  const int i = (s.nr >= 0 && s.nr < kSyscallTableSize) ? index.slot[s.nr] : -1;
  return i < 0 ? kUnimplementedEntry : SupportTable()[i];
}

std::string_view SupportLevelName(SupportLevel level) {
  switch (level) {
    case SupportLevel::kFull:
      return "Full";
    case SupportLevel::kPartial:
      return "Partial";
    case SupportLevel::kUnsupported:
      return "Unsupported";
    case SupportLevel::kUnimplemented:
      return "Unimplemented";
  }
  return "?";
}

}  // namespace compat
