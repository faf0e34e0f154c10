// futex_test.cc: futex(2) through the syscall table and FutexManager
// directly, on tasks over fake address spaces (no app code runs). Blocking
// waits run on std::threads; the main thread waits until they are queued
// (WaitersForTesting) before waking them, so counts are exact.
#include "sentry/kernel/futex.h"

#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/kernel/signal.h"
#include "sentry/mm/testing/fake_address_space.h"
#include "sentry/syscalls/table.h"

namespace sentry::kernel {
namespace {

using testing::NoLoader;
using testing::NoPlatform;

constexpr uint64_t kPriv = 0x30000000;    // private RW, 64 KiB
constexpr uint64_t kShared = 0x40000000;  // shared anonymous RW, 4 pages
constexpr uint64_t kRo = 0x50000000;      // private read-only page

class FutexTest : public ::testing::Test {
 protected:
  FutexTest()
      : mm_(std::move(fake_.mm)),
        kernel_(platform_, *fake_.file, table_, loader_, UtsInfo{}),
        a_(kernel_.CreateTaskForTesting(mm_, Credentials::ForUser(0, 0))),
        b_(kernel_.CreateTaskForTesting(mm_, Credentials::ForUser(0, 0))) {
    Map(kPriv, 16 * mm::kPageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    Map(kShared, 4 * mm::kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED);
    Map(kRo, mm::kPageSize, PROT_READ, MAP_PRIVATE);
  }

  void Map(uint64_t addr, uint64_t len, int prot, int type) {
    mm::MmapRequest r;
    r.addr = addr;
    r.length = len;
    r.prot = prot;
    r.flags = type | MAP_ANONYMOUS | MAP_FIXED;
    ASSERT_TRUE(mm_->Mmap(r).ok());
  }

  int64_t Call(Task& t, uint64_t a0, uint64_t a1, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    SyscallArguments a;
    a.nr = SYS_futex;
    uint64_t v[6] = {a0, a1, a2, a3, a4, a5};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(t, a).value;
  }
  int64_t Futex(uint64_t a0, uint64_t a1, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
                uint64_t a5 = 0) {
    return Call(*b_, a0, a1, a2, a3, a4, a5);
  }

  void Put(uint64_t addr, uint32_t v) { ASSERT_TRUE(mm_->CopyOut(addr, &v, sizeof(v)).ok()); }
  uint32_t Get(uint64_t addr) {
    uint32_t v = 0;
    EXPECT_TRUE(mm_->CopyIn(addr, &v, sizeof(v)).ok());
    return v;
  }
  // A timespec in app memory (at the end of the private area).
  uint64_t Timespec(int64_t sec, int64_t nsec) {
    struct timespec ts;
    ts.tv_sec = sec;
    ts.tv_nsec = nsec;
    const uint64_t at = kPriv + 15 * mm::kPageSize;
    EXPECT_TRUE(mm_->CopyOut(at, &ts, sizeof(ts)).ok());
    return at;
  }
  int Waiters(uint64_t addr, bool is_private = true, mm::MemoryManager* m = nullptr) {
    auto n = kernel_.futex().WaitersForTesting(m ? *m : *mm_, addr, is_private);
    return n.ok() ? *n : -1;
  }
  // Polls until `n` tasks wait on addr (or 10 s pass).
  bool AwaitWaiters(uint64_t addr, int n, bool is_private = true,
                    mm::MemoryManager* m = nullptr) {
    absl::Time end = absl::Now() + absl::Seconds(10);
    while (absl::Now() < end) {
      if (Waiters(addr, is_private, m) == n) return true;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  }

  // A task (its own thread group, same mm unless given) blocked in
  // futex(FUTEX_WAIT...) on a host thread; result() when joined.
  struct BlockedWaiter {
    std::shared_ptr<Task> task;
    std::thread thread;
    std::atomic<int64_t> result{1};
    std::atomic<bool> done{false};
  };
  std::unique_ptr<BlockedWaiter> StartWait(uint64_t addr, int op, uint32_t val,
                                           uint32_t bitset = 0, uint64_t timeout = 0,
                                           std::shared_ptr<mm::MemoryManager> m = nullptr) {
    auto w = std::make_unique<BlockedWaiter>();
    w->task = kernel_.CreateTaskForTesting(m ? m : mm_, Credentials::ForUser(0, 0));
    BlockedWaiter* p = w.get();
    w->thread = std::thread([this, p, addr, op, val, bitset, timeout] {
      p->result = Call(*p->task, addr, op, val, timeout, 0, bitset);
      p->done = true;
    });
    return w;
  }
  static int64_t Join(std::unique_ptr<BlockedWaiter>& w) {
    w->thread.join();
    return w->result;
  }

  NoPlatform platform_;
  NoLoader loader_;
  // fake_.mm moved to mm_: forks go through here.
  std::shared_ptr<mm::MemoryManager> ForkMm() {
    return mm_->Fork(std::make_unique<mm::testing::FakeAddressSpace>());
  }

  mm::testing::FakeMm fake_;
  std::shared_ptr<mm::MemoryManager> mm_;
  syscalls::SyscallTable table_;
  Kernel kernel_;
  std::shared_ptr<Task> a_, b_;
};

TEST_F(FutexTest, WaitErrors) {
  Put(kPriv, 5);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_PRIVATE, 6), -EAGAIN);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT, 6), -EAGAIN);
  EXPECT_EQ(Futex(kPriv + 1, FUTEX_WAIT_PRIVATE, 5), -EINVAL);
  EXPECT_EQ(Futex(1, FUTEX_WAIT_PRIVATE, 0), -EINVAL);  // misaligned before unmapped
  EXPECT_EQ(Futex(0, FUTEX_WAIT_PRIVATE, 0), -EFAULT);
  EXPECT_EQ(Futex(0, FUTEX_WAIT, 0), -EFAULT);
  EXPECT_EQ(Futex(mm::kTaskSize, FUTEX_WAIT_PRIVATE, 0), -EFAULT);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_BITSET_PRIVATE, 5, 0, 0, 0), -EINVAL);  // empty bitset
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_PRIVATE, 5, Timespec(0, 1000000000)), -EINVAL);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_PRIVATE, 5, Timespec(-1, 0)), -EINVAL);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_PRIVATE, 5, Timespec(0, -1)), -EINVAL);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_PRIVATE, 5, 8), -EFAULT);  // bad timeout pointer
  // Read-only memory can be waited on (mismatch: EAGAIN, not EFAULT).
  EXPECT_EQ(Futex(kRo, FUTEX_WAIT, 1), -EAGAIN);
  EXPECT_EQ(Waiters(kPriv), 0);
}

