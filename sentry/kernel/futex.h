// futex.h: futex(2) wait queues, keyed by app address.
//
// Keys: a private futex (FUTEX_PRIVATE_FLAG, or any futex in private
// memory) is (MemoryManager, address); a futex in shared memory is keyed by
// its MemoryFile offset so that every mapping of the page meets in one
// queue. The value check of Wait and the enqueue happen under the bucket
// lock, and wakers take that lock, so no wake-up is lost.
#ifndef SENTRY_KERNEL_FUTEX_H_
#define SENTRY_KERNEL_FUTEX_H_

#include <cstdint>
#include <list>
#include <map>

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
  // equals `val`, sleeps until a Wake whose bitset intersects `bitset`, the
  // deadline, or a signal. ok when woken; EAGAIN (value differs), ETIMEDOUT,
  // EINTR (signal: the caller restarts or reports it), EFAULT, EINVAL
  // (misaligned address, empty bitset).
  ErrnoResult Wait(Task& t, uint64_t addr, bool is_private, uint32_t val, uint32_t bitset,
                   absl::Time deadline);
  // FUTEX_WAKE / FUTEX_WAKE_BITSET: wakes up to `n` waiters; how many woke.
  ErrnoOr<int> Wake(mm::MemoryManager& mm, uint64_t addr, bool is_private, uint32_t bitset,
                    int n);
  // Thread exit: walks the task's robust list (set_robust_list), marks
  // each futex it still owns FUTEX_OWNER_DIED and wakes one waiter.
  void ExitRobustList(Task& t);

 private:
  struct Key {
    const void* space = nullptr;  // MemoryManager* (private) or null (shared)
    uint64_t addr = 0;            // app address (private) or file offset
    bool operator<(const Key& o) const {
      return space != o.space ? space < o.space : addr < o.addr;
    }
    bool operator==(const Key& o) const = default;
  };
  struct WaitRecord {
    Key key;
    uint32_t bitset = 0;
    Waiter* waiter = nullptr;
    bool woken = false;
  };
  ErrnoOr<Key> KeyFor(mm::MemoryManager& mm, uint64_t addr, bool is_private);

  absl::Mutex mu_;
  std::multimap<Key, WaitRecord*> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_FUTEX_H_
