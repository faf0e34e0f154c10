#include "sentry/kernel/futex.h"

#include "sentry/kernel/task.h"
#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {

ErrnoOr<FutexManager::Key> FutexManager::KeyFor(mm::MemoryManager& mm, uint64_t addr,
                                                bool /*is_private*/) {
  if (addr % 4 != 0) return Errno(EINVAL);
  return Key{&mm, addr};
}

ErrnoResult FutexManager::Wait(Task& t, uint64_t addr, bool is_private, uint32_t val,
                               uint32_t bitset, absl::Time deadline) {
  if (bitset == 0) return Errno(EINVAL);
  auto key = KeyFor(t.mm(), addr, is_private);
  if (!key.ok()) return key.error();
  WaitRecord rec{*key, bitset, &t.waiter(), false};
  {
    absl::MutexLock l(&mu_);
    uint32_t cur = 0;
    ErrnoResult r = t.mm().CopyIn(addr, &cur, sizeof(cur));
    if (!r.ok()) return r;
    if (cur != val) return Errno(EAGAIN);
    t.waiter().Clear();
    waiters_.emplace(rec.key, &rec);
  }
  ErrnoResult result;
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      if (rec.woken) return {};
    }
    result = t.Block(deadline);
    if (!result.ok()) break;
  }
  absl::MutexLock l(&mu_);
  if (rec.woken) return {};  // woken as we gave up: the wake counts
  auto [b, e] = waiters_.equal_range(rec.key);
  for (auto it = b; it != e; ++it) {
    if (it->second == &rec) {
      waiters_.erase(it);
      break;
    }
  }
  return result;
}

ErrnoOr<int> FutexManager::Wake(mm::MemoryManager& mm, uint64_t addr, bool is_private,
                                uint32_t bitset, int n) {
  if (bitset == 0) return Errno(EINVAL);
  auto key = KeyFor(mm, addr, is_private);
  if (!key.ok()) return key.error();
  absl::MutexLock l(&mu_);
  int woken = 0;
  auto [b, e] = waiters_.equal_range(*key);
  for (auto it = b; it != e && woken < n;) {
    WaitRecord* rec = it->second;
    if ((rec->bitset & bitset) == 0) {
      ++it;
      continue;
    }
    it = waiters_.erase(it);
    rec->woken = true;
    rec->waiter->Notify();
    ++woken;
  }
  return woken;
}

namespace {

// Marks the futex word at `addr` owner-died if `tid` owns it; true if a
// waiter must be woken.
bool ReleaseRobust(mm::MemoryManager& mm, uint64_t addr, int tid) {
  constexpr uint32_t kWaiters = 0x80000000u, kOwnerDied = 0x40000000u, kTidMask = 0x3fffffffu;
  uint32_t word = 0;
  if (!mm.CopyIn(addr, &word, sizeof(word)).ok()) return false;
  if ((word & kTidMask) != static_cast<uint32_t>(tid)) return false;
  uint32_t next = (word & kWaiters) | kOwnerDied;
  if (!mm.CopyOut(addr, &next, sizeof(next)).ok()) return false;
  return (word & kWaiters) != 0;
}

}  // namespace

void FutexManager::ExitRobustList(Task& t) {
  if (t.robust_list_head == 0) return;
  struct Head {
    uint64_t next;
    int64_t futex_offset;
    uint64_t pending;
  } head;
  mm::MemoryManager& mm = t.mm();
  if (!mm.CopyIn(t.robust_list_head, &head, sizeof(head)).ok()) return;
  auto release = [&](uint64_t entry) {
    uint64_t addr = entry + static_cast<uint64_t>(head.futex_offset);
    if (ReleaseRobust(mm, addr, t.tid())) (void)Wake(mm, addr, false, kFutexBitsetAny, 1);
  };
  // Linux's ROBUST_LIST_LIMIT bounds the walk (a cyclic list cannot hang us).
  uint64_t entry = head.next;
  for (int i = 0; i < 2048 && entry != t.robust_list_head && entry != 0; ++i) {
    uint64_t next = 0;
    if (!mm.CopyIn(entry & ~uint64_t{1}, &next, sizeof(next)).ok()) break;
    if (entry != head.pending) release(entry & ~uint64_t{1});
    entry = next;
  }
  if (head.pending != 0) release(head.pending & ~uint64_t{1});
}

}  // namespace sentry::kernel