TEST_F(FutexTest, OpErrors) {
  EXPECT_EQ(Futex(kPriv, 99), -ENOSYS);
  EXPECT_EQ(Futex(kPriv, FUTEX_FD), -ENOSYS);
  for (int pi : {FUTEX_LOCK_PI, 13 /*LOCK_PI2*/, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI,
                 FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI}) {
    EXPECT_EQ(Futex(kPriv, pi | FUTEX_PRIVATE_FLAG), -ENOSYS) << pi;
  }
  // FUTEX_CLOCK_REALTIME: only WAIT_BITSET (FUTEX_WAIT lost it in 5.13).
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, Timespec(0, 1000)), -ENOSYS);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1), -ENOSYS);
  // ...but a bad timespec is reported first.
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, Timespec(-1, 0)), -EINVAL);
}

TEST_F(FutexTest, WakeErrorsAndNoWaiters) {
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, 1), 0);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE, 1), 0);
  EXPECT_EQ(Futex(kPriv + 2, FUTEX_WAKE_PRIVATE, 1), -EINVAL);
  // Private keys never touch memory (as Linux); shared lookups do.
  EXPECT_EQ(Futex(0, FUTEX_WAKE_PRIVATE, 1), 0);
  EXPECT_EQ(Futex(0, FUTEX_WAKE, 1), -EFAULT);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 0), -EINVAL);
  EXPECT_EQ(Futex(mm::kTaskSize, FUTEX_WAKE_PRIVATE, 1), -EFAULT);
}

TEST_F(FutexTest, RelativeTimeout) {
  Put(kPriv, 5);
  absl::Time t0 = absl::Now();
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_PRIVATE, 5, Timespec(0, 20000000)), -ETIMEDOUT);
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(19));
  EXPECT_EQ(Waiters(kPriv), 0);  // the timed-out waiter left the queue
}

