#include "compat/syscalls.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "compat/syscall_table.h"

namespace compat {
namespace {

constexpr int kCount = static_cast<int>(std::size(kSyscallTable));

// Slot per number: index into kSyscallTable, or -1 for a gap.
constexpr std::array<int16_t, kSyscallTableSize> kByNumber = [] {
  std::array<int16_t, kSyscallTableSize> a{};
  a.fill(-1);
  for (int i = 0; i < kCount; ++i) a[kSyscallTable[i].nr] = static_cast<int16_t>(i);
  return a;
}();

// Indexes into kSyscallTable, sorted by name.
constexpr std::array<int16_t, kCount> kByName = [] {
  std::array<int16_t, kCount> a{};
  for (int i = 0; i < kCount; ++i) a[i] = static_cast<int16_t>(i);
  std::sort(a.begin(), a.end(),
            [](int16_t x, int16_t y) { return kSyscallTable[x].name < kSyscallTable[y].name; });
  return a;
}();

// The table's invariants, checked by the compiler.
constexpr bool NumbersAscend() {
  for (int i = 1; i < kCount; ++i) {
    if (kSyscallTable[i - 1].nr >= kSyscallTable[i].nr) return false;
  }
  return kSyscallTable[0].nr == 0 && kSyscallTable[kCount - 1].nr == kSyscallTableSize - 1;
}
constexpr bool NamesUnique() {
  for (int i = 1; i < kCount; ++i) {
    if (kSyscallTable[kByName[i - 1]].name == kSyscallTable[kByName[i]].name) return false;
  }
  return true;
}
constexpr bool ArgsWellFormed() {
  for (const SyscallInfo& s : kSyscallTable) {
    const int n = s.arg_count();
    for (int i = 0; i < kMaxSyscallArgs; ++i) {
      const Arg& a = s.args[i];
      if (i >= n && a.format != ArgFormat::kNone) return false;  // sparse
      if (NeedsAux(a.format) != (a.aux >= 0)) return false;
      if (a.aux >= 0 && (a.aux >= n || a.aux == i)) return false;
    }
  }
  return true;
}
static_assert(NumbersAscend(), "syscall table: numbers must ascend from 0 to kSyscallTableSize-1");
static_assert(NamesUnique(), "syscall table: duplicate name");
static_assert(ArgsWellFormed(), "syscall table: bad argument list or aux index");

}  // namespace

std::span<const SyscallInfo> AllSyscalls() { return kSyscallTable; }

const SyscallInfo* LookupSyscall(long nr) {
  if (nr < 0 || nr >= kSyscallTableSize) return nullptr;
  const int i = kByNumber[nr];
  return i < 0 ? nullptr : &kSyscallTable[i];
}

const SyscallInfo* LookupSyscall(std::string_view name) {
  auto it = std::lower_bound(kByName.begin(), kByName.end(), name,
                             [](int16_t i, std::string_view n) { return kSyscallTable[i].name < n; });
  if (it == kByName.end() || kSyscallTable[*it].name != name) return nullptr;
  return &kSyscallTable[*it];
}

std::optional<int> SyscallNumber(std::string_view name) {
  const SyscallInfo* s = LookupSyscall(name);
  if (s == nullptr) return std::nullopt;
  return s->nr;
}

}  // namespace compat
