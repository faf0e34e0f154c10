#include "sentry/kernel/futex.h"

#include <linux/futex.h>

#include <vector>

#include "sentry/kernel/task.h"
#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {
namespace {

// Linux's ROBUST_LIST_LIMIT: bounds the walk of a (possibly cyclic) list.
constexpr int kRobustListLimit = 2048;

int32_t SignExtend12(uint32_t v) { return static_cast<int32_t>(v << 20) >> 20; }

}  // namespace

ErrnoOr<FutexManager::Key> FutexManager::KeyFor(mm::MemoryManager& mm, uint64_t addr,
                                                bool is_private) {
  if (addr % sizeof(uint32_t) != 0) return Errno(EINVAL);
  if (addr > mm::kTaskSize - sizeof(uint32_t)) return Errno(EFAULT);  // access_ok
  if (is_private) return Key{&mm, addr};
  ErrnoOr<mm::MemoryManager::FutexKeyInfo> k = mm.FutexKey(addr);
  if (!k.ok()) return k.error();
  if (k->shared) return Key{&mm.memory_file(), k->value};
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
    // Notified but not by a futex wake (a stale notification): sleep on.
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

int FutexManager::WakeLocked(const Key& key, uint32_t bitset, int n) {
  int woken = 0;
  auto [b, e] = waiters_.equal_range(key);
  for (auto it = b; it != e;) {
    WaitRecord* rec = it->second;
    if ((rec->bitset & bitset) == 0) {
      ++it;
      continue;
    }
    it = waiters_.erase(it);
    rec->woken = true;
    rec->waiter->Notify();
    if (++woken >= n) break;  // Linux's loop: n <= 0 still wakes one
  }
  return woken;
}

ErrnoOr<int> FutexManager::Wake(mm::MemoryManager& mm, uint64_t addr, bool is_private,
                                uint32_t bitset, int n) {
  if (bitset == 0) return Errno(EINVAL);
  auto key = KeyFor(mm, addr, is_private);
  if (!key.ok()) return key.error();
  absl::MutexLock l(&mu_);
  return WakeLocked(*key, bitset, n);
}

ErrnoOr<int> FutexManager::Requeue(mm::MemoryManager& mm, uint64_t addr, uint64_t addr2,
                                   bool is_private, int nr_wake, int nr_requeue,
                                   std::optional<uint32_t> cmpval) {
  if (nr_wake < 0 || nr_requeue < 0) return Errno(EINVAL);
  auto key1 = KeyFor(mm, addr, is_private);
  if (!key1.ok()) return key1.error();
  auto key2 = KeyFor(mm, addr2, is_private);
  if (!key2.ok()) return key2.error();
  absl::MutexLock l(&mu_);
  if (cmpval.has_value()) {
    uint32_t cur = 0;
    if (ErrnoResult r = mm.CopyIn(addr, &cur, sizeof(cur)); !r.ok()) return r.error();
    if (cur != *cmpval) return Errno(EAGAIN);
  }
  // Snapshot the queue first: with key1 == key2 a requeued waiter would
  // otherwise be met again.
  std::vector<WaitRecord*> recs;
  auto [b, e] = waiters_.equal_range(*key1);
  for (auto it = b; it != e; ++it) recs.push_back(it->second);
  int count = 0;
  for (WaitRecord* rec : recs) {
    if (count - nr_wake >= nr_requeue) break;
    auto [rb, re] = waiters_.equal_range(*key1);
    auto it = rb;
    while (it != re && it->second != rec) ++it;
    if (++count <= nr_wake) {
      waiters_.erase(it);
      rec->woken = true;
      rec->waiter->Notify();
      continue;
    }
    if (*key1 == *key2) continue;  // Linux leaves it in place
    waiters_.erase(it);
    rec->key = *key2;
    waiters_.emplace(*key2, rec);  // at the back of key2's queue
  }
  return count;
}

ErrnoOr<int> FutexManager::WakeOp(mm::MemoryManager& mm, uint64_t addr, uint64_t addr2,
                                  bool is_private, int nr_wake, int nr_wake2,
                                  uint32_t encoded_op) {
  auto key1 = KeyFor(mm, addr, is_private);
  if (!key1.ok()) return key1.error();
  auto key2 = KeyFor(mm, addr2, is_private);
  if (!key2.ok()) return key2.error();
  const uint32_t op = (encoded_op >> 28) & 7;
  const uint32_t cmp = (encoded_op >> 24) & 15;
  int32_t oparg = SignExtend12((encoded_op >> 12) & 0xfff);
  const int32_t cmparg = SignExtend12(encoded_op & 0xfff);
  if (encoded_op & (FUTEX_OP_OPARG_SHIFT << 28)) {
    // Linux warns about shifts outside [0, 31] and uses the low 5 bits.
    oparg = static_cast<int32_t>(uint32_t{1} << (static_cast<uint32_t>(oparg) & 31));
  }
  if (op > FUTEX_OP_XOR) return Errno(ENOSYS);  // nothing touched
  const uint32_t arg = static_cast<uint32_t>(oparg);
  absl::MutexLock l(&mu_);
  ErrnoOr<uint32_t> old_or = mm.AtomicU32(addr2, [&](uint32_t old) -> std::optional<uint32_t> {
    switch (op) {
      case FUTEX_OP_SET:
        return arg;
      case FUTEX_OP_ADD:
        return old + arg;
      case FUTEX_OP_OR:
        return old | arg;
      case FUTEX_OP_ANDN:
        return old & ~arg;
      default:  // FUTEX_OP_XOR
        return old ^ arg;
    }
  });
  if (!old_or.ok()) return old_or.error();
  const int32_t old = static_cast<int32_t>(*old_or);
  bool cond;
  switch (cmp) {
    case FUTEX_OP_CMP_EQ:
      cond = old == cmparg;
      break;
    case FUTEX_OP_CMP_NE:
      cond = old != cmparg;
      break;
    case FUTEX_OP_CMP_LT:
      cond = old < cmparg;
      break;
    case FUTEX_OP_CMP_LE:
      cond = old <= cmparg;
      break;
    case FUTEX_OP_CMP_GT:
      cond = old > cmparg;
      break;
    case FUTEX_OP_CMP_GE:
      cond = old >= cmparg;
      break;
    default:
      return Errno(ENOSYS);  // the update stays done, as in Linux
  }
  int woken = WakeLocked(*key1, kFutexBitsetAny, nr_wake);
  if (cond) woken += WakeLocked(*key2, kFutexBitsetAny, nr_wake2);
  return woken;
}

ErrnoOr<int> FutexManager::WaitersForTesting(mm::MemoryManager& mm, uint64_t addr,
                                             bool is_private) {
  auto key = KeyFor(mm, addr, is_private);
  if (!key.ok()) return key.error();
  absl::MutexLock l(&mu_);
  return static_cast<int>(waiters_.count(*key));
}

bool FutexManager::HandleFutexDeath(mm::MemoryManager& mm, uint64_t addr, int tid, bool pi,
                                    bool pending) {
  if (addr % sizeof(uint32_t) != 0) return false;
  // Linux retries until the cmpxchg sticks; an app hammering the word
  // cannot keep us here for ever.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    uint32_t uval = 0;
    if (!mm.CopyIn(addr, &uval, sizeof(uval)).ok()) return false;
    const uint32_t owner = uval & FUTEX_TID_MASK;
    if (pending && !pi && owner == 0) {
      // The owner released the word but died before waking anyone (or a
      // woken waiter died before taking it): pass the wake-up on, leave the
      // word alone.
      (void)Wake(mm, addr, /*is_private=*/false, kFutexBitsetAny, 1);
      return true;
    }
    if (owner != static_cast<uint32_t>(tid)) return true;
    const uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    ErrnoOr<uint32_t> found = mm.CompareExchangeU32(addr, uval, mval);
    if (!found.ok()) return false;  // not writable: the futex stays locked
    if (*found != uval) continue;
    if (!pi && (uval & FUTEX_WAITERS)) {
      (void)Wake(mm, addr, /*is_private=*/false, kFutexBitsetAny, 1);
    }
    return true;
  }
  return true;
}

