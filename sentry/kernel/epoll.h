// epoll.h: an epoll instance (epoll_create/epoll_ctl/epoll_wait).
//
// An EpollFile is itself a File: its readiness is kEventIn while it has a
// ready event, and its WaitQueue is notified when an item may have become
// ready, so an epoll fd can be poll(2)ed, select(2)ed and nested in another
// epoll (cycles and nesting deeper than Linux's 4 levels are ELOOP).
//
// Items: the interest list is keyed by (fd, File*) like Linux. Each item is
// a WaitEntry on its File's wait queue; the callback marks the item ready
// (if the events that happened intersect the item's interest) and notifies
// the epoll's own queue. epoll_wait (Collect) re-checks the readiness of
// each ready item: level-triggered items stay ready while their File is
// ready, EPOLLET items are reported once per wake-up, EPOLLONESHOT items are
// disabled after one report until EPOLL_CTL_MOD. EPOLLEXCLUSIVE is accepted
// (with Linux's argument checks) and behaves like a plain registration.
// Files without a wait queue (HostFile) are "polled items": checked on every
// Collect; NeedsPolling() tells a waiter to sleep with a short deadline.
//
// Lifetimes: an item holds a reference to its File, so the File (and the
// wait queue it owns or keeps alive) outlives the item's registration. The
// entry is removed from the File's queue (EPOLL_CTL_DEL, the epoll's
// destruction, or the sweep below) before the item or the File reference is
// dropped; callbacks run under the queue's lock, so after Remove returns no
// callback is running. Linux drops an item when the last reference to the
// registered file goes away (closing a dup'd fd does not remove it). Here
// the item's own reference keeps the File alive, so SweepOrphans() (run at
// every epoll_ctl/epoll_wait) drops the items whose File only the epoll
// still references: the same observable rule, applied lazily. Limitation:
// a File closed while an epoll_wait is already asleep is only released (and
// e.g. a pipe's HUP only raised) at that epoll's next epoll_ctl/epoll_wait.
//
// Locks (outer first): the global nest lock (adding an epoll to an epoll),
// ctl_mu_ (per-epoll serialization of ctl/destruction), target queue locks,
// mu_ (item state), this epoll's queue lock. mu_ is never held while a
// File's Readiness runs or a queue is notified.
#ifndef SENTRY_KERNEL_EPOLL_H_
#define SENTRY_KERNEL_EPOLL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sentry/kernel/file.h"
#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {

class EpollFile final : public File {
 public:
  // Linux's EP_MAX_NESTS.
  static constexpr int kMaxNests = 4;

  struct Event {
    uint32_t events;
    uint64_t data;
  };

  EpollFile();
  ~EpollFile() override;

  ErrnoOr<size_t> Read(void*, size_t) override { return Errno(EINVAL); }
  ErrnoOr<size_t> Write(const void*, size_t) override { return Errno(EINVAL); }
  uint32_t Readiness(uint32_t mask) override;
  WaitQueue* wait_queue() override { return &queue_; }
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t, int) override { return Errno(ESPIPE); }

  // EPOLL_CTL_ADD: EEXIST if (fd, file) is registered, ELOOP for a cycle or
  // too deep a nest. `events` gets EPOLLERR|EPOLLHUP added.
  ErrnoResult Add(int fd, std::shared_ptr<File> file, uint32_t events, uint64_t data);
  // EPOLL_CTL_MOD: ENOENT if not registered, EINVAL for an EPOLLEXCLUSIVE item.
  ErrnoResult Modify(int fd, File* file, uint32_t events, uint64_t data);
  // EPOLL_CTL_DEL: ENOENT if not registered.
  ErrnoResult Remove(int fd, File* file);

  // Takes up to `max` ready events (never blocks).
  std::vector<Event> Collect(size_t max);
  // Whether readiness must be polled (a registered File, here or in a
  // nested epoll, has no wait queue).
  bool NeedsPolling();
  // Drops items whose File only this epoll references (see the file comment).
  void SweepOrphans();
  size_t size();

 private:
  struct Item;
  friend struct Item;
  // Item callback: `events` happened on the item's File.
  void ItemEvent(Item* item, uint32_t events);
  // Whether `target` can reach this epoll through nested epolls, or the
  // nesting would exceed kMaxNests.
  bool WouldLoop(EpollFile* target);
  // Depth of epoll nesting below this epoll (0: no nested epoll), or -1 if
  // `self` is reachable.
  int NestDepth(const EpollFile* self, int limit);
  // Events among the item's interest that hold now.
  static uint32_t ItemReadiness(File& f, uint32_t interest);
  // Unregisters and releases `items` (ctl_mu_ held, mu_ not held).
  static void Release(std::vector<std::shared_ptr<Item>>& items);

  absl::Mutex ctl_mu_;
  absl::Mutex mu_ ABSL_ACQUIRED_AFTER(ctl_mu_);
  std::map<std::pair<int, File*>, std::shared_ptr<Item>> items_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Item>> ready_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Item>> polled_ ABSL_GUARDED_BY(mu_);  // no wait queue
  WaitQueue queue_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_EPOLL_H_
