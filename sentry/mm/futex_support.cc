// futex_support.cc: what futex(2) needs from the MemoryManager: keys that
// tell shared memory apart from private memory, and atomic read-modify-write
// of app words (FUTEX_WAKE_OP, robust-list cleanup).
#include "sentry/mm/memory_manager.h"

namespace sentry::mm {

ErrnoOr<MemoryManager::FutexKeyInfo> MemoryManager::FutexKey(uint64_t addr) {
  if (addr % sizeof(uint32_t) != 0) return Errno(EINVAL);
  if (addr >= kTaskSize || addr >= options_.max_address) return Errno(EFAULT);
  absl::MutexLock l(&mu_);
  ErrnoOr<Vma*> v = VmaForAccess(addr);
  if (!v.ok()) return Errno(EFAULT);
  Vma& vma = **v;
  if (!Allows(vma, platform::AccessType::kRead)) return Errno(EFAULT);
  if (vma.private_()) return FutexKeyInfo{false, addr};
  const uint64_t page = PageDown(addr);
  Page* pg;
  if (!Populate(vma, page, /*write=*/false, /*map=*/false, /*fault_around=*/false, &pg).ok()) {
    return Errno(EFAULT);
  }
  return FutexKeyInfo{true, pg->offset + (addr - page)};
}

ErrnoOr<uint32_t> MemoryManager::AtomicU32(
    uint64_t addr, absl::FunctionRef<std::optional<uint32_t>(uint32_t)> update) {
  if (addr % sizeof(uint32_t) != 0) return Errno(EINVAL);
  if (addr >= kTaskSize || addr >= options_.max_address) return Errno(EFAULT);
  absl::MutexLock l(&mu_);
  ErrnoOr<Vma*> v = VmaForAccess(addr);
  if (!v.ok()) return Errno(EFAULT);
  Vma& vma = **v;
  if (!Allows(vma, platform::AccessType::kWrite)) return Errno(EFAULT);
  const uint64_t page = PageDown(addr);
  Page* pg;
  // A write access: a copy-on-write page becomes ours first, so the app's
  // view and the word we update are the same page.
  if (!Populate(vma, page, /*write=*/true, /*map=*/false, /*fault_around=*/false, &pg).ok()) {
    return Errno(EFAULT);
  }
  auto* word = reinterpret_cast<uint32_t*>(file_.Data(pg->offset) + (addr - page));
  uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
  for (;;) {
    std::optional<uint32_t> next = update(old);
    if (!next.has_value()) return old;
    // On failure `old` is reloaded with the current value.
    if (__atomic_compare_exchange_n(word, &old, *next, /*weak=*/false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST)) {
      return old;
    }
  }
}

ErrnoOr<uint32_t> MemoryManager::CompareExchangeU32(uint64_t addr, uint32_t expected,
                                                    uint32_t desired) {
  return AtomicU32(addr, [&](uint32_t old) -> std::optional<uint32_t> {
    if (old != expected) return std::nullopt;
    return desired;
  });
}

}  // namespace sentry::mm
