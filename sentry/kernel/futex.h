// futex.h: futex(2) wait queues.
//
// Keys (Linux's get_futex_key): with FUTEX_PRIVATE_FLAG a futex is keyed
// (MemoryManager, address) without touching memory. Without it the
// MemoryManager says what the word is (MemoryManager::FutexKey): in private
// memory still (MemoryManager, address); in shared memory (MAP_SHARED,
// anonymous or file) the word's MemoryFile offset, so that every mapping of
// the page, in any address space (a parent and its fork child), meets in
// one queue. A shared key outlives nothing: if the page is freed and reused
// while someone waits, the worst outcome is a spurious wake-up, which futex
// users must tolerate anyway.
//
// Locking: one mutex for all queues. Wait checks the value and enqueues
// under it, wakers (and WAKE_OP's atomic update, CMP_REQUEUE's compare) run
// under it, so no wake-up is lost. Order: FutexManager::mu_ ->
// MemoryManager::mu_ (app memory is read under mu_); Kernel::mu() is never
// taken under mu_.
//
// Not implemented: the PI operations (LOCK_PI, LOCK_PI2, UNLOCK_PI,
// TRYLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI) return ENOSYS, and
// robust-list entries marked PI are given OWNER_DIED but nobody is woken
// (no PI waiters can exist).
#ifndef SENTRY_KERNEL_FUTEX_H_
#define SENTRY_KERNEL_FUTEX_H_

#include <cstdint>
#include <map>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sentry/errno.h"
#include "sentry/mm/memory_manager.h"

namespace sentry::kernel {

class Task;
class Waiter;

inline constexpr uint32_t kFutexBitsetAny = 0xffffffffu;

class FutexManager {
 public:
  // FUTEX_WAIT / FUTEX_WAIT_BITSET for task `t`: if the u32 at `addr`
  // equals `val`, sleeps until a Wake whose bitset intersects `bitset` (or a
  // requeue onto another futex and a wake there), the deadline, or a signal.
  // ok when woken (also when a wake raced with a signal or the deadline: the
  // wake is never lost); EAGAIN (value differs), ETIMEDOUT, EINTR (signal:
  // the caller restarts or reports it), EFAULT, EINVAL (misaligned address,
  // empty bitset).
  ErrnoResult Wait(Task& t, uint64_t addr, bool is_private, uint32_t val, uint32_t bitset,
                   absl::Time deadline);
  // FUTEX_WAKE / FUTEX_WAKE_BITSET: wakes up to `n` waiters whose bitset
  // intersects `bitset`; as in Linux, n <= 0 wakes (at most) one. Returns
  // how many woke. EINVAL (misaligned, empty bitset), EFAULT (not private
  // and unmapped).
  ErrnoOr<int> Wake(mm::MemoryManager& mm, uint64_t addr, bool is_private, uint32_t bitset,
                    int n);
  // FUTEX_REQUEUE (cmpval empty) / FUTEX_CMP_REQUEUE: wakes up to nr_wake
  // waiters of addr (bitsets ignored, as Linux does) and moves up to
  // nr_requeue others to addr2. Returns woken + moved. EINVAL (negative
  // counts, misaligned), EAGAIN (CMP: *addr != *cmpval), EFAULT.
  ErrnoOr<int> Requeue(mm::MemoryManager& mm, uint64_t addr, uint64_t addr2, bool is_private,
                       int nr_wake, int nr_requeue, std::optional<uint32_t> cmpval);
  // FUTEX_WAKE_OP: atomically applies `encoded_op`'s operation to the u32 at
  // addr2, wakes up to nr_wake waiters of addr and, if the comparison of
  // the old value holds, up to nr_wake2 waiters of addr2. Returns the total
  // woken. ENOSYS (bad op: nothing changed; bad comparison: after the
  // update, as Linux), EFAULT (addr2 not writable), EINVAL (misaligned).
  ErrnoOr<int> WakeOp(mm::MemoryManager& mm, uint64_t addr, uint64_t addr2, bool is_private,
                      int nr_wake, int nr_wake2, uint32_t encoded_op);
  // Thread exit / execve: walks the task's robust list (set_robust_list),
  // including list_op_pending, as Linux's exit_robust_list: each futex the
  // task still owns gets FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) by atomic
  // compare-and-exchange, and one waiter is woken if FUTEX_WAITERS was set;
  // a pending op on an unowned word just wakes one waiter.
  void ExitRobustList(Task& t);

  // Tests: how many tasks wait on the futex at addr.
  ErrnoOr<int> WaitersForTesting(mm::MemoryManager& mm, uint64_t addr, bool is_private);

 private:
  struct Key {
    const void* space = nullptr;  // MemoryManager* (private) or MemoryFile* (shared)
    uint64_t addr = 0;            // app address (private) or file offset (shared)
    bool operator<(const Key& o) const {
      return space != o.space ? space < o.space : addr < o.addr;
    }
    bool operator==(const Key& o) const = default;
  };
  struct WaitRecord {
    Key key;  // mu_ (requeue changes it)
    uint32_t bitset = 0;
    Waiter* waiter = nullptr;
    bool woken = false;  // mu_; set when a waker dequeued it
  };
  using Queue = std::multimap<Key, WaitRecord*>;

  static ErrnoOr<Key> KeyFor(mm::MemoryManager& mm, uint64_t addr, bool is_private);
  // Wakes up to n (at least 1) waiters on key whose bitset intersects.
  int WakeLocked(const Key& key, uint32_t bitset, int n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Robust-list cleanup of one futex word (Linux's handle_futex_death);
  // false to stop the walk.
  bool HandleFutexDeath(mm::MemoryManager& mm, uint64_t addr, int tid, bool pi, bool pending);

  absl::Mutex mu_;
  Queue waiters_ ABSL_GUARDED_BY(mu_);  // FIFO within a key
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_FUTEX_H_