TEST_F(FutexTest, AbsoluteTimeouts) {
  Put(kPriv, 5);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_BITSET_PRIVATE, 5, Timespec(now.tv_sec - 1, now.tv_nsec), 0,
                  FUTEX_BITSET_MATCH_ANY),
            -ETIMEDOUT);
  clock_gettime(CLOCK_MONOTONIC, &now);
  absl::Time t0 = absl::Now();
  int64_t ns = now.tv_nsec + 20000000;
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_BITSET_PRIVATE, 5,
                  Timespec(now.tv_sec + ns / 1000000000, ns % 1000000000), 0,
                  FUTEX_BITSET_MATCH_ANY),
            -ETIMEDOUT);
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(19));
  // FUTEX_CLOCK_REALTIME: the deadline is wall-clock time.
  clock_gettime(CLOCK_REALTIME, &now);
  ns = now.tv_nsec + 20000000;
  const int64_t dsec = now.tv_sec + ns / 1000000000, dnsec = ns % 1000000000;
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5,
                  Timespec(dsec, dnsec), 0, FUTEX_BITSET_MATCH_ANY),
            -ETIMEDOUT);
  clock_gettime(CLOCK_REALTIME, &now);
  EXPECT_TRUE(now.tv_sec > dsec || (now.tv_sec == dsec && now.tv_nsec >= dnsec));
  // An absolute timeout is validated too.
  EXPECT_EQ(Futex(kPriv, FUTEX_WAIT_BITSET_PRIVATE, 5, Timespec(-1, 0), 0, 1), -EINVAL);
}

TEST_F(FutexTest, WaitWake) {
  Put(kPriv, 0);
  auto w1 = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
  auto w2 = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
  ASSERT_TRUE(AwaitWaiters(kPriv, 2));
  EXPECT_EQ(Futex(kPriv + 4, FUTEX_WAKE_PRIVATE, 10), 0);  // another word
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, 1), 1);
  ASSERT_TRUE(AwaitWaiters(kPriv, 1));
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, 10), 1);
  EXPECT_EQ(Join(w1), 0);
  EXPECT_EQ(Join(w2), 0);
}

TEST_F(FutexTest, WakeCountZeroOrNegativeWakesOne) {
  Put(kPriv, 0);
  auto w1 = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
  auto w2 = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
  ASSERT_TRUE(AwaitWaiters(kPriv, 2));
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, 0), 1);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, static_cast<uint32_t>(-1)), 1);
  EXPECT_EQ(Join(w1), 0);
  EXPECT_EQ(Join(w2), 0);
}

TEST_F(FutexTest, PrivateMemoryKeysMatchWithAndWithoutPrivateFlag) {
  Put(kPriv, 0);
  auto w = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
  ASSERT_TRUE(AwaitWaiters(kPriv, 1));
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE, 1), 1);  // no flag: same (mm, addr) key
  EXPECT_EQ(Join(w), 0);
}

TEST_F(FutexTest, Bitsets) {
  Put(kPriv, 0);
  auto w = StartWait(kPriv, FUTEX_WAIT_BITSET_PRIVATE, 0, /*bitset=*/1);
  ASSERT_TRUE(AwaitWaiters(kPriv, 1));
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 2), 0);
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 3), 1);
  EXPECT_EQ(Join(w), 0);
  // Plain FUTEX_WAKE matches any bitset.
  auto w2 = StartWait(kPriv, FUTEX_WAIT_BITSET_PRIVATE, 0, 0x100);
  ASSERT_TRUE(AwaitWaiters(kPriv, 1));
  EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, 1), 1);
  EXPECT_EQ(Join(w2), 0);
}

