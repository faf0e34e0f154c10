// wait_queue.h: how blocked Sentry work is woken.
//
// A WaitQueue belongs to an object that can become ready (a pipe, a futex
// bucket, a thread group's children). A waiter registers a WaitEntry with an
// event mask; Notify(events) calls every entry whose mask intersects the
// events. Entries are callbacks so that epoll can hang its own on a queue
// later; a blocked task uses a Waiter (the task's wake-up flag).
//
// The lost-wakeup rule: register the entry *before* the final readiness
// check, then block. ScopedWait does the registration.
//
// Thread-safe. Notify may run on any thread; callbacks run with the queue's
// lock held and must not block or touch the same queue.
#ifndef SENTRY_KERNEL_WAIT_QUEUE_H_
#define SENTRY_KERNEL_WAIT_QUEUE_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sentry::kernel {

// Readiness events (poll(2) bits, so pipes and epoll share one vocabulary),
// plus private bits for other kinds of waits.
inline constexpr uint32_t kEventIn = 0x001;    // POLLIN
inline constexpr uint32_t kEventOut = 0x004;   // POLLOUT
inline constexpr uint32_t kEventErr = 0x008;   // POLLERR
inline constexpr uint32_t kEventHup = 0x010;   // POLLHUP
inline constexpr uint32_t kEventChild = 1u << 24;  // a child changed state
inline constexpr uint32_t kEventAll = 0xffffffffu;

class WaitEntry {
 public:
  virtual ~WaitEntry() = default;
  // Called by WaitQueue::Notify with the events that happened.
  virtual void OnEvent(uint32_t events) = 0;

 private:
  friend class WaitQueue;
  uint32_t mask_ = 0;
  WaitEntry* prev_ = nullptr;
  WaitEntry* next_ = nullptr;
  bool queued_ = false;
};

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  ~WaitQueue();

  // Registers `e` for events in `mask`. An entry is on at most one queue.
  void Add(WaitEntry* e, uint32_t mask);
  // Unregisters `e` (no-op if it is not queued here).
  void Remove(WaitEntry* e);
  // Calls OnEvent on every entry whose mask intersects `events`.
  void Notify(uint32_t events);
  bool Empty();

 private:
  absl::Mutex mu_;
  WaitEntry* head_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// A one-shot wake-up flag one thread sleeps on. Notify (any thread) makes
// the current or next Wait return; Wait consumes the notification.
class Waiter final : public WaitEntry {
 public:
  void OnEvent(uint32_t) override { Notify(); }
  void Notify();
  // Returns true if notified, false at `deadline`.
  bool Wait(absl::Time deadline = absl::InfiniteFuture());
  // Forgets a pending notification (before a fresh wait).
  void Clear();

 private:
  absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

// Registers `e` on `q` for its lifetime.
class ScopedWait {
 public:
  ScopedWait(WaitQueue& q, WaitEntry* e, uint32_t mask) : q_(q), e_(e) { q_.Add(e_, mask); }
  ~ScopedWait() { q_.Remove(e_); }
  ScopedWait(const ScopedWait&) = delete;
  ScopedWait& operator=(const ScopedWait&) = delete;

 private:
  WaitQueue& q_;
  WaitEntry* e_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_WAIT_QUEUE_H_