void FutexManager::ExitRobustList(Task& t) {
  const uint64_t head_addr = t.robust_list_head;
  if (head_addr == 0) return;
  struct Head {  // struct robust_list_head
    uint64_t next;
    int64_t futex_offset;
    uint64_t pending;
  } head;
  mm::MemoryManager& mm = t.mm();
  if (!mm.CopyIn(head_addr, &head, sizeof(head)).ok()) return;
  // Bit 0 of an entry pointer marks a PI futex.
  uint64_t entry = head.next & ~uint64_t{1};
  bool pi = (head.next & 1) != 0;
  const uint64_t pending = head.pending & ~uint64_t{1};
  const bool pending_pi = (head.pending & 1) != 0;
  const uint64_t offset = static_cast<uint64_t>(head.futex_offset);
  for (int limit = kRobustListLimit; entry != head_addr && limit > 0; --limit) {
    uint64_t next = 0;
    const bool fetched = mm.CopyIn(entry, &next, sizeof(next)).ok();
    if (entry != pending) {
      if (!HandleFutexDeath(mm, entry + offset, t.tid(), pi, /*pending=*/false)) return;
    }
    if (!fetched) return;
    entry = next & ~uint64_t{1};
    pi = (next & 1) != 0;
  }
  if (pending != 0) (void)HandleFutexDeath(mm, pending + offset, t.tid(), pending_pi, true);
}

}  // namespace sentry::kernel