TEST_F(FutexTest, RequeueAndCmpRequeue) {
  const uint64_t f1 = kPriv, f2 = kPriv + 64;
  Put(f1, 7);
  std::vector<std::unique_ptr<BlockedWaiter>> ws;
  for (int i = 0; i < 3; ++i) ws.push_back(StartWait(f1, FUTEX_WAIT_PRIVATE, 7));
  ASSERT_TRUE(AwaitWaiters(f1, 3));
  EXPECT_EQ(Futex(f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 10, f2, 8), -EAGAIN);
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, static_cast<uint32_t>(-1), 10, f2), -EINVAL);
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, 1, 0xffffffff, f2), -EINVAL);  // val2 = -1
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, 1, 10, f2 + 1), -EINVAL);
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE, 1, 10, 0), -EFAULT);
  EXPECT_EQ(Futex(0, FUTEX_CMP_REQUEUE_PRIVATE, 1, 10, f2, 0), -EFAULT);
  EXPECT_EQ(Waiters(f1), 3);
  // Nothing to wake or move.
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, 0, 0, f2), 0);
  // Requeue onto itself: counted, nothing moves.
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, 0, 2, f1), 2);
  EXPECT_EQ(Waiters(f1), 3);
  // CMP_REQUEUE: wake 1, move 1; returns woken + moved.
  EXPECT_EQ(Futex(f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, f2, 7), 2);
  ASSERT_TRUE(AwaitWaiters(f1, 1));
  EXPECT_EQ(Waiters(f2), 1);
  // REQUEUE the rest.
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, 0, 10, f2), 1);
  EXPECT_EQ(Waiters(f1), 0);
  EXPECT_EQ(Waiters(f2), 2);
  EXPECT_EQ(Futex(f1, FUTEX_WAKE_PRIVATE, 10), 0);
  EXPECT_EQ(Futex(f2, FUTEX_WAKE_PRIVATE, 10), 2);
  for (auto& w : ws) EXPECT_EQ(Join(w), 0);
}

TEST_F(FutexTest, RequeuedTimedWaiterLeavesTheNewQueue) {
  const uint64_t f1 = kPriv, f2 = kPriv + 64;
  Put(f1, 0);
  auto w = StartWait(f1, FUTEX_WAIT_PRIVATE, 0, 0, Timespec(0, 300000000));
  ASSERT_TRUE(AwaitWaiters(f1, 1));
  EXPECT_EQ(Futex(f1, FUTEX_REQUEUE_PRIVATE, 0, 1, f2), 1);
  EXPECT_EQ(Join(w), -ETIMEDOUT);
  EXPECT_EQ(Waiters(f1), 0);
  EXPECT_EQ(Waiters(f2), 0);
}

uint32_t Op(int op, int oparg, int cmp, int cmparg) {
  return static_cast<uint32_t>(FUTEX_OP(op, oparg & 0xfff, cmp, cmparg & 0xfff));
}

TEST_F(FutexTest, WakeOpOperations) {
  const uint64_t f1 = kPriv, f2 = kPriv + 8;
  auto apply = [&](uint32_t start, uint32_t op) -> std::pair<int64_t, uint32_t> {
    Put(f2, start);
    int64_t r = Futex(f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, f2, op);
    return {r, Get(f2)};
  };
  EXPECT_EQ(apply(9, Op(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0)).second, 5u);
  EXPECT_EQ(apply(9, Op(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)).second, 14u);
  EXPECT_EQ(apply(9, Op(FUTEX_OP_OR, 6, FUTEX_OP_CMP_EQ, 0)).second, 15u);
  EXPECT_EQ(apply(15, Op(FUTEX_OP_ANDN, 6, FUTEX_OP_CMP_EQ, 0)).second, 9u);
  EXPECT_EQ(apply(15, Op(FUTEX_OP_XOR, 6, FUTEX_OP_CMP_EQ, 0)).second, 9u);
  // 12-bit signed arguments.
  EXPECT_EQ(apply(9, Op(FUTEX_OP_SET, -2048, FUTEX_OP_CMP_EQ, 0)).second, 0xfffff800u);
  EXPECT_EQ(apply(9, Op(FUTEX_OP_ADD, -1, FUTEX_OP_CMP_EQ, 0)).second, 8u);
  // FUTEX_OP_OPARG_SHIFT: oparg is 1 << oparg; shifts outside [0, 31] use
  // the low five bits (Linux only warns).
  const uint32_t shift = FUTEX_OP_OPARG_SHIFT << 28;
  EXPECT_EQ(apply(8, Op(FUTEX_OP_OR, 4, FUTEX_OP_CMP_EQ, 0) | shift).second, 24u);
  EXPECT_EQ(apply(0, Op(FUTEX_OP_SET, 40, FUTEX_OP_CMP_EQ, 0) | shift).second, 0x100u);
  EXPECT_EQ(apply(0, Op(FUTEX_OP_SET, -1, FUTEX_OP_CMP_EQ, 0) | shift).second, 0x80000000u);
  // A bad operation: ENOSYS, nothing written. A bad comparison: ENOSYS
  // after the write.
  auto bad = apply(9, (7u << 28) | (5u << 12));
  EXPECT_EQ(bad.first, -ENOSYS);
  EXPECT_EQ(bad.second, 9u);
  bad = apply(9, Op(FUTEX_OP_SET, 3, 9, 0));
  EXPECT_EQ(bad.first, -ENOSYS);
  EXPECT_EQ(bad.second, 3u);
  // Faults and alignment.
  EXPECT_EQ(Futex(f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, kRo, Op(FUTEX_OP_SET, 1, 0, 0)), -EFAULT);
  EXPECT_EQ(Get(kRo), 0u);
  EXPECT_EQ(Futex(f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, 0, Op(FUTEX_OP_SET, 1, 0, 0)), -EFAULT);
  EXPECT_EQ(Futex(f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, f2 + 2, Op(FUTEX_OP_SET, 1, 0, 0)), -EINVAL);
  EXPECT_EQ(Futex(f1 + 2, FUTEX_WAKE_OP_PRIVATE, 1, 1, f2, Op(FUTEX_OP_SET, 1, 0, 0)), -EINVAL);
}

TEST_F(FutexTest, WakeOpComparisons) {
  const uint64_t f1 = kPriv, f2 = kPriv + 8;
  struct Case {
    int cmp;
    int cmparg;
    bool want;
  };
  // The old value is -5 (signed comparisons).
  const Case cases[] = {
      {FUTEX_OP_CMP_EQ, -5, true},  {FUTEX_OP_CMP_EQ, 5, false}, {FUTEX_OP_CMP_NE, 5, true},
      {FUTEX_OP_CMP_NE, -5, false}, {FUTEX_OP_CMP_LT, 0, true},  {FUTEX_OP_CMP_LT, -5, false},
      {FUTEX_OP_CMP_LE, -5, true},  {FUTEX_OP_CMP_LE, -6, false}, {FUTEX_OP_CMP_GT, -6, true},
      {FUTEX_OP_CMP_GT, -5, false}, {FUTEX_OP_CMP_GE, -5, true},  {FUTEX_OP_CMP_GE, 0, false},
  };
  for (const Case& c : cases) {
    Put(f2, static_cast<uint32_t>(-5));
    auto w = StartWait(f2, FUTEX_WAIT_PRIVATE, static_cast<uint32_t>(-5));
    ASSERT_TRUE(AwaitWaiters(f2, 1));
    // ADD 0 keeps the value so the waiter's check stays meaningful.
    int64_t r = Futex(f1, FUTEX_WAKE_OP_PRIVATE, 1, 1, f2, Op(FUTEX_OP_ADD, 0, c.cmp, c.cmparg));
    EXPECT_EQ(r, c.want ? 1 : 0) << c.cmp << " " << c.cmparg;
    if (!c.want) {
      EXPECT_EQ(Futex(f2, FUTEX_WAKE_PRIVATE, 1), 1);
    }
    EXPECT_EQ(Join(w), 0);
  }
}

TEST_F(FutexTest, WakeOpWakesBoth) {
  const uint64_t f1 = kPriv, f2 = kPriv + 8;
  Put(f1, 0);
  Put(f2, 0);
  std::vector<std::unique_ptr<BlockedWaiter>> ws;
  for (int i = 0; i < 2; ++i) ws.push_back(StartWait(f1, FUTEX_WAIT_PRIVATE, 0));
  for (int i = 0; i < 3; ++i) ws.push_back(StartWait(f2, FUTEX_WAIT_PRIVATE, 0));
  ASSERT_TRUE(AwaitWaiters(f1, 2));
  ASSERT_TRUE(AwaitWaiters(f2, 3));
  // *f2 = 5 (old 0 == 0): one on f1, two on f2.
  EXPECT_EQ(Futex(f1, FUTEX_WAKE_OP_PRIVATE, 1, 2, f2, Op(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0)),
            3);
  EXPECT_EQ(Get(f2), 5u);
  EXPECT_EQ(Waiters(f1), 1);
  EXPECT_EQ(Waiters(f2), 1);
  // Condition false (old 5 != 0): only f1.
  EXPECT_EQ(Futex(f1, FUTEX_WAKE_OP_PRIVATE, 5, 5, f2, Op(FUTEX_OP_SET, 6, FUTEX_OP_CMP_EQ, 0)),
            1);
  EXPECT_EQ(Futex(f2, FUTEX_WAKE_PRIVATE, 5), 1);
  for (auto& w : ws) EXPECT_EQ(Join(w), 0);
}

TEST_F(FutexTest, SharedFutexAcrossFork) {
  Put(kShared + 4, 0);
  std::shared_ptr<mm::MemoryManager> child = ForkMm();
  // Waiter in the child, waker in the parent.
  auto w = StartWait(kShared + 4, FUTEX_WAIT, 0, 0, 0, child);
  ASSERT_TRUE(AwaitWaiters(kShared + 4, 1, /*is_private=*/false));
  EXPECT_EQ(Waiters(kShared + 4, false, child.get()), 1);
  // Private-flag keys are per address space: they miss it.
  EXPECT_EQ(Futex(kShared + 4, FUTEX_WAKE_PRIVATE, 1), 0);
  EXPECT_EQ(Futex(kShared, FUTEX_WAKE, 1), 0);  // another word
  EXPECT_EQ(Futex(kShared + 4, FUTEX_WAKE, 1), 1);
  EXPECT_EQ(Join(w), 0);
  // And the other way round, with the parent waiting.
  auto w2 = StartWait(kShared + 4, FUTEX_WAIT, 0);
  ASSERT_TRUE(AwaitWaiters(kShared + 4, 1, false));
  auto n = kernel_.futex().Wake(*child, kShared + 4, false, kFutexBitsetAny, 1);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Join(w2), 0);
}

TEST_F(FutexTest, SharedFutexRequeueAcrossFork) {
  Put(kShared, 1);
  std::shared_ptr<mm::MemoryManager> child = ForkMm();
  auto w = StartWait(kShared, FUTEX_WAIT, 1, 0, 0, child);
  ASSERT_TRUE(AwaitWaiters(kShared, 1, false));
  EXPECT_EQ(Futex(kShared, FUTEX_CMP_REQUEUE, 0, 1, kShared + mm::kPageSize, 1), 1);
  EXPECT_EQ(Waiters(kShared + mm::kPageSize, false, child.get()), 1);
  auto n = kernel_.futex().WakeOp(*child, kShared, kShared + mm::kPageSize, false, 1, 1,
                                  Op(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Join(w), 0);
}

TEST_F(FutexTest, SignalInterruptsWait) {
  Put(kPriv, 0);
  auto w = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
  ASSERT_TRUE(AwaitWaiters(kPriv, 1));
  w->task->Interrupt();
  EXPECT_EQ(Join(w), -kERestartSys);
  EXPECT_EQ(Waiters(kPriv), 0);
  EXPECT_FALSE(w->task->restart_block);
  // A timed wait restarts through restart_syscall, keeping its deadline.
  auto tw = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0, 0, Timespec(0, 50000000));
  ASSERT_TRUE(AwaitWaiters(kPriv, 1));
  tw->task->Interrupt();
  EXPECT_EQ(Join(tw), -kERestartRestartBlock);
  ASSERT_TRUE(tw->task->restart_block);
  EXPECT_EQ(Waiters(kPriv), 0);
}

TEST_F(FutexTest, TimedWaitRestartKeepsTheDeadline) {
  Put(kPriv, 0);
  auto t = kernel_.CreateTaskForTesting(mm_, Credentials::ForUser(0, 0));
  // Interrupted before blocking: the wait returns at once.
  t->Interrupt();
  absl::Time t0 = absl::Now();
  EXPECT_EQ(Call(*t, kPriv, FUTEX_WAIT_PRIVATE, 0, Timespec(0, 30000000)),
            -kERestartRestartBlock);
  ASSERT_TRUE(t->restart_block);
  auto fn = std::move(t->restart_block);
  t->restart_block = nullptr;
  // Run the restart on a fresh task (this one stays interrupted): it sleeps
  // only the rest of the 30 ms.
  auto t2 = kernel_.CreateTaskForTesting(mm_, Credentials::ForUser(0, 0));
  EXPECT_EQ(fn(*t2).value, -ETIMEDOUT);
  const absl::Duration took = absl::Now() - t0;
  EXPECT_GE(took, absl::Milliseconds(29));
  EXPECT_LT(took, absl::Seconds(5));
}

TEST_F(FutexTest, WakeRacingWithSignalIsNotLost) {
  Put(kPriv, 0);
  for (int i = 0; i < 50; ++i) {
    auto w = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0);
    ASSERT_TRUE(AwaitWaiters(kPriv, 1));
    EXPECT_EQ(Futex(kPriv, FUTEX_WAKE_PRIVATE, 1), 1);
    w->task->Interrupt();
    // The wake was reported to the waker, so the waiter must see it.
    EXPECT_EQ(Join(w), 0);
  }
}

TEST_F(FutexTest, TimeoutRacingWithWakeIsNotLost) {
  Put(kPriv, 0);
  int woken_reports = 0, ok_results = 0;
  for (int i = 0; i < 30; ++i) {
    auto w = StartWait(kPriv, FUTEX_WAIT_PRIVATE, 0, 0, Timespec(0, 2000000));
    ASSERT_TRUE(AwaitWaiters(kPriv, 1) || w->done);
    absl::SleepFor(absl::Microseconds(1500 + 40 * i));
    woken_reports += static_cast<int>(Futex(kPriv, FUTEX_WAKE_PRIVATE, 1));
    const int64_t r = Join(w);
    EXPECT_TRUE(r == 0 || r == -ETIMEDOUT) << r;
    ok_results += r == 0;
  }
  // Every wake the waker counted was consumed by a waiter returning 0.
  EXPECT_EQ(woken_reports, ok_results);
}

// --- robust lists ---

constexpr uint64_t kHead = kPriv + 0x1000;  // struct robust_list_head
constexpr int64_t kFutexOffset = 16;        // word = entry + 16

class RobustTest : public FutexTest {
 protected:
  // Builds head -> entries... -> head at kPriv + 0x2000 + i*64.
  uint64_t Entry(int i) { return kPriv + 0x2000 + static_cast<uint64_t>(i) * 64; }
  uint64_t Word(int i) { return Entry(i) + kFutexOffset; }
  void Build(int n, uint64_t pending) {
    struct {
      uint64_t next;
      int64_t off;
      uint64_t pending;
    } head{n > 0 ? Entry(0) : kHead, kFutexOffset, pending};
    ASSERT_TRUE(mm_->CopyOut(kHead, &head, sizeof(head)).ok());
    for (int i = 0; i < n; ++i) {
      uint64_t next = i + 1 < n ? Entry(i + 1) : kHead;
      ASSERT_TRUE(mm_->CopyOut(Entry(i), &next, sizeof(next)).ok());
    }
    a_->robust_list_head = kHead;
    a_->robust_list_len = 24;
  }
};

TEST_F(RobustTest, MarksOwnedFutexesOwnerDiedAndWakes) {
  const uint32_t tid = static_cast<uint32_t>(a_->tid());
  Build(3, 0);
  Put(Word(0), tid);                                 // owned, no waiters
  Put(Word(1), tid | FUTEX_WAITERS);                 // owned, waiters
  Put(Word(2), (tid + 1) | FUTEX_WAITERS);           // someone else's
  auto w = StartWait(Word(1), FUTEX_WAIT_PRIVATE, tid | FUTEX_WAITERS);
  auto other = StartWait(Word(2), FUTEX_WAIT_PRIVATE, (tid + 1) | FUTEX_WAITERS);
  ASSERT_TRUE(AwaitWaiters(Word(1), 1));
  ASSERT_TRUE(AwaitWaiters(Word(2), 1));
  kernel_.futex().ExitRobustList(*a_);
  EXPECT_EQ(Get(Word(0)), FUTEX_OWNER_DIED);
  EXPECT_EQ(Get(Word(1)), FUTEX_OWNER_DIED | FUTEX_WAITERS);
  EXPECT_EQ(Get(Word(2)), (tid + 1) | FUTEX_WAITERS);
  EXPECT_EQ(Join(w), 0);
  EXPECT_EQ(Waiters(Word(2)), 1);
  EXPECT_EQ(Futex(Word(2), FUTEX_WAKE_PRIVATE, 1), 1);
  EXPECT_EQ(Join(other), 0);
}

TEST_F(RobustTest, PendingOp) {
  const uint32_t tid = static_cast<uint32_t>(a_->tid());
  // Entry 1 is both listed and pending: handled once, as the pending one.
  Build(2, Entry(1));
  Put(Word(0), tid);
  Put(Word(1), tid | FUTEX_WAITERS);
  auto w = StartWait(Word(1), FUTEX_WAIT_PRIVATE, tid | FUTEX_WAITERS);
  ASSERT_TRUE(AwaitWaiters(Word(1), 1));
  kernel_.futex().ExitRobustList(*a_);
  EXPECT_EQ(Get(Word(0)), FUTEX_OWNER_DIED);
  EXPECT_EQ(Get(Word(1)), FUTEX_OWNER_DIED | FUTEX_WAITERS);
  EXPECT_EQ(Join(w), 0);
}

TEST_F(RobustTest, PendingUnlockedWordWakesWithoutChangingIt) {
  // The owner released the word (0) and died before waking the waiter.
  Build(0, Entry(5));
  Put(Entry(5) + kFutexOffset, 0);
  auto w = StartWait(Entry(5) + kFutexOffset, FUTEX_WAIT_PRIVATE, 0);
  ASSERT_TRUE(AwaitWaiters(Entry(5) + kFutexOffset, 1));
  kernel_.futex().ExitRobustList(*a_);
  EXPECT_EQ(Get(Entry(5) + kFutexOffset), 0u);
  EXPECT_EQ(Join(w), 0);
}

TEST_F(RobustTest, SharedMemoryWaiterInAnotherProcessIsWoken) {
  const uint32_t tid = static_cast<uint32_t>(a_->tid());
  // The list lives in private memory; the mutex in shared memory.
  struct {
    uint64_t next;
    int64_t off;
    uint64_t pending;
  } head{kShared + 64, 0, 0};
  ASSERT_TRUE(mm_->CopyOut(kHead, &head, sizeof(head)).ok());
  // Entry at kShared+64: next -> head; futex word at entry + 0 would be the
  // next pointer, so use offset 8 instead.
  head.off = 8;
  ASSERT_TRUE(mm_->CopyOut(kHead, &head, sizeof(head)).ok());
  uint64_t next = kHead;
  ASSERT_TRUE(mm_->CopyOut(kShared + 64, &next, sizeof(next)).ok());
  Put(kShared + 72, tid | FUTEX_WAITERS);
  a_->robust_list_head = kHead;
  std::shared_ptr<mm::MemoryManager> child = ForkMm();
  auto w = StartWait(kShared + 72, FUTEX_WAIT, tid | FUTEX_WAITERS, 0, 0, child);
  ASSERT_TRUE(AwaitWaiters(kShared + 72, 1, false));
  kernel_.futex().ExitRobustList(*a_);
  EXPECT_EQ(Join(w), 0);
  EXPECT_EQ(Get(kShared + 72), FUTEX_OWNER_DIED | FUTEX_WAITERS);
}

TEST_F(RobustTest, BadListsAreHarmless) {
  const uint32_t tid = static_cast<uint32_t>(a_->tid());
  // A cycle that never returns to the head: bounded by ROBUST_LIST_LIMIT.
  Build(2, 0);
  uint64_t loop = Entry(0);
  ASSERT_TRUE(mm_->CopyOut(Entry(1), &loop, sizeof(loop)).ok());
  Put(Word(0), tid);
  kernel_.futex().ExitRobustList(*a_);
  EXPECT_EQ(Get(Word(0)), FUTEX_OWNER_DIED);
  // A read-only futex word stays as it is; an unmapped head is ignored.
  struct {
    uint64_t next;
    int64_t off;
    uint64_t pending;
  } head{kRo, 0, 0};
  ASSERT_TRUE(mm_->CopyOut(kHead, &head, sizeof(head)).ok());
  kernel_.futex().ExitRobustList(*a_);  // kRo holds 0: next = NULL, word unowned
  a_->robust_list_head = 0x1000;
  kernel_.futex().ExitRobustList(*a_);
  a_->robust_list_head = 0;
  kernel_.futex().ExitRobustList(*a_);
}

}  // namespace
}  // namespace sentry::kernel
